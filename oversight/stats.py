"""Oversight statistics (the figures of ``GET /api/v1/stats/``, the dashboards and the monthly sheet).

Every figure is an aggregate query: the number of queries is the same for 5 cases or 5,000,000, and the
database does the counting. Definitions (period = ``[from 00:00, to + 1 day 00:00)`` local time; either end
may be open):

- ``open``: cases received in the period that still await their result (status new … submitted).
- ``overdue``: those of them past their due date now.
- ``closed``: cases completed (办结, ``completed_at`` set) in the period, whatever happened after.
- ``on_time_rate``: share of ``closed`` completed by their due date (no due date counts as on time).
- ``satisfaction_rate``: share of 4–5 among ratings given in the period, excluding ratings removed by an
  accepted appeal (``excluded``). A rectified case's first rating and its follow-up both count.
- ``bad_ratings``: non-excluded ratings of 1–2 given in the period.
- ``by_status`` (received in the period), ``by_matter`` (received in the period), ``by_site``.

Scope: district admins see every site; town staff their centers and those centers' sites; station staff
their own station(s). Anyone else gets 403. ``site=`` narrows to one site (a center: itself and its sites);
a site outside the caller's scope answers 404.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from agency.models import Agent, Matter, Site
from agency.roles import STAFF_ROLES
from core import stats_generation, workdays
from core.exceptions import ApplicationError
from residents.models import Rating, bad_rating_q
from workflows import figures, selectors
from workflows.models import Case

logger = logging.getLogger(__name__)

OPEN = sorted(Case.Status.OPEN)  # type: ignore[attr-defined]
MAX_DAYS = 3660


@dataclass(frozen=True)
class Period:
    """Local dates, inclusive; None = open end."""

    start: dt.date | None
    end: dt.date | None

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        return figures.date_bounds(self.start, self.end)

    def q(self, field: str) -> Q:
        return figures.period_q(field, *self.bounds())


# Dates people may ask figures for; beyond these the datetime arithmetic overflows (a 500), and no case exists.
SANE_YEARS = (1970, 2100)
SANE_DATE_MESSAGE = f"日期须在 {SANE_YEARS[0]} 年至 {SANE_YEARS[1]} 年之间。"


def date_is_sane(day: dt.date) -> bool:
    return SANE_YEARS[0] <= day.year <= SANE_YEARS[1]


def period_parse(date_from: str | None, date_to: str | None) -> Period:
    """``from``/``to`` as ``YYYY-MM-DD``; 400 ``ApplicationError`` on bad input."""

    def one(value: str | None, name: str) -> dt.date | None:
        if not value:
            return None
        try:
            day = dt.date.fromisoformat(value.strip()) if value.isascii() else None
        except ValueError:
            day = None
        if day is None:
            raise ApplicationError("日期格式应为 YYYY-MM-DD。", {name: value[:32]}, status=400)
        if not date_is_sane(day):  # year 1 or 9999 overflow once shifted to UTC or widened by a day
            raise ApplicationError(SANE_DATE_MESSAGE, {name: value[:32]}, status=400)
        return day

    start, end = one(date_from, "from"), one(date_to, "to")
    if start and end and start > end:
        raise ApplicationError("开始日期不能晚于结束日期。", {"from": str(start), "to": str(end)}, status=400)
    return Period(start, end)


def period_preset(name: str, *, today: dt.date | None = None) -> Period:
    """``week`` (this Monday–today), ``month``, ``quarter``, ``year``; anything else: the month."""
    today = today or timezone.localdate()
    if name == "week":
        return Period(today - dt.timedelta(days=today.weekday()), today)
    if name == "quarter":
        return Period(dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today)
    if name == "year":
        return Period(dt.date(today.year, 1, 1), today)
    return Period(today.replace(day=1), today)


@dataclass(frozen=True)
class Scope:
    """Which sites the figures cover: ``site_ids`` None means every site."""

    role: str
    site_ids: frozenset[int] | None
    site: Site | None = None

    def q(self, field: str = "site_id") -> Q:
        return Q() if self.site_ids is None else Q(**{f"{field}__in": self.site_ids})


def stats_scope(*, user: Any, site_code: str | None = None) -> Scope:
    """The caller's scope, optionally narrowed to one site (a center brings its sites along): the same
    rule as the case table's click-through (``workflows.figures.figure_site_ids``)."""
    role = selectors.actor_role(user)
    if role not in STAFF_ROLES:
        raise ApplicationError("无权查看统计。", status=403)
    site_ids, site = figures.figure_site_ids(user=user, site_code=site_code)
    return Scope(role=str(role), site_ids=site_ids, site=site)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _cases(scope: Scope) -> QuerySet[Case]:
    return Case.objects.filter(scope.q())


