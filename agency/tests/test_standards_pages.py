"""The standards report and profile pages: scope, edit rights, history."""

import pytest
from django.urls import reverse

from agency.models import Agent
from agency.standards_models import SiteProfile, SiteProfileChange
from agency.tests.factories import AgentFactory, CenterFactory, StationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def towns():
    c1, c2 = CenterFactory(), CenterFactory()
    s1, s2 = StationFactory(parent=c1), StationFactory(parent=c2)
    town = AgentFactory(kind=Agent.Kind.TOWN_STAFF, sites=[c1])
    station = AgentFactory(kind=Agent.Kind.STATION_STAFF, sites=[s1])
    grid = AgentFactory(kind=Agent.Kind.GRID_WORKER, sites=[s1])
    return {"c1": c1, "c2": c2, "s1": s1, "s2": s2, "town": town, "station": station, "grid": grid}


def test_report_lists_only_sites_in_scope(client, towns):
    client.force_login(towns["town"].user)
    resp = client.get(reverse("standards-report"))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert towns["s1"].name in html and towns["c1"].name in html
    assert towns["s2"].name not in html
    assert "场所面积：现有 0㎡，需达到 30㎡" in html


def test_report_refuses_grid_workers_and_anonymous(client, towns):
    assert client.get(reverse("standards-report")).status_code == 302  # to login
    client.force_login(towns["grid"].user)
    assert client.get(reverse("standards-report")).status_code == 404


def test_town_staff_edit_profile_and_history_shows(client, towns):
    client.force_login(towns["town"].user)
    url = reverse("standards-site", args=[towns["s1"].code])
    resp = client.post(
        url,
        {
            "area_m2": "35",
            "has_unified_signage": "on",
            "windows": "0",
            "seats": "1",
            "staffing": "1",
            "zones": ["办事服务区", "休息等候区"],
            "rules": ["首问负责制", "一次性告知制"],
            "network": ["互联网"],
            "equipment": ["电脑"],
            "equipment_extra": "打印机、复印机",
            "facilities": ["休息座椅", "饮水设备"],
            "note": "年度核查",
        },
    )
    assert resp.status_code == 302
    profile = SiteProfile.objects.get(site=towns["s1"])
    assert profile.equipment == ["电脑", "打印机", "复印机"]
    assert SiteProfileChange.objects.get(profile=profile).note == "年度核查"
    page = client.get(url).content.decode()
    assert "场所面积（㎡）：0 → 35" in page
    # still short of basic: the station offers no matters
    assert "事项数量：现有 0项，需达到 10项" in page


def test_station_staff_read_only_and_other_town_404(client, towns):
    client.force_login(towns["station"].user)
    url = reverse("standards-site", args=[towns["s1"].code])
    assert client.get(url).status_code == 200
    assert client.post(url, {"area_m2": "99", "windows": 0, "seats": 0, "staffing": 0}).status_code == 404
    assert not SiteProfile.objects.filter(site=towns["s1"]).exists()
    client.force_login(towns["town"].user)
    assert client.get(reverse("standards-site", args=[towns["s2"].code])).status_code == 404
