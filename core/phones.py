"""Phone parsing: what people type (``138 0013 8000``, ``+86 138-0013-8000``, ``8613800138000``) → E.164."""

import phonenumbers
from phonenumber_field.phonenumber import PhoneNumber

DEFAULT_REGION = "CN"


def parse_phone(raw: str | None) -> PhoneNumber | None:
    """Return a valid ``PhoneNumber`` or ``None``. Handles the ``86`` prefix typed without ``+``."""
    if raw is None:
        return None
    text = "".join(ch for ch in str(raw) if ch.isdigit() or ch == "+")
    if not text:
        return None
    if not text.startswith("+") and text.startswith("86") and len(text) == 13:
        text = "+" + text
    try:
        number = PhoneNumber.from_string(text, region=DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if number.is_valid() else None


def normalize_phone(raw: str | None) -> str | None:
    """E.164 string or ``None`` when invalid."""
    number = parse_phone(raw)
    return number.as_e164 if number else None


def phone_display(raw: str | None) -> str:
    """How a published number is shown to people: a mainland mobile as ``186 5310 0005``, a landline in its
    national form (``0531-8690 1234`` style as ``phonenumbers`` formats it); text that is not a number as is."""
    if not raw:
        return ""
    number = parse_phone(raw)
    if number is None:
        return str(raw)
    national = str(number.national_number)
    if number.country_code == 86 and len(national) == 11 and national.startswith("1"):
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
