"""The recognizers of the configured entity types (``custom_recognizers``).

The recognizers themselves live in ``ingest.pii``, one module per family; names are
re-exported here for code that imported them from this module. Presidio is imported at
module level, so import this module only after ``TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS`` is set
(``Deidentifier.warm_up`` does that).
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer

from ingest.pii.addresses import StreetAddressRecognizer
from ingest.pii.cards import LuhnCardRecognizer, luhn_ok
from ingest.pii.chinese import (
    BankCardRecognizer,
    ChineseMobileRecognizer,
    ChinesePersonRecognizer,
    ChineseResidentIdRecognizer,
    cn_id_check_char,
    cn_id_valid,
)
from ingest.pii.context import OffsetContextEnhancer, column_header_words
from ingest.pii.identifiers import CjkSafeEmailRecognizer, IpAddressRecognizer, PassportRecognizer
from ingest.pii.persons import (
    CapitalsNameRecognizer,
    CreditNameRecognizer,
    EnglishPersonCueRecognizer,
    LatinSpacyRecognizer,
    OfficerNameRecognizer,
    ParticleNameRecognizer,
    SpeakerNameRecognizer,
)
from ingest.pii.intl_addresses import InternationalAddressRecognizer
from ingest.pii.name_shapes import NameShapeRecognizer
from ingest.pii.phones import InternationalPhoneRecognizer


def custom_recognizers(entities: set[str]) -> list[EntityRecognizer]:
    """Our recognizers for the configured entity types, all for language ``"en"``."""
    out: list[EntityRecognizer] = []
    if "EMAIL_ADDRESS" in entities:
        out.append(CjkSafeEmailRecognizer())
    if "PASSPORT" in entities:
        out.append(PassportRecognizer())
    if "CN_RESIDENT_ID" in entities:
        out.append(ChineseResidentIdRecognizer())
    if "CN_MOBILE" in entities:
        out.append(ChineseMobileRecognizer())
    if "CN_BANK_CARD" in entities:
        out.append(BankCardRecognizer())
    if "CREDIT_CARD" in entities:
        out.append(LuhnCardRecognizer())
    if "PHONE_NUMBER" in entities:
        out.append(InternationalPhoneRecognizer())
    if "IP_ADDRESS" in entities:
        out.append(IpAddressRecognizer())
    if "STREET_ADDRESS" in entities:
        out.append(StreetAddressRecognizer())
        out.append(InternationalAddressRecognizer())
    if "PERSON" in entities:
        out.append(LatinSpacyRecognizer(supported_language="en", supported_entities=["PERSON"]))
        out.append(ChinesePersonRecognizer())
        out.append(EnglishPersonCueRecognizer())
        out.append(ParticleNameRecognizer())
        out.append(NameShapeRecognizer())
        out.append(SpeakerNameRecognizer())
        out.append(CreditNameRecognizer())
        out.append(OfficerNameRecognizer())
        out.append(CapitalsNameRecognizer())
    return out


__all__ = [
    "BankCardRecognizer",
    "CapitalsNameRecognizer",
    "CreditNameRecognizer",
    "OfficerNameRecognizer",
    "ChineseMobileRecognizer",
    "ChinesePersonRecognizer",
    "ChineseResidentIdRecognizer",
    "CjkSafeEmailRecognizer",
    "EnglishPersonCueRecognizer",
    "InternationalAddressRecognizer",
    "InternationalPhoneRecognizer",
    "IpAddressRecognizer",
    "LatinSpacyRecognizer",
    "LuhnCardRecognizer",
    "NameShapeRecognizer",
    "OffsetContextEnhancer",
    "ParticleNameRecognizer",
    "SpeakerNameRecognizer",
    "PassportRecognizer",
    "StreetAddressRecognizer",
    "cn_id_check_char",
    "cn_id_valid",
    "column_header_words",
    "custom_recognizers",
    "luhn_ok",
]
