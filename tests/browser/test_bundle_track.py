"""A resident on a 360 px phone sees their 出生一件事 on /track/ as one card: the members' progress and the
bundle's merged materials list (issue 15). Also the public 一件事目录 page at 360 px."""

import pytest

from bundles.tests.factories import PHONE, child, finish, intake, make_bundle_world
from residents.tests.track_helpers import private_cache  # noqa: F401
from tests.browser.conftest import assert_fits_phone
from tests.browser.test_track import axe_violations, latest_code, phone_page, sms_file  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_cache"),
]


def test_bundle_card_shows_progress_and_merged_materials(phone_page, live_server, sms_file):  # noqa: F811
    bw = make_bundle_world()
    parent = intake(bw)
    finish(bw, child(parent, bw.hukou))
    page = phone_page

    page.goto(f"{live_server.url}/track/")
    page.fill("#phone", "139 0013 9000")
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_url(f"{live_server.url}/track/code/")
    page.fill("#code", latest_code(sms_file, PHONE))
    page.get_by_role("button", name="查看我的办件").click()
    page.wait_for_url(f"{live_server.url}/track/")

    cards = page.locator("section.case")
    assert cards.count() == 1  # one item for the bundle, not five
    card = page.locator(f"#case-{parent.case_no}")
    assert "出生一件事" in card.locator("h2").inner_text()
    box = card.locator(f"#bundle-{parent.case_no}")
    assert "4 项中已办结 1 项" in box.locator("h3").first.inner_text()
    members = box.locator(".bundle-members li").all_inner_texts()
    assert len(members) == 4
    assert any(bw.hukou.name in m and "已办结" in m for m in members), members
    assert any(bw.jiaofei.name in m and "待启动" in m for m in members), members
    materials = box.locator(".bundle-materials li").all_inner_texts()
    assert (
        materials.count("户口簿") == 1 and "出生医学证明" in materials and "近期免冠白底一寸照片" in materials
    )
    assert box.is_visible()
    assert_fits_phone(page)
    assert axe_violations(page) == []
    assert page.js_errors == []


def test_public_catalog_fits_a_phone(phone_page, live_server):  # noqa: F811
    bw = make_bundle_world()
    page = phone_page
    page.goto(f"{live_server.url}/bundles/?site={bw.w.station.code}")
    card = page.locator("#bundle-birth")
    assert "出生一件事" in card.inner_text()
    assert card.locator(".bundle-materials li").all_inner_texts().count("户口簿") == 1
    assert_fits_phone(page)
    assert axe_violations(page) == []
    page.get_by_role("link", name="查看办事指南与可办站点").click()
    page.wait_for_load_state()
    assert bw.w.station.name in page.content()
    assert_fits_phone(page)
