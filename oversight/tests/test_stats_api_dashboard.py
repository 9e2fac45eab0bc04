"""``GET /api/v1/stats/`` gives what the dashboard page shows (workload per agent, the per-day trend, the
average handling time), from the same computation; the average is in working days (工作日)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from agency.models import Agent
from agency.tests.factories import AgentFactory
from oversight import stats
from oversight.tests.test_stats import build_stats_fixture
from workflows.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=SH)


def test_api_gives_the_dashboards_agents_trend_and_average(world, settings):
    settings.STATS_CACHE_SECONDS = 0
    fx = build_stats_fixture(world)
    agent = AgentFactory(kind=Agent.Kind.GRID_WORKER, name="赵帮办", sites=[world.station])
    for key in ("a", "b"):
        fx[key].assigned_agent = agent
        fx[key].save()
    start = timezone.localdate() - dt.timedelta(days=30)
    params = {"from": start.isoformat(), "to": timezone.localdate().isoformat()}
    api = APIClient()
    api.force_authenticate(world.admin)
    body = api.get("/api/v1/stats/", params).json()
    page = Client()
    page.force_login(world.admin)
    ctx = page.get("/dashboard/", {"period": "custom", **params}).context

    assert body["by_agent"] == [
        {"agent": "赵帮办", "username": agent.user.username if agent.user else None, "kind": "网格员",
         "open": 2, "overdue": 1, "closed": 0, "on_time_rate": None},
    ]  # fmt: skip
    assert body["by_agent"] == ctx["agents"]  # the same rows as the page's workload table
    assert len(body["by_day"]) == 31 and body["by_day"][0]["day"] == start.isoformat()
    assert sum(d["new"] for d in body["by_day"]) == 8 and sum(d["closed"] for d in body["by_day"]) == 4
    new_bars, closed_bars = ctx["trend"].series  # the page's trend chart: the same numbers per day
    assert [b.value for b in new_bars] == [d["new"] for d in body["by_day"]]
    assert [b.value for b in closed_bars] == [d["closed"] for d in body["by_day"]]
    assert body["avg_working_days"] == ctx["avg_days"]
    for key in ("open", "overdue", "closed", "on_time_rate", "satisfaction_rate", "by_site"):
        assert body[key] == ctx["figures"][key], key  # the contract's figures: one computation


def test_average_handling_time_counts_working_days(world, settings):
    """Fri 27 Nov → Mon 30 Nov is 3 natural days but 1 working day; Mon 30 Nov → Fri 4 Dec is 4 of each;
    Thu 26 Nov → Thu 26 Nov the same day is 0. Average (1 + 4 + 0) / 3 = 1.7 (natural days: 2.3)."""
    settings.STATS_CACHE_SECONDS = 0
    with freeze_time(dt.datetime(2026, 12, 7, 12, tzinfo=SH)):
        for created, completed in ((at(27), at(30)), (at(30), dt.datetime(2026, 12, 4, 16, tzinfo=SH)),
                                   (at(26, 9), at(26, 17))):  # fmt: skip
            CaseFactory(
                site=world.station, matter=world.matter, status="completed", created_at=created,
                completed_at=completed, due_at=completed + dt.timedelta(days=1),
            )  # fmt: skip
        scope = stats.stats_scope(user=world.admin)
        period = stats.Period(dt.date(2026, 11, 20), dt.date(2026, 12, 7))
        _body, _trend, avg_days, _special = stats.dashboard_figures(scope=scope, period=period)
        api = APIClient()
        api.force_authenticate(world.admin)
        body = api.get("/api/v1/stats/", {"from": "2026-11-20", "to": "2026-12-07"}).json()
        page = Client()
        page.force_login(world.admin)
        html = page.get("/dashboard/", {"period": "custom", "from": "2026-11-20", "to": "2026-12-07"}).content
    assert avg_days == 1.7
    assert body["avg_working_days"] == 1.7
    assert "平均办理时长（工作日）" in html.decode() and "自然日" not in html.decode()
