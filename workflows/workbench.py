"""Reads of the station workbench (``/staff/cases/``): one scoped, filtered, sorted queryset, the status tabs
with their (capped) counts, the saved views and the latest activity of a page's cases.

Every query count here is constant: the list, its capped count, one bounded count per tab, one query for the
page's latest events. The oversight figures' click-through (``figure=…&from=…&to=…&site=…``) filters with
``workflows.figures``, the same definitions ``oversight.stats`` counts with.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from agency.models import Site
from core.counting import capped_count, count_cap, count_label
from workflows import figures, selectors
from workflows.case_numbers import is_valid_case_no, normalize_case_no
from workflows.models import Case, CaseEvent

S = Case.Status
# (key, label, statuses): the tabs over the status; "active" (the default) = every case still running.
TABS: tuple[tuple[str, str, list[str] | None], ...] = (
    ("active", "在办", selectors.ACTIVE_STATUSES),
    ("new", "待分派", [S.NEW.value]),
    ("doing", "办理中", sorted(set(selectors.OPEN_STATUSES) - {S.NEW.value})),
    ("feedback", "待评价", [S.COMPLETED.value]),
    ("rectifying", "整改中", [S.RECTIFYING.value]),
    ("final", "已结束", sorted(Case.Status.FINAL)),  # type: ignore[attr-defined]
    ("all", "全部", None),
)
TAB_STATUSES = {key: statuses for key, _label, statuses in TABS}

# sort key → the ordering (ascending); "-key" sorts descending. Ties: newest first.
SORTS: dict[str, Any] = {
    "case_no": F("case_no"),
    "matter": F("matter__name"),
    "resident": F("resident_name"),
    "status": F("status"),
    "agent": F("assigned_agent__name"),
    "due": F("due_at"),
    "latest": F("updated_at"),
    "created": F("created_at"),
}

# saved views: (key, label, the filters they set)
SAVED_VIEWS: tuple[tuple[str, str], ...] = (
    ("mine_overdue", "我的逾期"),
    ("due_today", "今日到期"),
    ("unassigned", "未分派"),
    ("special", "特殊群体在办"),
)
SAVED_VIEW_KEYS = {key for key, _ in SAVED_VIEWS}
PHONE_TAIL = re.compile(r"^\d{4}$")


@dataclass
class Filters:
    """What the workbench shows; empty values do not filter."""

    tab: str = "active"
    status: str = ""
    q: str = ""
    matter: str = ""
    agent: str = ""
    overdue: bool = False
    special: str = ""  # a special group, or "any"
    channel: str = ""
    bundle: str = ""  # "member" (part of a 一件事), "parent" (a 一件事 itself), "none"
    view: str = ""
    sort: str = ""
    site: str = ""
    figure: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _search_q(text: str) -> Q:
    """Case number (exact, or a part of it), the phone's last four digits, or the resident's name."""
    text = text.strip()[:64]
    number = normalize_case_no(text)
    if is_valid_case_no(number):
        return Q(case_no=number)
    if PHONE_TAIL.match(text):
        return Q(resident_phone__endswith=text) | Q(case_no__icontains=text)
    return Q(resident_name__icontains=text) | Q(case_no__icontains=text.upper())


def _base(user: Any, f: Filters, now: dt.datetime) -> QuerySet[Case]:
    """Scoped and filtered, before the tab's statuses."""
    qs = selectors.cases_visible_to(user)
    if f.site or f.figure:
        # the oversight figures' site rule (stats_scope): the user's sites, narrowed to ``site``
        site_ids, _site = figures.figure_site_ids(user=user, site_code=f.site or None)
        if site_ids is not None:
            qs = qs.filter(site_id__in=sorted(site_ids))
    if f.figure:
        lo, hi = figures.date_bounds(f.date_from, f.date_to)
        qs = qs.filter(figures.figure_q(f.figure, lo=lo, hi=hi, now=now))
    qs = selectors.cases_filtered(qs, matter_code=f.matter, agent_id=f.agent, overdue=f.overdue)
    if f.q:
        qs = qs.filter(_search_q(f.q))
    if f.special == "any":
        qs = qs.filter(priority__gt=0)
    elif f.special:
        # JSON list of fixed slugs: the quoted slug in its text (works on PostgreSQL and SQLite alike)
        qs = qs.filter(special_groups__icontains=f'"{f.special}"')
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.bundle == "member":
        qs = qs.filter(bundle_parent__isnull=False)
    elif f.bundle == "parent":
        qs = qs.filter(Exists(Case.objects.filter(bundle_parent=OuterRef("pk"))))
    elif f.bundle == "none":
        qs = qs.filter(bundle_parent__isnull=True).exclude(
            Exists(Case.objects.filter(bundle_parent=OuterRef("pk")))
        )
    return _saved_view(user, qs, f.view, now)


