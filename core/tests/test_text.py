from core.text import clean_text


def test_keeps_everything_people_write():
    value = '王大爷：<b>低保</b> & "材料"\n第二行\t👍 café 100%\u200b'
    assert clean_text(value) == value


def test_strips_control_and_bidi_override_characters():
    assert clean_text("abc\x00def\x07\x1b[31m") == "abcdef[31m"
    assert clean_text("电话\u202e0008\u202c") == "电话0008"
    assert clean_text("a\u2066b\u2069c\x7f\x85") == "abc"


def test_none_is_empty():
    assert clean_text(None) == ""


def test_quote_nests_marks_instead_of_doubling_them():
    from core.text import quote

    assert quote("AB岗制度") == "“AB岗制度”"
    assert quote("“好差评”评价器") == "“‘好差评’评价器”"
    assert "““" not in quote("“好差评”评价器") and "””" not in quote("说明“一次性告知”")
