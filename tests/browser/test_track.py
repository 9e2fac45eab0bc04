"""A resident on a 360 px phone: code from the file SMS backend → own case → rating; large-font; axe-core.

axe-core comes from npm (``npm install --prefix var/node axe-core``); without it the axe assertions
skip with a clear message on a bare machine and fail under ``CI=true`` (``core.testing.require``); a
missing contract page (the roster) is a failure always. Pages are checked with ``bypass_csp`` only so the
test can inject axe itself: the pages' own CSP (``script-src 'self'``) still forbids inline scripts, which a
unit test checks.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.testing import require
from residents.models import Rating
from residents.tests.track_helpers import PHONE, completed_case, private_cache  # noqa: F401
from tests.browser.conftest import assert_fits_phone
from workflows.models import Case
from workflows.tests.factories import make_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_cache"),
]

AXE = Path(__file__).resolve().parents[2] / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    """Like ``page_360`` (360×740, zh-CN) but able to inject axe-core despite the CSP."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        bypass_csp=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    context.close()


@pytest.fixture
def sms_file(settings, tmp_path) -> Path:
    """Every SMS to a JSON-lines file, sent inline (the live server has no Celery worker)."""
    from config.celery_app import app

    path = tmp_path / "sms.jsonl"
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(path)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield path
    app.conf.task_always_eager = eager


def latest_code(path: Path, phone: str) -> str:
    assert path.exists(), "no SMS was written to the file backend"
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [m["text"] for m in lines if m["to"] == phone and "验证码" in m["text"]]
    assert texts, f"no code SMS to {phone}: {lines}"
    match = re.search(r"(\d{6})", texts[-1])
    assert match, texts[-1]
    return match.group(1)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    require(AXE.exists(), f"axe-core missing at {AXE} (npm install --prefix var/node axe-core)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def font_px(page: Any) -> float:
    return float(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)"))


def test_resident_finds_case_by_sms_code_and_rates_it(phone_page, live_server, sms_file):
    world = make_world()
    case = completed_case(world)
    page = phone_page

    page.goto(f"{live_server.url}/track/")
    assert_fits_phone(page)
    assert font_px(page) >= 18
    assert axe_violations(page) == []

    page.fill("#phone", "138 0013 8000")
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_url(f"{live_server.url}/track/code/")
    page.fill("#code", latest_code(sms_file, PHONE))
    page.get_by_role("button", name="查看我的办件").click()
    page.wait_for_url(f"{live_server.url}/track/")

    card = page.locator(f"#case-{case.case_no}")
    assert card.is_visible()
    assert "已办结" in card.locator(".status").inner_text()
    assert world.agent_grid.name in card.inner_text()
    assert "138****8000" in page.content()
    # read-aloud: shown (and speaking zh-CN) only where the browser has speech synthesis
    supported = page.evaluate("'speechSynthesis' in window && typeof SpeechSynthesisUtterance === 'function'")
    speak = card.locator("button.speak")
    assert speak.is_visible() == supported
    if supported:
        page.evaluate(
            "() => { window.__spoken = [];"
            " window.speechSynthesis.speak = (u) => { window.__spoken.push([u.lang, u.text]); }; }"
        )
        speak.click()
        assert page.evaluate("window.__spoken") == [["zh-CN", card.locator(".status").inner_text().strip()]]
    assert_fits_phone(page)
    assert axe_violations(page) == []

    card.locator("label.star-choice", has_text="5分").click()
    card.get_by_label("意见或建议（可不填）").fill("网格员很耐心")
    card.get_by_role("button", name="提交评价").click()
    page.wait_for_load_state()
    assert page.locator("text=感谢您的评价").first.is_visible()
    rating = Rating.objects.get()
    assert rating.value == 5 and rating.case_id == case.pk and rating.comment == "网格员很耐心"
    assert Case.objects.get(pk=case.pk).status == "completed"
    assert page.js_errors == []


def test_large_font_toggle_persists(phone_page, live_server, sms_file):
    page = phone_page
    page.goto(f"{live_server.url}/track/")
    normal = font_px(page)
    page.get_by_role("button", name="大字模式").click()
    page.wait_for_url(f"{live_server.url}/track/")
    assert "large-font" in (page.locator("body").get_attribute("class") or "")
    large = font_px(page)
    assert large >= normal * 1.2, (normal, large)
    page.reload()
    assert font_px(page) == large  # persisted (cookie)
    assert_fits_phone(page)
    assert axe_violations(page) == []
    page.get_by_role("button", name="标准字号").click()
    page.wait_for_url(f"{live_server.url}/track/")
    assert font_px(page) == normal


def test_roster_page_has_no_serious_axe_violations(phone_page, live_server):
    world = make_world()
    page = phone_page
    response = page.goto(f"{live_server.url}/sites/{world.station.code}/roster/")
    # the roster is a contract page: a 404 is a failure, never a skip
    assert response is not None and response.status == 200, response and response.status
    assert axe_violations(page) == []


def test_kiosk_rate_link_and_lookup_pages_accessible(phone_page, live_server, sms_file):
    from workflows.feedback_links import feedback_link_token

    world = make_world()
    world.agent_grid.is_published = True
    world.agent_grid.save()
    case = completed_case(world)
    page = phone_page
    pages = [
        f"/sites/{world.station.code}/rate/",
        f"/rate/{feedback_link_token(case=case)}/",
        f"/track/lookup/?case_no={case.case_no}&phone_tail=8000",
    ]
    for path in pages:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert_fits_phone(page)
        assert axe_violations(page) == [], path
    # the kiosk takes one rating and comes back blank for the next resident (一次一评)
    page.goto(f"{live_server.url}/sites/{world.station.code}/rate/")
    page.select_option("#kiosk-agent", str(world.agent_grid.pk))
    from residents.kiosk import kiosk_presence_code

    page.fill("#kiosk-presence", kiosk_presence_code(world.station)[0])  # issue 33: proof of presence
    page.locator("label.star-choice", has_text="4分").click()
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_url(re.compile(r".*/rate/\?done=1$"))
    assert page.locator("text=感谢您的评价").first.is_visible()
    assert page.locator("input[name=rating]:checked").count() == 0
    assert Rating.objects.get(case__isnull=True).agent_id == world.agent_grid.pk
