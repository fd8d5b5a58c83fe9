"""E-mail addresses next to CJK text, passport numbers (opt-in, context only), IP addresses."""

from __future__ import annotations

import ipaddress
from typing import ClassVar

from presidio_analyzer import Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import EmailRecognizer

from ingest.pii.common import _CJK, _FLAGS, _NOT_ALNUM_AFTER, _NOT_ALNUM_BEFORE


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
