"""The front page at ``/``: residents' five ways in and the staff login, at 360 px, axe-clean; logging out
(退出) lands on it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PASSWORD, assert_fits_phone
from tests.browser.test_a11y import axe_path, new_page  # noqa: F401 - fixtures
from workflows.tests.factories import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESIDENT_LINKS = {"查进度": "/track/", "服务地图": "/map/", "一件事": "/bundles/", "预约": "/appointments/"}


def all_violations(page: Any, axe: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(axe))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def test_front_page_for_residents_and_staff(live_server, new_page, axe_path):  # noqa: F811
    world = make_world()
    page = new_page(360)
    response = page.goto(f"{live_server.url}/")
    assert response.status == 200
    assert page.title().startswith("帮办代办")
    assert_fits_phone(page)
    assert all_violations(page, axe_path) == []  # axe-clean: not only serious/critical
    for label, href in RESIDENT_LINKS.items():
        link = page.locator(f"main a[href='{href}']")
        assert link.count() == 1 and label in link.inner_text(), label
        assert page.request.get(f"{live_server.url}{href}").status == 200, href  # open to a resident
    page.click("main a[href='#site-rosters']")  # 站点名单 → the stations, each to its roster
    roster = page.locator(f"a[href='/sites/{world.station.code}/roster/']")
    if not roster.is_visible():  # inside a closed <details>: open its town
        page.locator("#site-rosters summary", has_text=world.station.parent.name).click()
    roster.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/sites/{world.station.code}/roster/")

    page.goto(f"{live_server.url}/")
    page.click("main a:has-text('工作人员登录')")
    page.fill("#id_username", world.grid_worker.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/m/")
    page.click("form[action='/accounts/logout/'] button")  # 退出
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/"
    assert page.locator("h1").inner_text() == "帮办代办 · 便民服务"
    assert page.locator("main a:has-text('工作人员登录')").count() == 1  # signed out
