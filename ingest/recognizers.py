"""Pattern recognizers for identifiers Presidio lacks or misses, Chinese ones included.

Every recognizer here registers for language ``"en"``: documents go through one analyzer,
and mixed English/Chinese text is analysed as ``"en"``. Boundaries are written as explicit
lookarounds, never ``\\b``: CJK characters are word characters, so ``\\b`` finds no edge
between ``号`` and ``1`` in ``身份证号110101199003074578``.

Presidio is imported here at module level, so import this module only after
``TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS`` is set (``Deidentifier.warm_up`` does that).
"""

from __future__ import annotations

import bisect
import datetime as _dt
import ipaddress
from typing import Any, ClassVar

import regex as re
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.predefined_recognizers import EmailRecognizer, SpacyRecognizer

from ingest.given_names import CN_GIVEN_NAME_CHARS, GIVEN_NAMES, NOT_NAME_PARTS

# Case matters for names and street words, so our recognizers drop Presidio's IGNORECASE.
_FLAGS = re.DOTALL | re.MULTILINE
_FLAGS_I = _FLAGS | re.IGNORECASE

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_CJK_RE = re.compile(f"[{_CJK}]")
_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


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


class PhoneNumberRecognizer(PatternRecognizer):
    """US and international formats Presidio's phonenumbers-based recognizer misses, and
    faster: one regex pass instead of one matcher per region."""

    PATTERNS: ClassVar[list] = [
        # (415) 555-0134, 415-555-0134, 415.555.0134, +1-202-555-0172, 1 (800) 555 0199
        Pattern(
            "us_phone",
            r"(?<![\dA-Za-z+])(?:\+?1[ .-]?)?(?:\([2-9]\d{2}\)[ .-]?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}(?!\d)(?![.-]\d)",
            0.6,
        ),
        # +44 20 7946 0958, +33 1 42 68 53 00, +49 30 9018 2000, 0044 20 7946 0958
        Pattern(
            "intl_phone",
            r"(?<![\dA-Za-z+])(?:\+|00)[1-9]\d{0,2}(?:[ .-]?(?:\(\d{1,4}\)|\d{1,4})){2,6}(?!\d)",
            0.6,
        ),
        # national trunk formats (need context): 020 7946 0958; 030 12345678, 030/1234567,
        # 0171 1234567, 07700 900123, 0755-88881234
        Pattern("national_phone", r"(?<![\dA-Za-z.])0\d{2,4}[ -]\d{3,4}[ -]\d{3,4}(?![\d-])", 0.3),
        Pattern(
            "national_phone_two_groups",
            r"(?<![\dA-Za-z./-])0\d{2,4}[ /-]\d{6,8}(?![\d/-]|\.\d)",
            0.3,
        ),
        # Notations only phone numbers use, so no context needed: UK mobile 07700 900123,
        # German mobile 0171 1234567, German area code with a slash 030/1234567, Chinese
        # landline 010-12345678.
        Pattern(
            "national_phone_distinctive",
            r"(?<![\dA-Za-z./-])(?:07\d{3} ?\d{6}|01[5-7]\d[ /-]?\d{7,8}|0\d{2,4}/\d{5,8}"
            r"|0\d{2,3}-\d{7,8})(?![\d/-]|\.\d)",
            0.4,
        ),
        # (020) 7946 0958: a bracketed trunk prefix is a phone number's own mark
        Pattern(
            "national_phone_bracketed",
            r"(?<![\dA-Za-z])\(0\d{1,4}\)[ -]?\d{3,4}[ -]?\d{3,4}(?![\d-])",
            0.5,
        ),
        # 01 42 68 53 00, 01.42.68.53.00: five pairs with one separator (French national)
        Pattern(
            "fr_national_phone",
            r"(?<![\dA-Za-z.])0[1-9]([ .])\d{2}(?:\1\d{2}){3}(?!\d|[.-]\d)",
            0.4,
        ),
    ]
    CONTEXT: ClassVar[list] = [
        "phone",
        "telephone",
        "tel",
        "call",
        "mobile",
        "cell",
        "fax",
        "contact",
        "reach",
        "dial",
        "desk",
        "hotline",
        "电话",
        "手机",
        "联系",
        "传真",
        "致电",
        "拨打",
        "热线",
        "座机",
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER",
            name="PhoneNumberPatternRecognizer",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            global_regex_flags=_FLAGS,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        n = sum(ch.isdigit() for ch in pattern_text)
        return None if 9 <= n <= 15 else False


_EMAIL_CHAR = rf"(?:[!#$%&'*+\-/=?^_`{{|}}~]|(?![{_CJK}])\w)"
_EMAIL_LABEL = rf"(?:(?![{_CJK}])\w)+(?:-+(?:(?![{_CJK}])\w)+)*"


class CjkSafeEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer with CJK characters outside the address: its ``\\w``
    took ``发送至`` into the local part and ``com或拨打`` into the domain, which then failed
    the TLD check (``发邮件至a.b@163.com或拨打…`` leaked)."""

    PATTERNS: ClassVar[list] = [
        Pattern(
            "email_cjk_safe",
            rf"(?<![0-9A-Za-z.@!#$%&'*+\-/=?^_`{{|}}~]){_EMAIL_CHAR}(?:\.?{_EMAIL_CHAR})*"
            rf"@{_EMAIL_LABEL}(?:\.{_EMAIL_LABEL})+(?![0-9A-Za-z-])",
            0.5,
        )
    ]
    CONTEXT: ClassVar[list] = ["email", "mail", "邮箱", "邮件"]

    def __init__(self) -> None:
        super().__init__(
            patterns=self.PATTERNS, context=self.CONTEXT, name="CjkSafeEmailRecognizer"
        )


_PASSPORT_CONTEXT = ["passport", "护照", "passeport", "reisepass", "pasaporte"]
# Reaches the default threshold (0.4) only with a context word; ties with US_SSN ("SSN
# 123456789" near "passport") go to US_SSN.
_PASSPORT_SCORE = 0.05


class PassportRecognizer(PatternRecognizer):
    """Passport numbers: one or two letters and 7-8 digits (E12345678), nine digits, or nine
    characters of the German passport alphabet (C01X00T47; no vowel but Y, so hardly a
    word). Such strings are everywhere (order and ticket numbers), so a match counts only
    next to a word like "passport" or 护照 (opt-in type: not in DEFAULT_PII_ENTITIES)."""

    PATTERNS: ClassVar[list] = [
        Pattern(
            "passport_letters_digits",
            _NOT_ALNUM_BEFORE + r"[A-Z]{1,2}\d{7,8}" + _NOT_ALNUM_AFTER,
            _PASSPORT_SCORE,
        ),
        Pattern(
            "passport_nine_digits", _NOT_ALNUM_BEFORE + r"\d{9}" + _NOT_ALNUM_AFTER, _PASSPORT_SCORE
        ),
        Pattern(
            "passport_alphanumeric",
            _NOT_ALNUM_BEFORE + r"[CFGHJK][0-9CFGHJKLMNPRTVWXYZ]{8}" + _NOT_ALNUM_AFTER,
            _PASSPORT_SCORE,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PASSPORT",
            name="PassportRecognizer",
            patterns=self.PATTERNS,
            context=_PASSPORT_CONTEXT,
            global_regex_flags=_FLAGS,
        )


class IpAddressRecognizer(PatternRecognizer):
    """IPv4/IPv6 next to CJK text, where Presidio's ``\\b``-anchored patterns see no boundary."""

    PATTERNS: ClassVar[list] = [
        Pattern(
            "ipv4_cjk_safe",
            r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?(?![\d]|\.\d)",
            0.6,
        ),
        Pattern(
            "ipv6_cjk_safe",
            r"(?<![0-9A-Fa-f:])(?=[0-9A-Fa-f:]*:[0-9A-Fa-f]*:)(?:[0-9A-Fa-f]{1,4}|:)(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Fa-f:])",
            0.6,
        ),
    ]
    CONTEXT: ClassVar[list] = ["ip", "address", "地址", "服务器", "server"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="IP_ADDRESS",
            name="IpAddressCjkRecognizer",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            global_regex_flags=_FLAGS,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        try:
            ipaddress.ip_interface(pattern_text)
            if ":" in pattern_text and pattern_text.count(":") < 3:
                return False  # '12:30:00'-like strings parse as IPv6 only with '::'; be strict
        except ValueError:
            return False
        return None


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

_CN_PLACES = (
    "北京|上海|天津|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|"
    "广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|"
    "深圳|广州|杭州|南京|苏州|成都|武汉|西安|长沙|郑州|青岛|厦门|宁波|大连|沈阳|哈尔滨|济南|"
    "合肥|福州|昆明|无锡|东莞|佛山|珠海|石家庄|长春|南昌|贵阳|南宁|太原|兰州|乌鲁木齐|呼和浩特"
)
# A CJK character that is not a common function word, so a match does not start in a cue.
_CN_NAME_CHAR = rf"(?:(?![的在于位是为址和与及或到从向往将把被请已经至及其])[{_CJK}])"
_CN_ROAD = r"(?:路|街|大道|大街|巷|胡同|弄)"
_CN_NUMBER = r"(?:\d{1,5}|[一二三四五六七八九十百]{1,4})(?:-\d{1,4})?号"
_CN_TAIL = r"(?:[\dA-Za-z-]{1,5}(?:栋|幢|号楼|楼|层|室|单元|座))*"
_ZH_ADDRESS_PLACE = (
    rf"(?:{_CN_PLACES})(?:省|市|自治区|特别行政区)?(?:[{_CJK}]{{1,6}}?(?:市|州|盟))?"
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


CN_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦"
)
CN_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
    "司徒",
    "夏侯",
)

_SURNAME = "(?:" + "|".join(CN_COMPOUND_SURNAMES) + f"|[{CN_SURNAMES}])"
# Common words that begin with a surname character and stand where a name could
# (由高级经理审批, 请安全主管确认, 文档专员, 由董事长批准, 请马上处理).
CN_NON_NAME_WORDS = (  # noqa: SIM905
    "高级 高层 安全 安保 文档 文案 文件 方案 常务 常驻 金融 黄金 程序 史料 许可 于是 万能 关键 "
    "向导 龙头 康复 申请 章程 顾问 董事 马上 严格 毛利"
).split()
# Words that are also names (王国, 黎明, 金华 …): no name when nothing but a table cell or a
# list says so, a name after a cue word (员工王国).
CN_WORDS_AND_NAMES = (  # noqa: SIM905
    "高兴 文明 文艺 王国 黎明 白雪 白云 金华 安康 安宁 向阳 常青 林立 石英 朱红 温馨 李子 孙子 叶子"
).split()
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
_EN_NAME = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"


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


class EnglishPersonCueRecognizer(PatternRecognizer):
    """English names spaCy's small model misses after a title or a label:
    ``Dr. Jane Doe``, ``Contact: Jane Doe``, ``Approved by Jane Doe``."""

    PATTERNS: ClassVar[list] = [
        Pattern(
            "en_name_after_title",
            r"(?<![A-Za-z])(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+\K"
            + _EN_NAME
            + rf"(?:\s+[A-Z]\.)?(?:\s+{_EN_NAME}){{0,2}}",
            0.6,
        ),
        Pattern(
            "en_name_after_label",
            r"(?<![A-Za-z])(?:Contact(?: person)?|Attn|Attention|Name|Full name|Signed|Signature|"
            r"Employee|Customer|Owner|Applicant|Recipient|Prepared by|Approved by|Reviewed by|"
            r"Submitted by|Signed by|Requested by)\s*[:\-]?\s+\K"
            + _EN_NAME
            + rf"(?:\s+[A-Z]\.)?(?:\s+{_EN_NAME}){{1,2}}",
            0.5,
        ),
        Pattern(
            # Role labels only with a colon: "Deputy: Isabel Nguyen", not "Officer Training".
            "en_name_after_role_colon",
            r"(?<![A-Za-z])(?:Deputy|Manager|Supervisor|Director|Coordinator|Administrator|"
            r"Representative|Assistant|Lead|Officer|Head|Escalation contact|Point of contact|"
            r"Policy owner|Data protection officer)\s*:\s+\K"
            + _EN_NAME
            + rf"(?:\s+[A-Z]\.)?(?:\s+{_EN_NAME}){{1,2}}",
            0.5,
        ),
        Pattern(
            "en_name_after_zh_label",
            r"(?:姓名|联系人|负责人|收件人|申请人|客户|员工|经理|致)[：:]?\s*\K"
            + _EN_NAME
            + rf"(?:\s+[A-Z]\.)?(?:\s+{_EN_NAME}){{1,2}}",
            0.6,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PERSON",
            name="EnglishPersonCueRecognizer",
            patterns=self.PATTERNS,
            global_regex_flags=_FLAGS,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        # "Owner: Security Team", "Employee Assistance Program" are no names.
        return False if any(w in NOT_NAME_PARTS for w in pattern_text.lower().split()) else None


class ParticleNameRecognizer(PatternRecognizer):
    """Names with a surname particle, which spaCy's small model misses: ``Sofia de la Cruz``,
    ``Anna van der Berg``. Places read the same ("Puerto de la Cruz"), so the first word
    must be a common given name."""

    PATTERNS: ClassVar[list] = [
        Pattern(
            "en_name_with_particle",
            r"(?<![A-Za-z])[A-Z][a-z]+\s+"
            r"(?:van der|van den|van de|van|von der|von|de la|de los|del|della|de|di|da|du|ten|ter)"
            r"\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?(?![A-Za-z])",
            0.5,
        )
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PERSON",
            name="ParticleNameRecognizer",
            patterns=self.PATTERNS,
            global_regex_flags=_FLAGS,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if pattern_text.split()[0].lower() in GIVEN_NAMES else False


class LatinSpacyRecognizer(SpacyRecognizer):
    """Presidio's spaCy recognizer, minus entities that contain CJK characters: English NER on
    Chinese text is noise, and such a span would swallow the precise match of
    ``ChinesePersonRecognizer`` inside it when Presidio removes contained duplicates."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts)
        return [r for r in results if not _CJK_RE.search(text, r.start, r.end)]


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
    if "PHONE_NUMBER" in entities:
        out.append(PhoneNumberRecognizer())
    if "IP_ADDRESS" in entities:
        out.append(IpAddressRecognizer())
    if "STREET_ADDRESS" in entities:
        out.append(StreetAddressRecognizer())
    if "PERSON" in entities:
        out.append(LatinSpacyRecognizer(supported_language="en", supported_entities=["PERSON"]))
        out.append(ChinesePersonRecognizer())
        out.append(EnglishPersonCueRecognizer())
        out.append(ParticleNameRecognizer())
    return out


class OffsetContextEnhancer(LemmaContextAwareEnhancer):
    """Presidio's lemma context enhancer, made cheaper: the token under a match is found by
    bisection over token end offsets (Presidio scans the text's tokens once per detection),
    and results are updated in place instead of deep-copied (the analyzer created them for
    this call). Together that was about a third of the analysis time."""

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: Any,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        if nlp_artifacts is None:
            return raw_results
        by_id = {r.id: r for r in recognizers}
        extra = [w.lower() for w in context or []]
        for result in raw_results:
            meta = result.recognition_metadata or {}
            recognizer = by_id.get(meta.get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY))
            if recognizer is None or not recognizer.context:
                continue
            if meta.get(RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY):
                continue
            words = self._extract_surrounding_words(
                nlp_artifacts, text[result.start : result.end], result.start
            )
            words.extend(extra)
            words.extend(column_header_words(text, result.start))
            supportive = self._find_supportive_word_in_context(
                words, recognizer.context, self.context_matching_mode
            )
            if supportive:
                result.score = min(
                    max(
                        result.score + self.context_similarity_factor,
                        self.min_score_with_context_similarity,
                    ),
                    1.0,
                )
                if result.analysis_explanation is not None:
                    result.analysis_explanation.set_supportive_context_word(supportive)
                    result.analysis_explanation.set_improved_score(result.score)
        return raw_results

    def _extract_surrounding_words(self, nlp_artifacts: Any, word: str, start: int) -> list[str]:
        if not nlp_artifacts.tokens:
            return [""]
        ends = getattr(nlp_artifacts, "token_ends", None)
        if ends is None:
            ends = [t.idx + len(t.text) for t in nlp_artifacts.tokens]
            nlp_artifacts.token_ends = ends
        index = bisect.bisect_right(ends, start)
        if index >= len(ends):
            raise ValueError("match lies beyond the last token")
        keywords = nlp_artifacts.keywords
        lemmas = nlp_artifacts.lemmas
        context = self._add_n_words_backward(index, self.context_prefix_count, lemmas, keywords)
        context += self._add_n_words_forward(index, self.context_suffix_count, lemmas, keywords)
        return list(set(context))


_WORD_RE = re.compile(r"\w+")


def column_header_words(text: str, start: int, max_rows: int = 500) -> list[str]:
    """Lower-cased words of the header cell above ``start`` when it lies in a table row
    (cells joined by ``|``, as the parsers write tables, or by tabs): the header "SSN" or
    "手机" is the context of a bare number twenty rows down its column."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    delimiter = "|" if "|" in line else "\t" if "\t" in line else None
    if delimiter is None:
        return []
    column = text.count(delimiter, line_start, start)
    header_start = line_start
    for _ in range(max_rows):
        if header_start == 0:
            break
        above = text.rfind("\n", 0, header_start - 1) + 1
        if delimiter not in text[above : header_start - 1]:
            break
        header_start = above
    if header_start == line_start:
        return []  # the match is in the header row itself
    header_end = text.find("\n", header_start)
    cells = text[header_start:header_end].split(delimiter)
    return _WORD_RE.findall(cells[column].lower()) if column < len(cells) else []
