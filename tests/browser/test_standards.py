"""At 360 px: station staff fill the assessment with a photo, the town approves, badge and campaign follow."""

import pytest

from standards.demo import answers_for_tier
from standards.models import Assessment, Evidence, SiteStanding
from standards.tests.factories import build_world, jpeg_with_gps
from standards.tiers import table_load
from tests.browser.conftest import assert_fits_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_assessment_with_photo_approved_by_town(page_360, live_server, login, screenshot):
    w = build_world()
    site = w.station_a
    page = page_360
    login(page, w.staff_a.username, next_url=f"/standards/{site.code}/")
    assert page.url == f"{live_server.url}/standards/{site.code}/"
    assert page.locator("#assessment-form").is_visible()
    assert_fits_phone(page)

    raw = answers_for_tier(table_load("station"), "standard")
    for name, values in raw.items():
        if name.endswith("-items") or name == "staffing-leaders":
            for value in values:
                box = page.locator(f'input[name="{name}"][value="{value}"]')
                if box.is_enabled():  # 系统核验 items are ticked and locked already
                    box.check()
                assert box.is_checked(), (name, value)
        elif name == "staffing-attendance":
            page.select_option(f'select[name="{name}"]', values[0])
        elif name == "staffing-cadre_in_charge":
            page.check(f'input[name="{name}"]')
        else:
            page.fill(f'input[name="{name}"]', values[0])
    page.set_input_files(
        'input[name="area-photo"]',
        files=[{"name": "site.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}],
    )
    screenshot(page, "standards_form")
    page.click("#btn-submit")
    page.wait_for_load_state()
    assert "自评已提交" in page.inner_text("main") or "自评已提交" in page.inner_text("body")
    assert page.locator("#submission").is_visible()
    assert page.locator("#submission img.evidence-photo").count() == 1
    assessment = Assessment.objects.get(site=site)
    assert assessment.status == "submitted" and assessment.computed_tier == "standard"
    assert Evidence.objects.filter(assessment=assessment, row_key="area").exists()
    assert_fits_phone(page)

    page.context.clear_cookies()
    login(page, w.town_a.username, next_url=f"/standards/{site.code}/")
    assert page.locator("#btn-approve").is_visible()
    # the photo loads for the reviewing town (served through the scoped evidence view)
    width = page.evaluate("document.querySelector('#submission img.evidence-photo').naturalWidth")
    assert width == 64
    page.click("#btn-approve")
    page.wait_for_load_state()
    assert SiteStanding.objects.get(site=site).tier == "standard"
    # one badge: the approved tier as far as the record bears it out (issue 26, standards.standing)
    from standards.facts import site_facts
    from standards.standing import standing_view

    view = standing_view(SiteStanding.objects.get(site=site), site_facts(site))
    assert page.locator("#standing .badge.tier").count() == 1
    assert page.locator(f'#standing [data-tier="{view.tier}"]').count() == 1
    assert ("审核时为标准型" in page.locator("#standing").inner_text()) == view.lowered
    assert_fits_phone(page)
    screenshot(page, "standards_approved")

    page.goto(f"{live_server.url}/standards/")
    row = page.locator(f"#row-{site.code}")
    assert "标准型" in row.inner_text()
    assert row.locator('[data-tier="standard"]').count() == 1
    assert page.locator(".never-assessed").count() == 1  # the town's center, never assessed
    assert_fits_phone(page)
    screenshot(page, "standards_campaign")

    page.context.clear_cookies()
    # public pages show the tier the standards page shows: approved, lowered where the record contradicts it
    from standards.selectors import shown_tiers
    from standards.tiers import TIER_LABELS

    shown = shown_tiers([type(site).objects.select_related("standing").get(pk=site.pk)]).get(site.pk, "")
    page.goto(f"{live_server.url}/sites/{site.code}/roster/")
    if shown in TIER_LABELS:
        assert page.locator(".badge-tier").inner_text() == f"达标：{TIER_LABELS[shown]}"
    else:
        assert page.locator(".badge-tier").count() == 0
