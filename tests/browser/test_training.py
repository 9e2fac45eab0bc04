"""The capability-plan page and an event page on a 360 px phone: fit the screen, no serious axe violations."""

from decimal import Decimal

import pytest

from agency.models import Agent
from tests.browser.conftest import assert_fits_phone
from tests.browser.test_track import axe_violations, phone_page  # noqa: F401  (fixture)
from training.models import CapabilityPlan
from training.tests.factories import AttendanceFactory, TrainingEventFactory
from workflows.tests.factories import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_plan_and_event_pages_on_a_phone(phone_page, live_server, login):  # noqa: F811
    world = make_world()
    CapabilityPlan.objects.create(
        kind=Agent.Kind.GRID_WORKER, required_hours=Decimal(8), required_categories=["certificate"]
    )
    event = TrainingEventFactory(site=world.center)
    AttendanceFactory(event=event, agent=world.agent_grid)
    page = phone_page
    login(page, world.town.username)
    for path in (f"/training/plan/{world.center.code}/", f"/training/{event.pk}/", "/training/new/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert_fits_phone(page)
        assert axe_violations(page) == [], path
    page.goto(f"{live_server.url}/training/plan/{world.center.code}/")
    assert "未达标" in page.content()
