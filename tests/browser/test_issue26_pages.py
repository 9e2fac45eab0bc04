"""Issue 26 in the browser, at 360 px with axe-core: the photo control, a 一件事 as one task on /m/, the
pages changed for it (/m/, /m/new/, /m/offline/, /m/bundles/, the materials page, roster, map, standards)."""

from typing import Any

import pytest

from agency.tests.factories import SiteMatterFactory
from bundles.tests.factories import add_birth_bundle, child
from bundles.tests.factories import intake as bundle_intake
from standards import services as standards_services
from standards.demo import answers_for_tier
from standards.tests.factories import build_world
from standards.tiers import table_load
from tests.browser.test_a11y import _login, axe_path, new_page, scroll_width, serious_violations  # noqa: F401
from uploads.tests.factories import jpeg_bytes
from workflows.tests.factories import make_world
from workflows.tests.helpers import new_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check(page: Any, axe: Any, path: str) -> None:
    assert scroll_width(page) <= 360, (path, scroll_width(page))
    assert serious_violations(page, axe) == [], path


def test_photo_control_bundle_task_and_changed_pages_pass_axe_at_360(new_page, live_server, axe_path):  # noqa: F811
    world = make_world()
    SiteMatterFactory(site=world.station, matter=world.matter)
    bw = add_birth_bundle(world)
    parent = bundle_intake(bw, actor=world.grid_worker)
    case = new_case(world)
    page = new_page(360)
    _login(page, live_server.url, "w_grid")

    # /m/: the 一件事 is one item, its members inside, its status that of its first member (待分派)
    page.goto(f"{live_server.url}/m/")
    item = page.locator(f'a.case-item[href="/m/cases/{parent.case_no}/"]')
    assert item.count() == 1
    assert item.locator(".badge-status").inner_text() == "待分派"
    members = page.locator(".bundle-members li")
    assert members.count() == 4
    assert page.locator(f'a.case-item[href="/m/cases/{child(parent, bw.hukou).case_no}/"]').count() == 0
    _check(page, axe_path, "/m/")
    for path in ("/m/new/", "/m/bundles/", f"/m/materials/{case.case_no}/"):
        page.goto(f"{live_server.url}{path}")
        _check(page, axe_path, path)

    # the materials page: a styled 拍照/选择照片, not the browser's "Choose File"
    page.goto(f"{live_server.url}/m/materials/{case.case_no}/")
    label = page.locator("label[for=id_photo]")
    assert label.inner_text() == "拍照/选择照片" and label.bounding_box()["height"] >= 44
    assert page.locator("#id_photo").bounding_box()["width"] <= 1  # the native control is not shown
    page.set_input_files(
        "#id_photo", files=[{"name": "id.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    assert page.locator("#id_photo_name").inner_text() == "已选择：id.jpg"

    # the offline page: the same control; a thumbnail without a list bullet, a proper 删除 button
    page.goto(f"{live_server.url}/m/offline/")
    page.wait_for_selector("html[data-offline-ready='1']", state="attached")
    assert page.locator("label[for=off-photo]").inner_text() == "拍照/选择照片"
    assert page.locator("#off-photo").bounding_box()["width"] <= 1
    page.set_input_files(
        "#off-photo", files=[{"name": "a.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    thumb = page.locator("#off-photos li")
    assert thumb.count() == 1
    assert thumb.evaluate("li => getComputedStyle(li).listStyleType") == "none"
    assert thumb.evaluate("li => getComputedStyle(li.parentElement).listStyleType") == "none"
    remove = thumb.locator("button[data-remove-photo]")
    box = remove.bounding_box()
    assert remove.inner_text() == "删除" and box["height"] >= 44 and box["width"] >= 96
    _check(page, axe_path, "/m/offline/")
    remove.click()
    assert page.locator("#off-photos li").count() == 0
    assert page.js_errors == []


def test_public_and_standards_pages_changed_pass_axe_at_360(new_page, live_server, axe_path):  # noqa: F811
    w = build_world()
    raw = answers_for_tier(table_load("station"), "benchmark")
    a = standards_services.assessment_submit(actor=w.staff_a, site=w.station_a, raw=raw)
    standards_services.assessment_review(actor=w.town_a, assessment=a, approve=True)
    standards_services.assessment_submit(actor=w.staff_b, site=w.station_b, raw={"area-value": ["10"]})
    page = new_page(360)
    for path in (f"/sites/{w.station_a.code}/roster/", "/map/"):
        page.goto(f"{live_server.url}{path}")
        _check(page, axe_path, path)
    _login(page, live_server.url, w.district.username)
    page.goto(f"{live_server.url}/standards/")
    row = page.locator(f"#row-{w.station_b.code}")
    assert row.locator("[data-state]").inner_text() == "待审核" and "未自评" not in row.inner_text()
    _check(page, axe_path, "/standards/")
    page.goto(f"{live_server.url}/standards/{w.station_a.code}/")
    standing = page.locator("#standing")
    assert standing.locator(".badge.tier").count() == 1
    assert "““" not in page.content()
    _check(page, axe_path, f"/standards/{w.station_a.code}/")
