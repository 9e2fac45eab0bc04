import pytest

from core.phones import normalize_phone, parse_phone


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000",
        "138 0013 8000",
        "+86 138-0013-8000",
        "8613800138000",
        "+8613800138000",
        "(+86)138.0013.8000",
    ],
)
def test_what_people_type_becomes_e164(typed):
    assert normalize_phone(typed) == "+8613800138000"


def test_landline_with_area_code():
    assert normalize_phone("0531-86025101") == "+8653186025101"


@pytest.mark.parametrize(
    "typed", [None, "", "abc", "12345", "1380013800", "138001380001", "+1 555", "00000000000", "861380013800"]
)
def test_invalid_numbers_are_none(typed):
    assert normalize_phone(typed) is None
    assert parse_phone(typed) is None


def test_parse_returns_phone_number_object():
    number = parse_phone("138 0013 8000")
    assert number is not None
    assert number.country_code == 86
    assert number.as_e164 == "+8613800138000"