def _ratings(scope: Scope, period: Period) -> QuerySet[Rating]:
    return Rating.objects.filter(scope.q(), period.q("created_at"), excluded=False)


def stats_compute(*, scope: Scope, period: Period, now: dt.datetime | None = None) -> dict[str, Any]:
    """The contract's stats body (see module doc). Five queries, whatever the number of cases."""
    return _compute(scope=scope, period=period, now=now or timezone.now(), by_day=False)[0]


def dashboard_figures(
    *, scope: Scope, period: Period, now: dt.datetime | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]], float | None, int]:
    """``(stats body, trend per day, average working days to complete, special-group cases received)``.

    The same five queries as ``stats_compute``, grouped by day as well, so the dashboard scans the
    period's cases once per date column instead of once per figure.
    """
    body, extra = _compute(scope=scope, period=period, now=now or timezone.now(), by_day=True)
    return body, _trend(period, extra), extra["avg_days"], extra["special_total"]


def _trend(period: Period, extra: dict[str, Any]) -> list[dict[str, Any]]:
    trend: list[dict[str, Any]] = []
    if period.start is not None and period.end is not None and (period.end - period.start).days <= MAX_DAYS:
        day = period.start
        while day <= period.end:
            trend.append(
                {
                    "day": day,
                    "new": extra["new_by_day"].get(day, 0),
                    "closed": extra["closed_by_day"].get(day, 0),
                }
            )
            day += dt.timedelta(days=1)
    return trend


def period_previous(period: Period) -> Period:
    """The period of the same length just before ``period`` (the cockpit's "change vs previous period")."""
    if period.start is None or period.end is None:
        return Period(None, None)
    days = (period.end - period.start).days + 1
    return Period(period.start - dt.timedelta(days=days), period.start - dt.timedelta(days=1))


def cockpit_figures(*, scope: Scope, period: Period, now: dt.datetime | None = None) -> dict[str, Any]:
    """The cockpit's figures: the stats body, the extras (received, 差评待整改, per town, rates per matter)
    and the trend per day, from the one computation (``_compute``, the same as the API and the dashboard)."""
    body, extra = _compute(scope=scope, period=period, now=now or timezone.now(), by_day=True)
    return {"body": body, "extra": extra, "trend": _trend(period, extra)}


def cockpit_figures_cached(*, scope: Scope, period: Period) -> dict[str, Any]:
    return _through_cache("cockpit", scope, period, lambda: cockpit_figures(scope=scope, period=period))


