"""Masking of personal data for display (PIPL: show the least that does the job)."""

from typing import Any


def _digits_e164(phone: Any) -> str:
    if getattr(phone, "national_number", None) is not None:
        # a PhoneNumber: its digits directly (formatting it to text costs a phonenumbers call, twice)
        return str(phone.national_number)
    text = str(phone or "")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("+"):
        text = text[1:]
    return text


def mask_phone(phone: Any) -> str:
    """``+8613800138000`` → ``138****8000``; short or empty values mask as a whole."""
    digits = _digits_e164(phone)
    if not digits:
        return ""
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_id_number(value: str | None) -> str:
    """Resident ID: first 6 and last 4 kept (``370102********1234``)."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"


def mask_name(value: str | None) -> str:
    """Chinese name: surname kept (``王*``, ``欧阳**``… first char + stars); Latin names: first letter."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) == 1:
        return "*"
    return value[0] + "*" * (len(value) - 1)


def phone_tail(phone: Any) -> str:
    """Last four digits of a phone number."""
    return _digits_e164(phone)[-4:]


def mask_address(value: str | None) -> str:
    """Keep the first six characters (村/组 level), hide the rest (门牌号)."""
    value = (value or "").strip()
    return value if len(value) <= 6 else value[:6] + "****"
