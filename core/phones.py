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


def is_mainland_mobile(number: PhoneNumber | None) -> bool:
    """A mainland China (``CN``) mobile number: the only kind an SMS code may be sent to (issue 33: SMS pumping
    to foreign numbers and landlines). Hong Kong, Macao and Taiwan numbers are other regions."""
    if number is None:
        return False
    return (
        phonenumbers.region_code_for_number(number) == DEFAULT_REGION
        and phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
    )
