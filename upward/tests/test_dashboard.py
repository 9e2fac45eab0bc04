"""The oversight dashboard's 好差评上报 card: reported, pending, refused with the endpoint's reason, in scope."""

import pytest
from django.test import Client

from residents import services as resident_services
from residents.tests.track_helpers import completed_case
from upward import delivery
from upward.models import UpwardRecord

pytestmark = pytest.mark.django_db


def test_dashboard_card_counts_and_reasons(world, endpoint):
    endpoint.refuse_sites.add(world.station.code)
    ratings = [
        resident_services.rating_create(case=completed_case(world, phone=p), value=5)
        for p in ("+8613800138001", "+8613800138002")
    ]
    rows = list(UpwardRecord.objects.order_by("id"))
    assert delivery.upward_record_deliver(record_pk=rows[0].pk) == "refused"
    endpoint.refuse_sites.clear()
    assert delivery.upward_record_deliver(record_pk=rows[1].pk) == "accepted"
    resident_services.rating_create_kiosk(site=world.station, agent=world.agent_grid, value=4)  # pending
    client = Client()
    client.force_login(world.town)
    page = client.get("/dashboard/").content.decode()
    assert "好差评上报" in page
    assert "已上报 <strong>1</strong> · 待上报 <strong>1</strong> · 被拒收 <strong>1</strong>" in page
    assert f"BB-E-{ratings[0].pk}" in page and "未在省平台备案" in page
    # another town's staff see none of these sites' records
    client.force_login(world.staff2)
    other = client.get("/dashboard/").content.decode()
    assert "已上报 <strong>0</strong> · 待上报 <strong>0</strong> · 被拒收 <strong>0</strong>" in other
