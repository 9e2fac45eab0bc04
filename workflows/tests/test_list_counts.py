"""Issue 20, counting: staff lists and the case API under LIST_COUNT_CAP (core.counting)."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from workflows.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_staff_list_page_shows_the_capped_count(world, settings):
    settings.LIST_COUNT_CAP = 5
    CaseFactory.create_batch(7, site=world.station, matter=world.matter)
    client = Client()
    client.force_login(world.admin)
    html = client.get("/staff/cases/").content.decode()
    assert "5+ 件" in html and "超过5件不再逐一计数" in html
    settings.LIST_COUNT_CAP = 50
    html = client.get("/staff/cases/").content.decode()
    assert ">7 件<" in html and "不再逐一计数" not in html


def test_api_count_stays_exact_unless_capped_is_asked(world, settings):
    settings.LIST_COUNT_CAP = 3
    CaseFactory.create_batch(5, site=world.station, matter=world.matter)
    api = APIClient()
    api.force_authenticate(world.admin)
    plain = api.get("/api/v1/cases/").json()
    assert set(plain) == {"count", "next", "previous", "results"} and plain["count"] == 5  # the contract
    capped = api.get("/api/v1/cases/?count=capped&page_size=2").json()
    assert "count" not in capped and capped["count_at_least"] == 3 and capped["count_capped"] is True
    assert len(capped["results"]) == 2 and "count=capped" in capped["next"]
    last = api.get("/api/v1/cases/?count=capped&page_size=2&page=3").json()
    assert len(last["results"]) == 1 and last["next"] is None
    assert api.get("/api/v1/cases/?count=capped&page_size=2&page=4").status_code == 404
    small = api.get("/api/v1/cases/?count=capped&status=assigned").json()
    assert small["count_at_least"] == 0 and small["count_capped"] is False
