from core.masking import mask_id_number, mask_name, mask_phone, phone_tail
from core.phones import parse_phone


def test_mask_phone_from_e164_string_and_phone_number():
    assert mask_phone("+8613800138000") == "138****8000"
    assert mask_phone(parse_phone("13800138000")) == "138****8000"
    assert mask_phone("13800138000") == "138****8000"


def test_mask_phone_short_and_empty():
    assert mask_phone("") == ""
    assert mask_phone(None) == ""
    assert mask_phone("12345") == "*****"


def test_mask_id_number_keeps_first_six_and_last_four():
    assert mask_id_number("370102199001011234") == "370102********1234"
    assert mask_id_number("37010219900101123X") == "370102********123X"
    assert mask_id_number(" 1234567890 ") == "**********"
    assert mask_id_number(None) == ""


def test_mask_name():
    assert mask_name("王秀英") == "王**"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "*"
    assert mask_name("") == ""


def test_phone_tail():
    assert phone_tail("+8613800138000") == "8000"
    assert phone_tail(parse_phone("+86 138-0013-8123")) == "8123"
