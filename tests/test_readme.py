"""The README is for the people who run and use Bangban: the two commands first, the pages to open, the same
sections in Chinese and English, no internal issue numbers; development notes live in docs/."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ZH, EN = README.split('<a id="english"></a>')


def test_the_two_commands_come_first_in_both_languages():
    for half in (ZH, EN):
        commands = re.findall(r"```sh\n(make \w+)\n```", half)
        assert commands[:2] == ["make run", "make test"]
        assert "http://127.0.0.1:8000/" in half


def test_quick_start_says_that_quiet_hours_hold_resident_sms():
    for half in (ZH, EN):
        quick = half.split("## ")[1]
        assert "免打扰时段，08:00 后发送" in quick and "21:00" in quick and "notifications_status" in quick


def test_both_halves_have_the_same_structure_and_no_issue_numbers():
    def headings(text: str) -> list[str]:
        return re.findall(r"(?m)^(#{2,3}) ", text)

    assert headings(ZH) == headings(EN)
    assert "## 运维" in ZH and "## Operations" in EN
    assert not re.search(r"issue \d+|问题 ?\d+", README, re.IGNORECASE)
    for account in ("admin", "town", "staff", "grid", "volunteer", "staff2"):
        assert f"`{account}`" in ZH and f"`{account}`" in EN
    assert "createsuperuser" in ZH and "createsuperuser" in EN
    for doc in ("docs/development.md", "docs/benchmarks.md"):
        assert doc in README and (ROOT / doc).exists()
