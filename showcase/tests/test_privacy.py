"""The personal-data filter of typical-case text."""

import pytest

from showcase.privacy import find_personal_data


def kinds(text, **kw):
    return {f.kind for f in find_personal_data(text, **kw)}


@pytest.mark.parametrize(
    "text",
    [
        "请联系13800138000",
        "电话 138 0013 8000 随时打",
        "+86 138-0013-8000",
        "8613800138000",
        "手机：１３８００１３８０００",  # full-width digits
        "座机0531-88881234",
    ],
)
def test_phone_numbers_are_found(text):
    assert kinds(text) == {"phone"}


@pytest.mark.parametrize(
    "text",
    [
        "身份证37010219800101123X",
        "身份证37010219800101123x号",
        "370102 19800101 1234",
        "３７０１０２１９８００１０１１２３Ｘ",
    ],
)
def test_18_digit_id_numbers_are_found(text):
    assert "id_number" in kinds(text)


def test_an_id_number_is_not_also_reported_as_a_phone():
    assert kinds("证件号 370102198001011234") == {"id_number"}


def test_the_residents_name_is_found_in_full_or_by_given_name():
    assert kinds("王秀英老人很满意", names=("王秀英",)) == {"name"}
    assert kinds("秀英阿姨笑了", names=("王秀英",)) == {"name"}
    assert kinds("王 秀 英", names=("王秀英",)) == {"name"}
    assert kinds("一位老人很满意", names=("王秀英",)) == set()


def test_the_residents_address_is_found():
    assert kinds("家住幸福村3组12号", addresses=("幸福村3组12号",)) == {"address"}


@pytest.mark.parametrize(
    "text",
    [
        "2026年5月20日上门，3天办结，节省往返60公里。",
        "办件编号BB20260520000123已办结",
        "一位独居老人需要开具居住证明。",
    ],
)
def test_clean_text_passes(text):
    assert kinds(text, names=("王秀英",)) == set()
