"""Chinese identifiers and names: resident ID (MOD 11-2 check), mainland mobiles, bank cards
(Luhn), and names found by surname, cue word, title or list position."""

from __future__ import annotations

import datetime as _dt
from typing import ClassVar

import regex as re
from presidio_analyzer import Pattern, PatternRecognizer

from ingest.given_names import CN_GIVEN_NAME_CHARS
from ingest.pii.cards import luhn_ok
from ingest.pii.chinese_data import (
    CN_COMPOUND_SURNAMES,
    CN_NON_NAME_WORDS,
    CN_SURNAMES,
    CN_WORDS_AND_NAMES,
)
from ingest.pii.common import _CJK, _FLAGS, _FLAGS_I, _NOT_ALNUM_AFTER, _NOT_ALNUM_BEFORE


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def cn_id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a PRC resident identity number."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def cn_id_valid(value: str) -> bool:
    v = re.sub(r"[\s-]", "", value).upper()
    if len(v) != 18 or not v[:17].isdigit():
        return False
    try:
        born = _dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return False
    if not (_dt.date(1900, 1, 1) <= born <= _dt.date.today()):
        return False
    return cn_id_check_char(v[:17]) == v[17]


class ChineseResidentIdRecognizer(PatternRecognizer):
    """18-character PRC resident ID: region, birth date, sequence, MOD 11-2 check character."""

    PATTERNS: ClassVar[list] = [
        Pattern(
            "cn_resident_id",
            _NOT_ALNUM_BEFORE
            + r"[1-9]\d{5}[ ]?(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[ ]?\d{3}[0-9Xx]"
            + _NOT_ALNUM_AFTER,
            0.5,
        )
    ]
    CONTEXT: ClassVar[list] = ["身份证", "证件", "公民身份号码", "id", "identity", "resident"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="CN_RESIDENT_ID",
            name="ChineseResidentIdRecognizer",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            global_regex_flags=_FLAGS_I,
        )

    def validate_result(self, pattern_text: str) -> bool:
        return cn_id_valid(pattern_text)


class ChineseMobileRecognizer(PatternRecognizer):
    """Mainland mobile numbers, 1[3-9] + 9 digits, optional +86/0086/86, spaces or dashes."""

    PATTERNS: ClassVar[list] = [
        Pattern(
            "cn_mobile",
            r"(?<![\d+])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)(?![ -]\d)",
            0.6,
        ),
        Pattern(
            "cn_mobile_parenthesised_prefix",
            r"\((?:\+|00)?86\)[ -]?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)(?![ -]\d)",
            0.6,
        ),
    ]
    CONTEXT: ClassVar[list] = [
        "手机",
        "电话",
        "联系",
        "致电",
        "mobile",
        "phone",
        "cell",
        "tel",
        "call",
        "contact",
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="CN_MOBILE",
            name="ChineseMobileRecognizer",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            global_regex_flags=_FLAGS,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = re.sub(r"\D", "", pattern_text)
        if digits.startswith("0086"):
            digits = digits[4:]
        elif len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        return None if len(digits) == 11 else False


class BankCardRecognizer(PatternRecognizer):
    """16-19 digit bank cards (UnionPay 62... scores higher), Luhn-validated.

    A Luhn-valid number keeps its pattern score rather than jumping to 1.0, so Presidio's
    CREDIT_CARD (which does jump) names Visa/Mastercard numbers and this one names UnionPay.
    """

    _BODY = r"(?:\d{16,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?|\d{6}[ -]\d{10,13})"
    PATTERNS: ClassVar[list] = [
        Pattern(
            "cn_bank_card_unionpay", _NOT_ALNUM_BEFORE + r"(?=62)" + _BODY + r"(?![\dA-Za-z])", 0.7
        ),
        Pattern("cn_bank_card", _NOT_ALNUM_BEFORE + _BODY + r"(?![\dA-Za-z])", 0.45),
    ]
    CONTEXT: ClassVar[list] = [
        "银行卡",
        "卡号",
        "账号",
        "账户",
        "信用卡",
        "借记卡",
        "card",
        "account",
        "bank",
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="CN_BANK_CARD",
            name="BankCardRecognizer",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            global_regex_flags=_FLAGS,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = re.sub(r"\D", "", pattern_text)
        if not 16 <= len(digits) <= 19 or not luhn_ok(digits):
            return False
        return None


_SURNAME = "(?:" + "|".join(CN_COMPOUND_SURNAMES) + f"|[{CN_SURNAMES}])"

_ZH_NOT_WORD = "(?!" + "|".join(CN_NON_NAME_WORDS) + ")"
_ZH_NOT_WORD_OR_NAME = "(?!" + "|".join(CN_NON_NAME_WORDS + CN_WORDS_AND_NAMES) + ")"
_ZH_CUE_BEFORE = (
    r"(?:姓名|联系人|负责人|经理|员工|客户|用户|申请人|收件人|签字人|代表|主管|专员|审批人|"
    r"经办人|同事|主任|总监|由|致|请|经|通知|感谢|转交|持有人|值班人|对接人|发件人|接待人|"
    r"受理人|委托人|联络人|记录人|报告人|审核人|批准人|编制人|填表人|收款人|付款人|持卡人|户名|"
    r"联系(?!方式|方法|电话|邮箱|地址|我们|客服))[：:\s]?"
)
_ZH_TITLE_AFTER = r"(?:先生|女士|小姐|经理|同学|老师|总监|主任|律师|医生|教授|主管|专员)"
_ZH_NAME_END = rf"(?={_ZH_TITLE_AFTER}|负责|共同|审批|签|的|在|于|和|与|及|是|为|已|将|说|表示|提出|批准|确认|同意|处理|联系|[^{_CJK}]|$)"
# With no cue word: a name standing alone in a table cell or a list (| 王芳 |, 张伟、李娜,
# 2025年1月15日：王芳（财务部）, 由张伟和李娜负责, 财务部的王芳), given-name characters only.
_ZH_LIST_BEFORE = r"(?<=^|[|｜\t、，,：:；;（(\s的和与及])"
_ZH_GIVEN = "[" + "".join(sorted(CN_GIVEN_NAME_CHARS)) + "]"


class ChinesePersonRecognizer(PatternRecognizer):
    """Chinese names by context: a common surname + 1-2 characters after a cue (姓名：, 联系人：,
    由, 致 …), before a title (先生, 女士, 经理 …), or, made of given-name characters, alone
    in a table cell or list item. English NER cannot see them."""

    PATTERNS: ClassVar[list] = [
        Pattern(
            "zh_name_after_cue",
            _ZH_CUE_BEFORE
            + r"\K(?!(?<=由)于)"
            + _ZH_NOT_WORD
            + _SURNAME
            + rf"[{_CJK}]{{1,2}}?"
            + _ZH_NAME_END,
            0.6,
        ),
        Pattern(
            "zh_name_before_title",
            rf"(?<![{CN_SURNAMES}])"
            + _ZH_NOT_WORD
            + _SURNAME
            + rf"[{_CJK}]{{1,2}}?(?={_ZH_TITLE_AFTER})",
            0.45,
        ),
        Pattern(
            "zh_name_listed",
            _ZH_LIST_BEFORE + _ZH_NOT_WORD_OR_NAME + _SURNAME + _ZH_GIVEN + "{1,2}" + _ZH_NAME_END,
            0.45,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PERSON",
            name="ChinesePersonRecognizer",
            patterns=self.PATTERNS,
            global_regex_flags=_FLAGS,
        )
