"""Data tables of ``ingest.pii.phones``."""

from __future__ import annotations

# Regions tried, in turn, for a number written without a country code: North America and
# Europe first (most of what reaches a knowledge base), then the rest of the world's larger
# numbering plans. libphonenumber's metadata decides; the list only bounds the work.
REGIONS = (
    "US", "GB", "DE", "FR", "IT", "ES", "NL", "BE", "CH", "AT", "SE", "NO", "DK", "FI", "CN",
    "IS", "IE", "PT", "PL", "CZ", "SK", "HU", "SI", "HR", "RO", "BG", "GR", "CY", "MT",
    "EE", "LV", "LT", "LU", "GL", "CA", "AU", "NZ", "ZA", "BR", "UY", "AR", "MX", "CL",
    "CO", "PE", "IN", "JP", "KR", "SG", "HK", "TW", "IL", "TR", "AE", "SA", "EG", "MA",
    "TN", "DZ", "NG", "KE", "RU", "UA", "PH", "ID", "MY", "TH", "VN", "PK",
)  # fmt: skip

PHONE_CONTEXT = (
    "phone", "telephone", "tel", "call", "mobile", "cell", "cellphone", "fax", "contact",
    "reach", "dial", "desk", "hotline", "landline", "whatsapp", "sms", "text", "office",
    "home", "ring", "voicemail", "registered", "messages", "tél", "telefon", "telefono",
    "teléfono", "handy", "电话", "手机", "联系", "传真", "致电", "拨打", "热线", "座机",
)  # fmt: skip

# A number right after one of these words is an identifier, not a phone number.
NOT_PHONE_CUES = frozenset(
    """isbn issn doi order invoice ticket ref reference po version build release section
    article clause case claim policy contract id iso iec rfc nist sp pci dss sku
    part serial batch lot model account acct iban bic swift routing card cc visa
    mastercard amex ssn sin nin tin itin social passport""".split()  # noqa: SIM905
)
NOT_PHONE_CUES_ZH = ("护照", "身份证", "证件", "卡号", "账号", "账户", "订单", "编号", "工号")
