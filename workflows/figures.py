"""What each oversight figure counts, as one ``Q`` per figure: the cockpit's numbers (``oversight.stats``)
and the case table they click through to (``/staff/cases/?figure=…``) are built from these same definitions,
so a figure's click-through lists exactly the cases it counts.

Period = ``[from 00:00, to + 1 day 00:00)`` local time; either end may be open (``None``).

- ``received``: cases received (``created_at``) in the period.
- ``open``: of those, the ones still awaiting their result (status new … submitted, handed off).
- ``overdue``: of those open ones, the ones past their due date now.
- ``closed``: cases completed (办结, ``completed_at``) in the period, whatever happened after.
- ``on_time``: of those, completed by their due date (no due date counts as on time).
- ``late``: the closed ones that are not on time.
- ``special``: received in the period with a special group (priority > 0).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from agency.models import Site
from agency.selectors import user_site_ids
from core.exceptions import ApplicationError
from workflows.models import Case

OPEN: list[str] = sorted(Case.Status.OPEN)  # type: ignore[attr-defined]
FIGURE_LABELS = {
    "received": "受理",
    "open": "在办",
    "overdue": "超期",
    "closed": "办结",
    "on_time": "按期办结",
    "late": "逾期办结",
    "special": "特殊群体",
}


def date_bounds(start: dt.date | None, end: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Local dates (inclusive) → ``[lo, hi)`` datetimes; ``None`` stays open."""
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz) if start else None
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if end else None
    return lo, hi


def period_q(field: str, lo: dt.datetime | None, hi: dt.datetime | None) -> Q:
    q = Q()
    if lo is not None:
        q &= Q(**{f"{field}__gte": lo})
    if hi is not None:
        q &= Q(**{f"{field}__lt": hi})
    return q


def open_q() -> Q:
    return Q(status__in=OPEN)


def overdue_now_q(now: dt.datetime) -> Q:
    """Open and past the due date at ``now`` (within whatever period the queryset already has)."""
    return Q(status__in=OPEN, due_at__lt=now)


def completed_q(lo: dt.datetime | None, hi: dt.datetime | None) -> Q:
    return period_q("completed_at", lo, hi) & Q(completed_at__isnull=False)


def on_time_q() -> Q:
    """Of completed cases: completed by the due date (none counts as on time)."""
    return Q(due_at__isnull=True) | Q(completed_at__lte=F("due_at"))


def special_q() -> Q:
    return Q(priority__gt=0)


def figure_q(name: str, *, lo: dt.datetime | None, hi: dt.datetime | None, now: dt.datetime) -> Q:
    """The cases figure ``name`` counts in ``[lo, hi)`` (see the module doc); unknown names: 400."""
    received = period_q("created_at", lo, hi)
    if name == "received":
        return received
    if name == "open":
        return received & open_q()
    if name == "overdue":
        return received & overdue_now_q(now)
    if name == "special":
        return received & special_q()
    if name == "closed":
        return completed_q(lo, hi)
    if name == "on_time":
        return completed_q(lo, hi) & on_time_q()
    if name == "late":
        return completed_q(lo, hi) & ~on_time_q()
    raise ApplicationError("没有这个指标。", {"figure": name[:32]}, status=400)


def figure_site_ids(*, user: Any, site_code: str | None) -> tuple[frozenset[int] | None, Site | None]:
    """The sites a figure covers: the user's scope (None = every site), narrowed to ``site_code`` (a center
    brings its sites along). Unknown or out-of-scope site: 404 ``ApplicationError``."""
    visible = user_site_ids(user)
    if not site_code:
        return (None if visible is None else frozenset(visible)), None
    site = Site.objects.filter(code=site_code).first()
    if site is None or (visible is not None and site.pk not in visible):
        raise ApplicationError("站点不存在或无权查看。", {"site": site_code[:32]}, status=404)
    ids = {site.pk}
    if site.kind == Site.Kind.CENTER:
        ids |= set(Site.objects.filter(parent=site).values_list("id", flat=True))
    if visible is not None:
        ids &= visible
    return frozenset(ids), site
