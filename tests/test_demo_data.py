"""``manage.py demo_data``: the demo district of CONTRACT §3, idempotent, refusing without DEBUG."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.test import override_settings

from agency.models import Agent, Area, DutyShift, Grid, Matter, Site, SiteMatter
from core.models import AuditLog, User

pytestmark = pytest.mark.django_db

POLICY_CATEGORIES = {
    "证明出具",
    "代缴收费",
    "社会救助",
    "证件代办",
    "农业服务",
    "社会事务",
    "劳动就业",
    "医保",
    "社保",
    "民政",
    "退役军人",
    "市场准入",
    "三资管理",
}


def _run(*args: str) -> str:
    out = StringIO()
    with override_settings(DEBUG=True):
        call_command("demo_data", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Area, Site, Matter, SiteMatter, Grid, Agent, DutyShift, User, AuditLog)
    } | {
        "agent_sites": Agent.sites.through.objects.count(),
        "agent_scopes": Agent.scopes.through.objects.count(),
    }


def test_running_twice_gives_the_same_counts():
    _run()
    first = _counts()
    _run()
    assert _counts() == first
    assert first["Site"] >= 3 + 6


def test_refuses_without_debug_unless_forced():
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("demo_data", stdout=StringIO())
    assert Site.objects.count() == 0
    with override_settings(DEBUG=False):
        call_command("demo_data", "--force", stdout=StringIO())
    assert Site.objects.count() > 0


def test_accounts_roles_and_password():
    out = _run("--password", "another-Pass-1")
    for username in ("admin", "staff", "grid", "volunteer", "staff2", "town"):
        assert username in out
        user = User.objects.get(username=username)
        assert user.check_password("another-Pass-1")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.agent.kind == Agent.Kind.DISTRICT_ADMIN

    staff = Agent.objects.get(user__username="staff")
    grid = Agent.objects.get(user__username="grid")
    volunteer = Agent.objects.get(user__username="volunteer")
    staff2 = Agent.objects.get(user__username="staff2")
    town = Agent.objects.get(user__username="town")
    assert (staff.kind, grid.kind, volunteer.kind, staff2.kind, town.kind) == (
        "station_staff",
        "grid_worker",
        "volunteer",
        "station_staff",
        "town_staff",
    )
    station = staff.sites.get()
    assert station.kind == Site.Kind.STATION
    assert set(grid.sites.all()) == {station} == set(volunteer.sites.all())
    station2 = staff2.sites.get()
    assert station2.kind == Site.Kind.STATION
    assert station2.parent != station.parent  # another town
    assert town.sites.get() == station.parent
    # the default password is bangban-demo
    _run()
    assert User.objects.get(username="staff").check_password("bangban-demo")


def test_district_towns_stations_and_partner_points():
    _run()
    district = Area.objects.get(level=Area.Level.DISTRICT)
    assert district.name == "市中区"
    towns = Area.objects.filter(level=Area.Level.TOWN, parent=district)
    assert towns.count() >= 3
    for town in towns:
        center = Site.objects.get(area=town, kind=Site.Kind.CENTER)
        assert center.name.endswith("便民服务中心")
        assert center.phone.startswith("0531-") and center.hours and "帮办代办制度" in center.policy_text
        stations = Site.objects.filter(kind=Site.Kind.STATION, parent=center)
        assert stations.count() >= 2
        for station in stations:
            assert station.area.parent == town
            assert station.grids.count() >= 1
            assert station.tier in {"basic", "standard", "benchmark"}
            assert abs(float(station.lat) - 36.65) < 0.2 and abs(float(station.lng) - 117.0) < 0.2
    partner_types = set(Site.objects.filter(kind=Site.Kind.PARTNER).values_list("partner_type", flat=True))
    assert partner_types == {"bank", "post", "medical", "retail"}
    terminal = Site.objects.get(kind=Site.Kind.TERMINAL)
    assert terminal.capabilities and terminal.hours


def test_at_least_two_published_agents_per_station_and_phone_publishing_mix():
    _run()
    stations = Site.objects.filter(kind=Site.Kind.STATION).annotate(
        published=Count("agents", filter=Q(agents__is_published=True, agents__is_active=True))
    )
    assert stations.exists()
    assert all(s.published >= 2 for s in stations), [(s.code, s.published) for s in stations]
    published = Agent.objects.filter(is_published=True)
    assert published.filter(publish_mobile_consent=True).exists()
    assert published.filter(publish_mobile_consent=False).exclude(work_phone="").exists()
    kinds = set(Agent.objects.values_list("kind", flat=True))
    assert kinds == {k.value for k in Agent.Kind}
    assert not Agent.objects.filter(
        is_published=True, scopes=None
    ).exists()  # every published agent has a scope


def test_matter_catalog_duty_rota_and_ab_backups():
    _run()
    labels = {Matter.Category(c).label for c in Matter.objects.values_list("category", flat=True)}
    assert labels >= POLICY_CATEGORIES
    assert Matter.objects.count() >= 30
    consultation = Matter.objects.get(category=Matter.Category.CONSULTATION)
    assert consultation.is_consultation
    for matter in Matter.objects.exclude(category=Matter.Category.CONSULTATION):
        assert matter.materials, matter.code
        assert matter.time_limit_days > 0
    assert Matter.objects.filter(doorstep=False).exists() and Matter.objects.filter(doorstep=True).exists()
    for station in Site.objects.filter(kind=Site.Kind.STATION):
        assert DutyShift.objects.filter(site=station).count() >= 5  # working days of the next 14
    staff = Agent.objects.get(user__username="staff")
    assert staff.backup is not None and staff.backup.backup == staff
