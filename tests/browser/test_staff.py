"""Station staff on a phone: the queue of unassigned cases, then assign the suggested agent."""

import pytest

from tests.browser.conftest import assert_fits_phone
from workflows import intake_services
from workflows.models import Case
from workflows.tests.factories import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_assigns_from_queue(page_360, live_server, login, screenshot):
    world = make_world()
    plain = intake_services.case_create(
        actor=world.grid_worker,
        site=world.station,
        matter=world.matter,
        resident_name="张三",
        resident_phone="13800138001",
        address="测试村1组",
    )
    special = intake_services.case_create(
        actor=world.grid_worker,
        site=world.station,
        matter=world.matter,
        resident_name="赵大爷",
        resident_phone="13800138002",
        address="测试村2组",
        special_groups=["elderly", "living_alone"],
    )
    page = page_360
    login(page, "w_staff", next_url="/staff/")
    assert page.url == f"{live_server.url}/staff/"
    items = page.locator(".case-item")
    assert items.count() == 2
    assert special.case_no in items.nth(0).inner_text()  # special groups first
    assert plain.case_no in items.nth(1).inner_text()
    assert_fits_phone(page)
    screenshot(page, "staff_queue")

    items.nth(0).click()
    page.wait_for_url(f"{live_server.url}/staff/cases/{special.case_no}/")
    assert page.locator("#action-assign").get_attribute("open") is not None
    # the grid worker (same grid, matching scope) is suggested first and pre-selected
    first = page.locator("input[name=assign-suggested]").first
    assert first.get_attribute("value") == str(world.agent_grid.pk)
    assert first.is_checked()
    assert_fits_phone(page)
    screenshot(page, "staff_case")
    page.click("#action-assign button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#case-status").inner_text() == "已分派"
    special.refresh_from_db()
    assert special.status == Case.Status.ASSIGNED
    assert special.assigned_agent == world.agent_grid

    page.goto(f"{live_server.url}/staff/")
    assert page.locator(".case-item").count() == 1
    page.goto(f"{live_server.url}/staff/cases/?overdue=on")
    assert_fits_phone(page)
    screenshot(page, "staff_cases_filtered")
