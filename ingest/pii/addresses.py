"""Street addresses: English (number, words, suffix, unit, city, state ZIP) and Chinese
(省/市/区/县 … 路/街/大道 + 号)."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern, PatternRecognizer

from ingest.pii.chinese_data import CN_PLACES
from ingest.pii.common import _CJK, _FLAGS


_STREET_SUFFIX = (
    r"(?:Street|St\.?|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Lane|Ln\.?|Drive|Dr\.?|"
    r"Court|Ct\.?|Way|Place|Pl\.?|Terrace|Parkway|Pkwy\.?|Highway|Hwy\.?|Circle|Cir\.?|"
    r"Square|Sq\.?|Plaza|Alley|Row|Crescent|Close|Gardens)"
)
_EN_ADDRESS = (
    r"(?<![\dA-Za-z])\d{1,5}[A-Z]?(?:-\d{1,4})?\s+"
    r"(?:(?:[NSEW]\.?|North|South|East|West)\s+)?"
    r"(?:[A-Z][a-z]+|\d{1,3}(?:st|nd|rd|th))(?:\s+[A-Z][a-z]+){0,2}\s+"
    + _STREET_SUFFIX
    + r"(?![A-Za-z])(?:\s+(?:North|South|East|West|NE|NW|SE|SW)(?![A-Za-z]))?"
    r"(?:,?\s+(?:Suite|Ste\.?|Apt\.?|Apartment|Unit|Floor|Fl\.?|Room|Rm\.?|#)\s*#?[\dA-Z][\w-]*)?"
    r"(?:,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}"  # city
    r"(?:,\s*[A-Z]{2}(?:\s+(?:\d{5}(?:-\d{4})?|[A-Z]\d[A-Z]\s?\d[A-Z]\d))?"  # state ZIP / CA
    r"|\s+[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}(?![A-Za-z\d]))?)?"  # or UK postcode
)


# A CJK character that is not a common function word, so a match does not start in a cue.
_CN_NAME_CHAR = rf"(?:(?![的在于位是为址和与及或到从向往将把被请已经至及其])[{_CJK}])"
_CN_ROAD = r"(?:路|街|大道|大街|巷|胡同|弄)"
_CN_NUMBER = r"(?:\d{1,5}|[一二三四五六七八九十百]{1,4})(?:-\d{1,4})?号"
_CN_TAIL = r"(?:[\dA-Za-z-]{1,5}(?:栋|幢|号楼|楼|层|室|单元|座))*"
_ZH_ADDRESS_PLACE = (
    rf"(?:{CN_PLACES})(?:省|市|自治区|特别行政区)?(?:[{_CJK}]{{1,6}}?(?:市|州|盟))?"
    rf"(?:[{_CJK}]{{1,6}}?(?:区|县|旗))?(?:[{_CJK}]{{1,8}}?(?:镇|乡|街道))?"
    rf"[{_CJK}\dA-Za-z]{{0,10}}?{_CN_ROAD}{_CN_NUMBER}{_CN_TAIL}"
)
_ZH_ADDRESS_ROAD = (
    rf"{_CN_NAME_CHAR}[{_CJK}]{{0,8}}?(?:区|县)?[{_CJK}]{{0,8}}?{_CN_ROAD}{_CN_NUMBER}{_CN_TAIL}"
)


class StreetAddressRecognizer(PatternRecognizer):
    """English street addresses (number, words, suffix, unit, city, state ZIP) and Chinese
    ones (省/市/区/县 … 路/街/大道 + 号)."""

    PATTERNS: ClassVar[list] = [
        Pattern("en_street_address", _EN_ADDRESS, 0.6),
        Pattern("zh_address_with_place", _ZH_ADDRESS_PLACE, 0.7),
        Pattern("zh_address_road", _ZH_ADDRESS_ROAD, 0.5),
    ]
    CONTEXT: ClassVar[list] = [
        "address",
        "located",
        "office",
        "mail",
        "ship",
        "street",
        "地址",
        "位于",
        "住址",
        "寄往",
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="STREET_ADDRESS",
            name="StreetAddressRecognizer",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            global_regex_flags=_FLAGS,
        )
