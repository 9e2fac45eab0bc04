"""A grid worker on a 360 px phone: log in, start a doorstep request in three taps, take the visit step."""

import re

import pytest
from playwright.sync_api import expect

from agency.tests.factories import SiteMatterFactory
from tests.browser.conftest import assert_fits_phone
from workflows import intake_services, services
from workflows.models import Case
from workflows.tests.factories import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_grid_worker_new_request_and_visit(page_360, live_server, login, screenshot):
    world = make_world()
    SiteMatterFactory(site=world.station, matter=world.matter)
    SiteMatterFactory(site=world.station, matter=world.consult)
    page = page_360

    login(page, "w_grid")
    assert page.url == f"{live_server.url}/m/"
    assert_fits_phone(page)
    screenshot(page, "m_home_empty")

    # Three taps from "my tasks" to the form: new → category → matter.
    page.click("#new-request")
    page.click(f"[data-category={world.matter.category}]")
    assert page.locator("text=居民身份证").first.is_visible()  # 一次性告知 before choosing
    assert_fits_phone(page)
    screenshot(page, "m_new_matter")
    page.click(f"[data-matter={world.matter.code}]")
    assert page.url == f"{live_server.url}/m/new/matter/{world.matter.code}/"
    phone = page.locator("#id_resident_phone")
    assert phone.get_attribute("type") == "tel"
    assert phone.get_attribute("inputmode") == "numeric"
    assert_fits_phone(page)

    phone.fill("138 0013 8000")
    page.fill("#id_resident_name", "王秀英")
    page.fill("#id_address", "测试村3组12号")
    page.fill("#id_description", "腿脚不便，需要开具居住证明 <b>急</b>")
    page.check("input[name=special_groups][value=elderly]")
    screenshot(page, "m_new_form")
    page.click("#create-btn")
    page.wait_for_url(re.compile(r".*/m/cases/BB\d{4}-[A-Z0-9]{7}/$"))

    case = Case.objects.get()
    assert case.special_groups == ["elderly"]
    assert page.locator("#case-status").inner_text() == "待分派"
    assert page.locator("text=<b>急</b>").count() == 1  # shown as typed, not as markup
    assert_fits_phone(page)

    # Station staff assign it to this worker; the case page now offers the visit with the materials checklist.
    services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    page.reload()
    assert page.locator("#action-visit").get_attribute("open") is not None
    page.fill("#id_visit-note", "已上门，户口簿未找到")
    page.check(f"input[name=visit-materials_missing][value={world.matter.materials[1]}]")
    assert_fits_phone(page)
    page.click("#action-visit button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#case-status").inner_text() == "待补材料"
    assert page.locator(".timeline").inner_text().count("一次性告知需补充材料：1. 户口簿") == 1
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_MATERIALS
    assert case.materials_missing == [world.matter.materials[1]]
    assert_fits_phone(page)
    screenshot(page, "m_case_after_visit")

    # Every control a finger needs is at least 48 px tall.
    targets = (
        "main button, main .btn, main summary, main select, .case-item, "
        "main input:not([type=hidden]):not([type=checkbox]):not([type=radio])"
    )
    small = page.evaluate(
        """(sel) => [...document.querySelectorAll(sel)]
             .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 48)
             .map(el => el.outerHTML.slice(0, 80))""",
        targets,
    )
    assert small == []

    page.goto(f"{live_server.url}/m/")
    assert page.locator(".case-item").count() == 1
    assert page.locator(".case-item").inner_text().count("138****8000") == 1
    assert_fits_phone(page)
    screenshot(page, "m_home")

    # Large-font mode (a cookie, no JS needed) still fits the phone.
    page.click(".font-toggle button")
    page.wait_for_load_state()
    assert page.evaluate("document.body.classList.contains('large-font')")
    assert_fits_phone(page)
    page.goto(f"{live_server.url}/m/cases/{case.case_no}/")
    assert_fits_phone(page)
    screenshot(page, "m_case_large_font")


def test_prefill_from_history_fills_the_form(page_360, live_server, login):
    world = make_world()
    intake_services.case_create(
        actor=world.grid_worker2,
        site=world.station,
        matter=world.matter,
        resident_name="李建国",
        resident_phone="13900139000",
        address="幸福村5组",
        special_groups=["disabled"],
    )
    page = page_360
    login(page, "w_grid")
    page.goto(f"{live_server.url}/m/new/matter/{world.matter.code}/")
    page.fill("#id_resident_phone", "13900139000")
    page.locator("#id_resident_phone").dispatch_event("change")
    expect(page.locator("#id_resident_name")).to_have_value("李建国")  # filled by mobile.js
    assert page.input_value("#id_address") == "幸福村5组"
    assert page.is_checked("input[name=special_groups][value=disabled]")


def test_mobile_pages_work_without_javascript(browser, live_server):
    world = make_world()
    intake_services.case_create(
        actor=world.grid_worker2,
        site=world.station,
        matter=world.matter,
        resident_name="李建国",
        resident_phone="13900139000",
        address="幸福村5组",
    )
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=False, locale="zh-CN"
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/?next=/m/")
        page.fill("#id_username", "w_grid")
        page.fill("#id_password", "pw-Test-12345")
        page.click("main button[type=submit]")
        page.goto(f"{live_server.url}/m/new/matter/{world.matter.code}/")
        page.fill("#id_resident_phone", "139 0013 9000")
        page.click("#lookup-btn")  # the no-JS lookup step posts and returns the form filled in
        assert page.input_value("#id_resident_name") == "李建国"
        page.click("#create-btn")
        assert "/m/cases/" in page.url
        assert Case.objects.filter(resident_name="李建国").count() == 2
    finally:
        context.close()
