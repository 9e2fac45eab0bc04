"""Dashboards: hand-computed figures, role levels, SVG charts, masking, period filter, query count."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agency.models import Agent
from agency.tests.factories import AgentFactory
from oversight import stats
from oversight.dashboard_views import rate_chart, trend_chart
from oversight.tests.test_stats import build_stats_fixture, noon
from residents.models import Rectification
from workflows.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _avg_working_days(fx, keys: str) -> float:
    from core.workdays import working_days_between

    spans = [working_days_between(fx[k].created_at, fx[k].completed_at) for k in keys]
    return round(sum(spans) / len(spans), 1)


@pytest.fixture
def fx(world):
    return build_stats_fixture(world)


def _params(**extra):
    return {
        "period": "custom",
        "from": (timezone.localdate() - dt.timedelta(days=30)).isoformat(),
        "to": timezone.localdate().isoformat(),
        **extra,
    }


def test_district_dashboard_figures_and_charts(client, world, fx):
    agent = AgentFactory(kind=Agent.Kind.GRID_WORKER, name="赵帮办", sites=[world.station])
    fx["a"].assigned_agent = agent
    fx["a"].save()
    fx["b"].assigned_agent = agent
    fx["b"].resident_name = "欧阳娜娜"
    fx["b"].special_groups = ["elderly"]
    fx["b"].priority = 11
    fx["b"].save()
    client.force_login(world.admin)
    resp = client.get("/dashboard/", _params())
    assert resp.status_code == 200
    ctx = resp.context
    assert ctx["level"] == "district"
    f = ctx["figures"]
    assert (
        f["open"],
        f["overdue"],
        f["closed"],
        f["on_time_rate"],
        f["satisfaction_rate"],
        f["bad_ratings"],
    ) == (
        4,
        2,
        4,
        0.5,
        0.5,
        2,
    )
    # completed in the period: c (20 → 15 days ago), d (20 → 5), e (40 → 25), h (3 → 2), in working days
    assert ctx["avg_days"] == _avg_working_days(fx, "cdeh")
    html = resp.content.decode()
    assert html.count("<svg") >= 3
    assert "各站点按期办结率" in html and "各站点满意率" in html and "新受理与办结趋势" in html
    # per-agent workload: a (open) and b (open, overdue)
    assert ctx["agents"] == [
        {"agent": "赵帮办", "username": agent.user.username if agent.user else None, "kind": "网格员",
         "open": 2, "overdue": 1, "closed": 0, "on_time_rate": None}
    ]  # fmt: skip
    # overdue and special-group lists show masked names only
    assert "欧**" in html and "欧阳娜娜" not in html
    assert ctx["special_total"] == 1
    # bad ratings with rectification status: r5 (h) pending, r7 (j) pending
    assert html.count("待整改") == 2
    # 50% on-time, shown as a percentage
    assert "50%" in html


def test_rectification_status_shown(client, world, fx):
    rating = fx["h"].ratings.get(is_followup=False)
    Rectification.objects.create(rating=rating, at=noon(1), by=world.staff, report="已重新办理")
    client.force_login(world.town)
    html = client.get("/dashboard/", _params()).content.decode()
    assert "已整改" in html
    assert html.count("待整改") == 0  # r7 is in town 2, not visible to town 1


def test_levels_by_role_and_site(client, world, fx):
    client.force_login(world.town)
    resp = client.get("/dashboard/", _params())
    assert resp.context["level"] == "town"
    assert resp.context["figures"]["open"] == 3
    resp = client.get("/dashboard/", _params(site=world.station_b.code))
    assert resp.context["level"] == "station" and resp.context["figures"]["open"] == 1
    client.force_login(world.staff)
    resp = client.get("/dashboard/", _params())
    assert resp.context["level"] == "station" and resp.context["figures"]["open"] == 2
    assert client.get("/dashboard/", _params(site=world.station2.code)).status_code == 404
    client.force_login(world.grid_worker)
    assert client.get("/dashboard/").status_code == 403
    client.logout()
    assert client.get("/dashboard/").status_code == 302


def test_period_presets(client, world, fx):
    today = timezone.localdate()
    assert stats.period_preset("week", today=dt.date(2026, 11, 27)) == stats.Period(
        dt.date(2026, 11, 23), dt.date(2026, 11, 27)
    )
    assert stats.period_preset("month", today=dt.date(2026, 11, 27)).start == dt.date(2026, 11, 1)
    assert stats.period_preset("quarter", today=dt.date(2026, 11, 27)).start == dt.date(2026, 10, 1)
    client.force_login(world.admin)
    resp = client.get("/dashboard/", {"period": "week"})
    assert resp.context["period"].start == today - dt.timedelta(days=today.weekday())
    bad = client.get("/dashboard/", {"period": "custom", "from": "2026-11-10", "to": "2026-11-01"})
    assert bad.status_code == 200 and "开始日期不能晚于结束日期" in bad.content.decode()


def test_trend_and_rate_chart_geometry():
    days = [
        {"day": dt.date(2026, 11, 1), "new": 4, "closed": 2},
        {"day": dt.date(2026, 11, 2), "new": 0, "closed": 1},
    ]
    chart = trend_chart(days)
    new, closed = chart.series
    assert [b.value for b in new] == [4, 0] and [b.value for b in closed] == [2, 1]
    assert new[0].height == 150.0 and closed[0].height == 75.0  # 4 is the peak: full height (160-10)
    assert new[0].y + new[0].height == 160
    rates = rate_chart(
        "t", [{"name": "甲站", "on_time_rate": 0.5}, {"name": "乙站", "on_time_rate": None}], "on_time_rate"
    )
    assert len(rates.bars) == 1 and rates.bars[0].width == 110.0 and rates.bars[0].text == "50.0%"
    long_period = [
        {"day": dt.date(2026, 1, 1) + dt.timedelta(days=i), "new": 1, "closed": 0} for i in range(90)
    ]
    assert len(trend_chart(long_period).series[0]) <= 15  # weekly buckets


def _dashboard_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/dashboard/", _params()).status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_query_count_constant(client, world):
    client.force_login(world.town)

    def add(n):
        for k in range(n):
            CaseFactory(
                site=world.station,
                matter=world.matter,
                created_at=noon(k % 20),
                completed_at=noon(k % 10) if k % 2 else None,
                due_at=noon(k % 7),
                priority=10 if k % 4 == 0 else 0,
                status="new" if k % 2 == 0 else "completed",
            )

    add(5)
    few = _dashboard_queries(client)
    add(45)
    assert _dashboard_queries(client) == few


def test_dashboard_figures_trend_avg_special_hand_computed(world, fx):
    fx["b"].priority = 11
    fx["b"].save()
    scope = stats.stats_scope(user=world.admin)
    today = timezone.localdate()
    period = stats.Period(today - dt.timedelta(days=30), today)
    body, trend, avg_days, special_total = stats.dashboard_figures(scope=scope, period=period)
    assert body == stats.stats_compute(scope=scope, period=period)
    by_day = {d["day"]: (d["new"], d["closed"]) for d in trend}
    assert len(trend) == 31
    ago = lambda n: today - dt.timedelta(days=n)  # noqa: E731
    assert by_day[ago(10)] == (2, 0)  # a b
    assert by_day[ago(20)] == (2, 0)  # c d
    assert by_day[ago(3)] == (2, 0)  # g h
    assert by_day[ago(15)] == (0, 1)  # c
    assert by_day[ago(25)] == (0, 1)  # e (received before the period)
    assert by_day[ago(2)] == (0, 1)  # h
    assert sum(n for n, _ in by_day.values()) == 8 and sum(c for _, c in by_day.values()) == 4
    assert avg_days == _avg_working_days(fx, "cdeh")  # working days (工作日), not 36 / 4 natural days
    assert special_total == 1
