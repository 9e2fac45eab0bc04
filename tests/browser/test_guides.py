"""The public 办事指南 pages at 360 px: axe-core finds nothing serious, nothing scrolls sideways, the search
works without JavaScript, and the poster link answers a PDF."""

from typing import Any

import pytest

from agency.tests.factories import SiteMatterFactory
from tests.browser.test_a11y import axe_path, new_page, scroll_width, serious_violations  # noqa: F401
from workflows.tests.factories import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_guide_pages_pass_axe_and_fit_360(new_page: Any, live_server: Any, axe_path: Any) -> None:  # noqa: F811
    world = make_world()
    SiteMatterFactory(site=world.station, matter=world.matter)
    world.matter.keywords = "低保 救助"
    world.matter.materials = [
        "申请人居民身份证",
        "户口簿",
        "家庭收入及财产状况声明（须本人签字，村委会盖章后交回）",
    ]
    world.matter.save()
    page = new_page(360)
    for path in (
        "/guides/",
        f"/guides/{world.matter.code}/",
        f"/guides/{world.matter.code}/?site={world.station.code}",
        f"/guides/?site={world.station.code}",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert scroll_width(page) <= 360, (path, scroll_width(page))
        assert serious_violations(page, axe_path) == [], path

    context = page.context.browser.new_context(java_script_enabled=False, locale="zh-CN")
    plain = context.new_page()
    plain.goto(f"{live_server.url}/guides/")
    plain.fill("#guide-q", "低保")
    plain.click("main button[type=submit]")
    plain.wait_for_load_state()
    plain.click(f"text={world.matter.name}")
    assert "家庭收入及财产状况声明" in plain.content()
    pdf = plain.request.get(
        f"{live_server.url}/sites/{world.station.code}/guides/{world.matter.code}/poster.pdf"
    )
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    context.close()
    assert page.js_errors == []
