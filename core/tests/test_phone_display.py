from core.phones import phone_display


def test_phone_display():
    assert phone_display("+8618653100005") == "186 5310 0005"
    assert phone_display("18653100005") == "186 5310 0005"
    assert phone_display("0531-88886666") == "0531-88886666"  # typed with its area code: as entered
    assert phone_display("+8653188886666") == "0531 8888 6666"
    assert phone_display("") == "" and phone_display(None) == ""
    assert phone_display("转 8001") == "转 8001"
