"""Icons are inline SVG with a text label, never emoji: where no emoji font is installed (Chromium on Debian)
an emoji renders as an empty box, and the button or link loses its picture."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parent.parent
# Pictographs with emoji presentation: Misc Symbols and Dingbats, the emoji planes, the variation selector
# that asks for emoji style, and the arrows/clock block's emoji (⌚⏰⏱…).
EMOJI = re.compile("[\u2600-\u27bf\u2b00-\u2bff\u231a-\u23ff\ufe0f\U0001f000-\U0001faff]")


def _sources() -> list[Path]:
    files = list((ROOT / "templates").rglob("*.html")) + list((ROOT / "templates").rglob("*.svg"))
    files += list((ROOT / "static" / "js").glob("*.js"))
    files += [
        p
        for app in ("agency", "workflows", "notifications", "core")
        for p in (ROOT / app).glob("templates/**/*.html")
    ]
    return files


def test_no_emoji_in_templates_or_scripts():
    found = []
    for path in _sources():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if EMOJI.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert len(_sources()) > 20  # the scan really looked at the templates
    assert found == []


def test_the_pattern_catches_the_old_icons():
    assert EMOJI.search("🔔") and EMOJI.search("🔊 朗读") and EMOJI.search("☎") and EMOJI.search("✅")
    assert not EMOJI.search("帮办代办 ①②③ 北 ↑ → ←")


@pytest.mark.django_db
def test_bell_is_an_svg_with_a_text_label():
    from agency.tests.factories import UserFactory

    request = RequestFactory().get("/m/")
    request.user = UserFactory()
    html = Template("{% load notifications_tags %}{% notification_bell %}").render(
        Context({"request": request})
    )
    assert '<svg class="icon"' in html and 'aria-hidden="true"' in html
    assert '<span class="bell-label">消息</span>' in html


def test_read_aloud_button_is_an_svg_with_its_word():
    html = render_to_string("icons/speaker.svg")
    assert html.startswith('<svg class="icon"') and 'focusable="false"' in html
    for name in ("cases.html", "lookup.html"):
        text = (ROOT / "templates" / "residents" / "track" / name).read_text(encoding="utf-8")
        assert '{% include "icons/speaker.svg" %}朗读</button>' in text
