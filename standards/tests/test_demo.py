"""The demo district's assessments: all three tiers, a site below 基础型, a pending one, one never assessed."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from agency.models import Site
from core.models import User
from standards.models import Assessment, AssessmentEvent, SiteStanding

pytestmark = pytest.mark.django_db


def _demo() -> None:
    with override_settings(DEBUG=True):
        call_command("demo_data", stdout=StringIO())


def test_demo_assessments_exercise_every_tier_and_are_idempotent():
    _demo()
    tiers = list(SiteStanding.objects.values_list("tier", flat=True))
    assert {"basic", "standard", "benchmark"} <= set(tiers)
    assert "" in tiers  # at least one site below 基础型
    centers = SiteStanding.objects.filter(site__kind=Site.Kind.CENTER).values_list("tier", flat=True)
    assert set(centers) == {"basic", "standard", "benchmark"}
    assert Assessment.objects.filter(status=Assessment.Status.SUBMITTED).count() == 1
    rated = Site.objects.filter(kind__in=[Site.Kind.CENTER, Site.Kind.STATION], is_active=True)
    assert rated.exclude(assessments__isnull=False).exists()  # a site never assessed stands out
    counts = (Assessment.objects.count(), AssessmentEvent.objects.count(), SiteStanding.objects.count())
    _demo()
    assert (
        Assessment.objects.count(),
        AssessmentEvent.objects.count(),
        SiteStanding.objects.count(),
    ) == counts


def test_demo_pages_render_for_every_site():
    _demo()
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    html = client.get("/standards/").content.decode()
    assert "未达基础型" in html and "标杆型" in html and "never-assessed" in html
    for site in Site.objects.filter(kind__in=[Site.Kind.CENTER, Site.Kind.STATION]):
        page = client.get(f"/standards/{site.code}/")
        assert page.status_code == 200, site.code
    assert client.get("/standards/export.xlsx").status_code == 200
