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


def phone_display(raw: object) -> str:
    """A number as people read it: ``+8618653100005`` → ``186 5310 0005`` (``as_national``, as the case page
    shows it); a landline typed with its area code (``0531-88886666``) or free text stays as entered."""
    text = str(raw or "").strip()
    if not text:
        return ""
    number = parse_phone(text)
    if number is None or (not text.startswith("+") and not str(number.national_number).startswith("1")):
        return text
    return str(number.as_national)


def is_mainland_mobile(number: PhoneNumber | None) -> bool:
    """A mainland China (``CN``) mobile number: the only kind an SMS code may be sent to (issue 33: SMS pumping
    to foreign numbers and landlines). Hong Kong, Macao and Taiwan numbers are other regions."""
    if number is None:
        return False
    return (
        phonenumbers.region_code_for_number(number) == DEFAULT_REGION
        and phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
    )