def _saved_view(user: Any, qs: QuerySet[Case], view: str, now: dt.datetime) -> QuerySet[Case]:
    if view == "mine_overdue":
        agent = selectors.actor_agent(user)
        mine = Q(created_by=user) | (Q(assigned_agent=agent) if agent is not None else Q(pk__in=[]))
        return qs.filter(mine, figures.overdue_now_q(now))
    if view == "due_today":
        today = timezone.localdate(now)
        lo, hi = figures.date_bounds(today, today)
        return qs.filter(figures.open_q(), due_at__gte=lo, due_at__lt=hi)
    if view == "unassigned":
        return qs.filter(assigned_agent__isnull=True, status__in=selectors.OPEN_STATUSES)
    if view == "special":
        return qs.filter(figures.special_q(), status__in=selectors.OPEN_STATUSES)
    return qs


def tab_statuses(f: Filters) -> list[str] | None:
    """The statuses shown: a single ``status`` wins; a figure or a saved view shows every status."""
    if f.status:
        return [f.status]
    if (f.figure or f.view) and f.tab == "active":
        return None
    return TAB_STATUSES.get(f.tab, selectors.ACTIVE_STATUSES)


def _ordered(qs: QuerySet[Case], sort: str) -> QuerySet[Case]:
    key = sort.lstrip("-")
    if key not in SORTS:
        return selectors.cases_open_first(qs)
    expr = SORTS[key]
    primary = expr.desc(nulls_last=True) if sort.startswith("-") else expr.asc(nulls_last=True)
    return qs.order_by(primary, "-created_at", "-id")


def workbench_cases(*, user: Any, f: Filters, now: dt.datetime | None = None) -> QuerySet[Case]:
    """The table's rows, scoped, filtered and sorted on the server."""
    now = now or timezone.now()
    qs = _base(user, f, now)
    statuses = tab_statuses(f)
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    return _ordered(qs, f.sort)


def workbench_tabs(*, user: Any, f: Filters, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Each tab with its count under the current filters: one bounded count each (``LIST_COUNT_CAP``)."""
    now = now or timezone.now()
    base = _base(user, f, now)
    cap = count_cap()
    current = "" if f.status else f.tab
    if (f.figure or f.view) and f.tab == "active" and not f.status:
        current = "all"
    out = []
    for key, label, statuses in TABS:
        qs = base if statuses is None else base.filter(status__in=statuses)
        n = capped_count(qs, cap)
        out.append(
            {
                "key": key,
                "label": label,
                "count": n,
                "count_label": count_label(n, cap),
                "current": key == current,
            }
        )
    return out


def latest_events(case_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The latest timeline line of each case (one query for the page's cases)."""
    if not case_ids:
        return {}
    latest = CaseEvent.objects.filter(case_id=OuterRef("pk")).order_by("-at", "-id")
    rows = (
        Case.objects.filter(pk__in=case_ids)
        .annotate(
            latest_kind=Subquery(latest.values("kind")[:1]),
            latest_at=Subquery(latest.values("at")[:1]),
            latest_note=Subquery(latest.values("note")[:1]),
        )
        .values("pk", "latest_kind", "latest_at", "latest_note")
    )
    return {r["pk"]: dict(r) for r in rows}


def bulk_target_sites() -> QuerySet[Site]:
    """Stations and centers a bulk transfer can send cases to (the service checks each case again)."""
    return Site.objects.filter(is_active=True, kind__in=[Site.Kind.STATION, Site.Kind.CENTER]).order_by(
        "code"
    )