def _compute(
    *, scope: Scope, period: Period, now: dt.datetime, by_day: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    tz = timezone.get_current_timezone()
    # the figures' definitions live in ``workflows.figures`` (the click-through to the case table uses them)
    lo, hi = period.bounds()
    received = _cases(scope).filter(figures.figure_q("received", lo=lo, hi=hi, now=now))
    status_counts: dict[str, Any] = {
        "n": Count("id"),
        "overdue": Count("id", filter=figures.overdue_now_q(now)),
    }
    # ``matter_id`` too: ``by_matter`` comes from the same scan (a second scan of the period's cases used to
    # cost as much as this one at a million rows).
    status_keys = ["site_id", "status", "matter_id"]
    status_qs = received
    if by_day:
        status_qs = status_qs.annotate(day=TruncDate("created_at", tzinfo=tz))
        status_keys.append("day")
        status_counts["special"] = Count("id", filter=figures.special_q())
    by_status: dict[str, int] = dict.fromkeys(Case.Status.values, 0)
    site_rows: dict[int, dict[str, Any]] = {}
    new_by_day: dict[dt.date, int] = {}
    closed_by_day: dict[dt.date, int] = {}
    special_total = 0

    def site_row(site_id: int) -> dict[str, Any]:
        return site_rows.setdefault(site_id, dict.fromkeys(ROW_KEYS, 0))

    def matter_row(matter_id: int) -> dict[str, Any]:
        return matter_rows.setdefault(matter_id, dict.fromkeys(ROW_KEYS, 0))

    matter_counts: dict[int, int] = {}
    matter_rows: dict[int, dict[str, Any]] = {}
    for row in status_qs.values(*status_keys).annotate(**status_counts).order_by():
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        matter_counts[row["matter_id"]] = matter_counts.get(row["matter_id"], 0) + row["n"]
        site_row(row["site_id"])["received"] += row["n"]
        matter_row(row["matter_id"])["received"] += row["n"]
        if row["status"] in OPEN:
            r = site_row(row["site_id"])
            r["open"] += row["n"]
            r["overdue"] += row["overdue"]
        if by_day:
            new_by_day[row["day"]] = new_by_day.get(row["day"], 0) + row["n"]
            special_total += row["special"]

    done_counts: dict[str, Any] = {
        "n": Count("id"),
        "on_time": Count("id", filter=figures.on_time_q()),
    }
    done_keys = ["site_id", "matter_id"]
    done_qs = _cases(scope).filter(figures.completed_q(lo, hi))
    # Handling time in working days (工作日, core.workdays, counted like deadlines: from the day after intake):
    # the done cases grouped by (intake day, completion day) too, so the calendar is walked once per figure.
    spans: dict[tuple[dt.date, dt.date], int] = {}
    if by_day:
        done_qs = done_qs.annotate(
            day=TruncDate("completed_at", tzinfo=tz), created_day=TruncDate("created_at", tzinfo=tz)
        )
        done_keys += ["day", "created_day"]
    for done_row in done_qs.values(*done_keys).annotate(**done_counts):
        r = site_row(done_row["site_id"])
        r["closed"] += done_row["n"]
        r["on_time"] += done_row["on_time"]
        m = matter_row(done_row["matter_id"])
        m["closed"] += done_row["n"]
        m["on_time"] += done_row["on_time"]
        if by_day:
            closed_by_day[done_row["day"]] = closed_by_day.get(done_row["day"], 0) + done_row["n"]
            span = (done_row["created_day"], done_row["day"])
            spans[span] = spans.get(span, 0) + done_row["n"]
    duration_days = float(workdays.working_days_total(spans))

    ratings = (
        _ratings(scope, period)
        .values("site_id", "case__matter_id")
        .annotate(
            n=Count("id"),
            good=Count("id", filter=Q(value__gte=4)),
            bad=Count("id", filter=bad_rating_q()),
            # 差评待整改: a bad rating with no rectification report yet
            bad_open=Count("id", filter=bad_rating_q() & Q(rectification__isnull=True)),
        )
        .order_by()
    )
    for rating_row in ratings:
        for r in (site_row(rating_row["site_id"]), matter_row(rating_row["case__matter_id"] or 0)):
            r["ratings"] += rating_row["n"]
            r["good"] += rating_row["good"]
            r["bad"] += rating_row["bad"]
            r["bad_open"] += rating_row["bad_open"]

    all_matters = Matter.objects.filter(id__in=[i for i in matter_rows if i]).only("id", "code", "name")
    matters = [m for m in all_matters if m.id in matter_counts]
    by_matter: list[dict[str, Any]] = [
        {"matter": m.code, "name": m.name, "n": matter_counts[m.id]}
        for m in sorted(matters, key=lambda m: (-matter_counts[m.id], m.code))
    ]

    sites = {
        s.id: s
        for s in Site.objects.filter(id__in=list(site_rows))
        .select_related("parent")
        .only("id", "code", "name", "kind", "parent__id", "parent__code", "parent__name", "parent__kind")
    }
    by_site = []
    for site_id, r in sorted(site_rows.items(), key=lambda kv: sites[kv[0]].code if kv[0] in sites else ""):
        site = sites.get(site_id)
        if site is None:
            continue
        by_site.append(
            {
                "site": site.code,
                "name": site.name,
                "open": r["open"],
                "overdue": r["overdue"],
                "closed": r["closed"],
                "on_time_rate": _rate(r["on_time"], r["closed"]),
                "satisfaction_rate": _rate(r["good"], r["ratings"]),
                "bad_ratings": r["bad"],
            }
        )
    totals = {k: sum(r[k] for r in site_rows.values()) for k in ROW_KEYS}
    body = {
        "open": totals["open"],
        "overdue": totals["overdue"],
        "closed": totals["closed"],
        "on_time_rate": _rate(totals["on_time"], totals["closed"]),
        "satisfaction_rate": _rate(totals["good"], totals["ratings"]),
        "bad_ratings": totals["bad"],
        "by_status": by_status,
        "by_matter": by_matter,
        "by_site": by_site,
        "from": period.start.isoformat() if period.start else None,
        "to": period.end.isoformat() if period.end else None,
    }
    extra = {
        "new_by_day": new_by_day,
        "closed_by_day": closed_by_day,
        "avg_days": round(duration_days / totals["closed"], 1) if by_day and totals["closed"] else None,
        "special_total": special_total,
        "received": totals["received"],
        "bad_open": totals["bad_open"],
        "by_town": _rollup_towns(site_rows, sites),
        "matter_rates": [
            {"matter": m.code, "name": m.name, **_rates(matter_rows[m.id])}
            for m in sorted(all_matters, key=lambda m: (-matter_rows[m.id]["received"], m.code))
        ],
    }
    return body, extra


ROW_KEYS = ("received", "open", "overdue", "closed", "on_time", "ratings", "good", "bad", "bad_open")


def _rates(r: dict[str, Any]) -> dict[str, Any]:
    """A row of counts with its two rates (the same formulas as the body's)."""
    return {
        **{k: r[k] for k in ROW_KEYS},
        "on_time_rate": _rate(r["on_time"], r["closed"]),
        "satisfaction_rate": _rate(r["good"], r["ratings"]),
    }


def _rollup_towns(site_rows: dict[int, dict[str, Any]], sites: dict[int, Site]) -> list[dict[str, Any]]:
    """Per town (镇/街道 center): its own cases and its stations' (a site without a center stands alone)."""
    towns: dict[str, dict[str, Any]] = {}
    for site_id, r in site_rows.items():
        site = sites.get(site_id)
        if site is None:
            continue
        parent = site.parent
        # the same rule as the click-through's ``site=<center>`` (the center and its direct sites)
        town = (
            parent if site.kind != Site.Kind.CENTER and parent and parent.kind == Site.Kind.CENTER else site
        )
        t = towns.setdefault(town.code, {"site": town.code, "name": town.name, **dict.fromkeys(ROW_KEYS, 0)})
        for k in ROW_KEYS:
            t[k] += r[k]
    return [{"site": t["site"], "name": t["name"], **_rates(t)} for _code, t in sorted(towns.items())]


# --- cache ------------------------------------------------------------------------------------------------
#
# At a million cases the figures cost seconds (full scans of the case table), and the dashboard is opened far
# more often than a case changes state. The computed body is cached per (role, site set, period) under a
# *generation* number; every case state change and every rating (or appeal excluding one) bumps the
# generation (``core.stats_generation.stats_invalidate``), which orphans every cached body at once (they then expire by TTL).
# The TTL (``STATS_CACHE_SECONDS``, default 60; 0 turns the cache off) is the safety net for writes that
# bypass the services (bulk loads, the admin) and bounds how stale ``overdue`` (which moves with the clock)
# can get. A cache outage only costs speed: every cache error falls back to computing.

T = TypeVar("T")


def _cache_seconds() -> int:
    return int(getattr(settings, "STATS_CACHE_SECONDS", 60))


def _cache_key(kind: str, generation: int, scope: Scope, period: Period) -> str:
    sites = "all" if scope.site_ids is None else ",".join(map(str, sorted(scope.site_ids)))
    raw = f"{scope.role}|{sites}|{period.start}|{period.end}"
    return f"stats:{kind}:{generation}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


def _through_cache(kind: str, scope: Scope, period: Period, compute: Callable[[], T]) -> T:
    seconds = _cache_seconds()
    if seconds <= 0:
        return compute()
    try:
        key = _cache_key(kind, stats_generation.current(), scope, period)
        cached = cache.get(key)
    except Exception:
        logger.warning("stats: cache unavailable, computing", exc_info=True)
        return compute()
    if cached is not None:
        return copy.deepcopy(cached)
    value = compute()
    try:
        cache.set(key, value, timeout=seconds)
    except Exception:
        logger.warning("stats: could not cache the figures", exc_info=True)
    return value


def stats_cached(*, scope: Scope, period: Period) -> dict[str, Any]:
    """``stats_compute`` through the cache (see above); what ``GET /api/v1/stats/`` answers."""
    return _through_cache("body", scope, period, lambda: stats_compute(scope=scope, period=period))


def dashboard_figures_cached(*, scope: Scope, period: Period) -> Any:
    """``dashboard_figures`` through the same cache and generation: what the dashboard page shows."""
    return _through_cache("dash", scope, period, lambda: dashboard_figures(scope=scope, period=period))


def stats_agents_cached(*, scope: Scope, period: Period) -> list[dict[str, Any]]:
    """``stats_agents`` through the same cache and generation (the dashboard's workload table, the API's
    ``by_agent``)."""
    return _through_cache("agents", scope, period, lambda: stats_agents(scope=scope, period=period))


def stats_api_body(*, scope: Scope, period: Period) -> dict[str, Any]:
    """``GET /api/v1/stats/``: the contract's body plus what the dashboard page shows beside it, from the same
    computation (``dashboard_figures_cached``, ``stats_agents``), so the API and the page never disagree:

    - ``by_agent``: per assigned agent ``{agent, username, kind, open, overdue, closed, on_time_rate}``;
    - ``by_day``: ``[{day, new, closed}]`` for each day of a bounded period (empty when ``from``/``to`` is open);
    - ``avg_working_days``: average handling time of the period's completed cases in working days (工作日).
    """
    body, trend, avg_days, _special = dashboard_figures_cached(scope=scope, period=period)
    return {
        **body,
        "by_agent": stats_agents_cached(scope=scope, period=period),
        "by_day": [{"day": d["day"].isoformat(), "new": d["new"], "closed": d["closed"]} for d in trend],
        "avg_working_days": avg_days,
    }


# --- dashboard extras -------------------------------------------------------------------------------------


def stats_agents(*, scope: Scope, period: Period, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per assigned agent: open now, overdue now, completed in the period and on time (one query)."""
    now = now or timezone.now()
    done_q = period.q("completed_at") & Q(completed_at__isnull=False)
    rows = (
        _cases(scope)
        .filter(assigned_agent__isnull=False)
        .filter(Q(status__in=OPEN) | done_q)
        .values(
            "assigned_agent_id",
            "assigned_agent__name",
            "assigned_agent__kind",
            "assigned_agent__user__username",
        )
        .annotate(
            open=Count("id", filter=Q(status__in=OPEN)),
            overdue=Count("id", filter=Q(status__in=OPEN, due_at__lt=now)),
            closed=Count("id", filter=done_q),
            on_time=Count("id", filter=done_q & (Q(due_at__isnull=True) | Q(completed_at__lte=F("due_at")))),
        )
        .order_by("-open", "assigned_agent__name")
    )
    kinds = dict(Agent.Kind.choices)
    return [
        {
            "agent": r["assigned_agent__name"],
            "username": r["assigned_agent__user__username"],
            "kind": str(kinds.get(r["assigned_agent__kind"], "")),
            "open": r["open"],
            "overdue": r["overdue"],
            "closed": r["closed"],
            "on_time_rate": _rate(r["on_time"], r["closed"]),
        }
        for r in rows
    ]


def overdue_cases(*, scope: Scope, now: dt.datetime | None = None, limit: int = 50) -> QuerySet[Case]:
    now = now or timezone.now()
    return (
        _cases(scope)
        .filter(status__in=OPEN, due_at__lt=now)
        .select_related("site", "matter", "assigned_agent")
        .order_by("due_at")[:limit]
    )


def special_group_open(*, scope: Scope, period: Period, limit: int = 50) -> list[Case]:
    """Open cases with special groups (priority > 0 marks them) received in the period, most urgent first."""
    return list(
        _cases(scope)
        .filter(period.q("created_at"), priority__gt=0, status__in=OPEN)
        .select_related("site", "matter", "assigned_agent")
        .order_by("due_at")[:limit]
    )


def bad_ratings_list(*, scope: Scope, period: Period, limit: int = 50) -> list[Rating]:
    """Bad ratings of the period with their rectification (if any): 差评 and 整改 status."""
    return list(
        _ratings(scope, period)
        .filter(bad_rating_q())
        .select_related("case", "site", "rectification")
        .order_by("-created_at")[:limit]
    )
