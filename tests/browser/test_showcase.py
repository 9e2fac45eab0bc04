"""典型案例 on a 360 px phone: staff propose (a phone number in the story is refused), record verbal
consent, the town publishes; the public page fits the phone and has no serious axe violations."""

import pytest

from residents.services import rating_create
from showcase.models import TypicalCase
from tests.browser.conftest import assert_fits_phone
from tests.browser.test_track import axe_violations, phone_page  # noqa: F401  (fixture)
from workflows.tests.factories import make_world
from workflows.tests.helpers import drive_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_propose_consent_publish_and_public_page(phone_page, live_server, login):  # noqa: F811
    world = make_world()
    case = drive_to(world, "completed")
    rating_create(case=case, value=5)
    page = phone_page
    login(page, world.staff.username)
    page.goto(f"{live_server.url}/showcase/staff/propose/{case.case_no}/")
    page.fill("#f-title", "网格员上门，老人当天拿到证明")
    page.fill("#f-story", "老人行动不便，网格员当天上门。电话13800138000")
    page.fill("#f-worked", "包片到户、上门送达。")
    page.click("main form.sc-form button[type=submit]")
    assert "案例经过中含有电话号码" in page.locator("[role=alert]").inner_text()
    page.fill("#f-story", "老人行动不便，网格员当天上门，次日送达证明。")
    page.click("main form.sc-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/showcase/staff/*/")
    assert_fits_phone(page)
    page.fill("#f-given", "本人")
    page.get_by_role("button", name="记录口头同意").click()
    page.wait_for_load_state()
    assert "已同意" in page.locator("#tc-consent").inner_text()
    typical = TypicalCase.objects.get(case=case)

    login(page, world.town.username)
    page.goto(f"{live_server.url}/showcase/staff/{typical.pk}/")
    page.get_by_role("button", name="发布", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("#tc-status").inner_text() == "已发布"

    for path in ("/showcase/", f"/showcase/towns/{world.center.code}/", f"/showcase/{typical.pk}/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert "网格员上门，老人当天拿到证明" in page.content()
        assert_fits_phone(page)
        assert axe_violations(page) == [], path
