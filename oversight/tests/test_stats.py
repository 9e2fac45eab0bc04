"""Stats figures against a hand-computed fixture (incl. appealed and rectified ratings), scope, query count.

Fixture (T = today, local; period = T-30 … T; times at local noon):

station S (town 1), matter M          station B (town 1), matter C      station S2 (town 2), matter M
 a  recv T-10 assigned  due +2d        g  recv T-3 new, due +2d           i  recv T-1 new, due now-1h (OD)
 b  recv T-10 submitted due -1d (OD)   h  recv T-3 done T-2 due T+2       j  recv T-60 done T-50 (outside)
 c  recv T-20 done T-15 due T-14 ✓        status rectifying
 d  recv T-20 done T-5  due T-12 ✗
 e  recv T-40 done T-25 due T-30 ✗ (received before the period; completed inside it)
 f  recv T-5 rejected

ratings: r1 c=5, r2 d=4, r3 kiosk@S=3, r4 e=1 EXCLUDED (appeal accepted), r8 @S=1 at T-40 (outside),
         r5 h=2 (first), r6 h=5 (follow-up after rectification), r7 j=1 at T-1 (@S2).

District: received a b c d f g h i = 8; open a b g i = 4; overdue b i = 2; closed c d e h = 4,
on time c h → 0.5; ratings r1 r2 r3 r5 r6 r7 = 6, good r1 r2 r6 → 0.5; bad r5 r7 = 2.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from agency.tests.factories import MatterFactory
from oversight import stats
from residents.models import Rating
from workflows.models import Case
from workflows.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def noon(days_ago: int) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def fx(world):
    return build_stats_fixture(world)


def build_stats_fixture(world):
    """The fixture in the module doc (shared with the dashboard and export tests)."""
    now = timezone.now()
    m, c = world.matter, world.consult
    S, B, S2 = world.station, world.station_b, world.station2
    mk = CaseFactory
    cases = {
        "a": mk(site=S, matter=m, status="assigned", created_at=noon(10), due_at=now + dt.timedelta(days=2)),
        "b": mk(site=S, matter=m, status="submitted", created_at=noon(10), due_at=now - dt.timedelta(days=1)),
        "c": mk(
            site=S, matter=m, status="closed", created_at=noon(20), completed_at=noon(15), due_at=noon(14)
        ),
        "d": mk(
            site=S, matter=m, status="completed", created_at=noon(20), completed_at=noon(5), due_at=noon(12)
        ),
        "e": mk(
            site=S, matter=m, status="closed", created_at=noon(40), completed_at=noon(25), due_at=noon(30)
        ),
        "f": mk(site=S, matter=m, status="rejected", created_at=noon(5)),
        "g": mk(site=B, matter=c, status="new", created_at=noon(3), due_at=now + dt.timedelta(days=2)),
        "h": mk(
            site=B, matter=c, status="rectifying", created_at=noon(3), completed_at=noon(2), due_at=noon(-2)
        ),
        "i": mk(site=S2, matter=m, status="new", created_at=noon(1), due_at=now - dt.timedelta(hours=1)),
        "j": mk(
            site=S2, matter=m, status="closed", created_at=noon(60), completed_at=noon(50), due_at=noon(55)
        ),
    }

    def rate(site, value, days_ago, case=None, **kw):
        return Rating.objects.create(site=site, case=case, value=value, created_at=noon(days_ago), **kw)

    rate(S, 5, 14, cases["c"])
    rate(S, 4, 4, cases["d"])
    rate(S, 3, 2, channel="kiosk")
    rate(S, 1, 20, cases["e"], excluded=True, excluded_at=now)
    rate(S, 1, 40)
    rate(B, 2, 2, cases["h"])
    rate(B, 5, 1, cases["h"], is_followup=True)
    rate(S2, 1, 1, cases["j"])
    return cases


def period():
    return stats.Period(timezone.localdate() - dt.timedelta(days=30), timezone.localdate())


def compute(user, site_code=None):
    return stats.stats_compute(scope=stats.stats_scope(user=user, site_code=site_code), period=period())


def test_district_figures(world, fx):
    s = compute(world.admin)
    assert (s["open"], s["overdue"], s["closed"]) == (4, 2, 4)
    assert s["on_time_rate"] == 0.5
    assert s["satisfaction_rate"] == 0.5
    assert s["bad_ratings"] == 2
    assert s["by_status"] == {
        "new": 2, "assigned": 1, "visited": 0, "awaiting_materials": 0, "submitted": 1, "completed": 1,
        "rectifying": 1, "closed": 1, "rejected": 1, "withdrawn": 0, "waiting": 0, "handed_off": 0,
    }  # fmt: skip
    assert s["by_matter"] == [
        {"matter": world.matter.code, "name": world.matter.name, "n": 6},
        {"matter": world.consult.code, "name": world.consult.name, "n": 2},
    ]
    by_site = {r["site"]: r for r in s["by_site"]}
    assert by_site[world.station.code] == {
        "site": world.station.code, "name": world.station.name, "open": 2, "overdue": 1, "closed": 3,
        "on_time_rate": 0.3333, "satisfaction_rate": 0.6667, "bad_ratings": 0,
    }  # fmt: skip
    assert {k: by_site[world.station_b.code][k] for k in ("open", "overdue", "closed")} == {
        "open": 1, "overdue": 0, "closed": 1,
    }  # fmt: skip
    assert by_site[world.station_b.code]["on_time_rate"] == 1.0
    assert by_site[world.station_b.code]["satisfaction_rate"] == 0.5
    assert by_site[world.station2.code]["on_time_rate"] is None
    assert by_site[world.station2.code]["satisfaction_rate"] == 0.0


def test_town_and_station_scope(world, fx):
    town = compute(world.town)
    assert (town["open"], town["overdue"], town["closed"]) == (3, 1, 4)
    assert town["on_time_rate"] == 0.5
    assert town["satisfaction_rate"] == 0.6  # r1 r2 r3 r5 r6 → 3 of 5
    assert town["bad_ratings"] == 1
    assert {r["site"] for r in town["by_site"]} == {world.station.code, world.station_b.code}
    station = compute(world.staff)
    assert (station["open"], station["overdue"], station["closed"]) == (2, 1, 3)
    assert station["on_time_rate"] == 0.3333
    assert station["satisfaction_rate"] == 0.6667
    assert station["bad_ratings"] == 0
    only_b = compute(world.town, world.station_b.code)
    assert (only_b["open"], only_b["closed"], only_b["bad_ratings"]) == (1, 1, 1)
    center = compute(world.admin, world.center.code)
    assert center["open"] == 3


def test_scope_refusals(world, fx):
    from core.exceptions import ApplicationError

    for user in (world.grid_worker, world.volunteer, world.cadre):
        with pytest.raises(ApplicationError) as err:
            stats.stats_scope(user=user)
        assert err.value.status == 403
    with pytest.raises(ApplicationError) as err:
        stats.stats_scope(user=world.staff, site_code=world.station2.code)
    assert err.value.status == 404
    with pytest.raises(ApplicationError) as err:
        stats.stats_scope(user=world.town, site_code="NOPE")
    assert err.value.status == 404


def test_api_contract_shape_and_errors(world, fx):
    client = APIClient()
    client.force_authenticate(world.admin)
    start = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    resp = client.get("/api/v1/stats/", {"from": start, "to": timezone.localdate().isoformat()})
    assert resp.status_code == 200
    body = resp.json()
    for key in ("open", "overdue", "closed", "on_time_rate", "satisfaction_rate", "bad_ratings", "by_status",
                "by_matter", "by_site"):  # fmt: skip
        assert key in body
    assert body["open"] == 4 and body["satisfaction_rate"] == 0.5
    for row in body["by_site"]:
        assert {"site", "open", "overdue", "on_time_rate", "satisfaction_rate"} <= set(row)
    for row in body["by_matter"]:
        assert {"matter", "n"} <= set(row)
    # scope= is a synonym of site=
    syn = client.get("/api/v1/stats/", {"scope": world.station_b.code, "from": start})
    assert syn.json()["open"] == 1
    assert client.get("/api/v1/stats/", {"from": "2026-13-01"}).status_code == 400
    bad = client.get("/api/v1/stats/", {"from": "2026-11-10", "to": "2026-11-01"})
    assert bad.status_code == 400 and set(bad.json()) == {"message", "extra"}
    client.force_authenticate(world.grid_worker)
    assert client.get("/api/v1/stats/").status_code == 403
    client.force_authenticate(world.staff)
    assert client.get("/api/v1/stats/", {"site": world.station2.code}).status_code == 404
    client.force_authenticate(None)
    assert client.get("/api/v1/stats/").status_code in (401, 403)


def test_open_ended_period_counts_everything(world, fx):
    s = stats.stats_compute(scope=stats.stats_scope(user=world.admin), period=stats.Period(None, None))
    assert s["closed"] == 5  # c d e h j
    assert sum(s["by_status"].values()) == 10
    assert s["bad_ratings"] == 3  # r5 r7 r8 (r4 excluded)


def _queries(user):
    user = type(user).objects.get(pk=user.pk)  # fresh: no per-request caches from a previous call
    with CaptureQueriesContext(connection) as ctx:
        stats.stats_compute(scope=stats.stats_scope(user=user), period=period())
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["admin", "town", "staff"])
def test_query_count_constant_in_number_of_cases(world, who):
    user = getattr(world, who)
    matters = [MatterFactory() for _ in range(3)]

    def add(n):
        for k in range(n):
            case = CaseFactory(site=world.station, matter=matters[k % 3], created_at=noon(k % 20),
                               completed_at=noon(k % 10) if k % 2 else None, due_at=noon(k % 7))  # fmt: skip
            if k % 3 == 0:
                Rating.objects.create(site=world.station, case=case, value=1 + k % 5, created_at=noon(1))

    add(5)
    few = _queries(user)
    add(45)
    assert Case.objects.count() == 50
    many = _queries(user)
    assert few == many
    assert many <= 8
