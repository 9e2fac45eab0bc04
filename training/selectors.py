"""Reads of the training domain: derived qualifications, events in scope, the capability-plan shortfall."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from agency.models import Agent, Matter, Site
from agency.roles import STAFF_ROLES
from agency.selectors import user_site_ids
from core.labels import choice_label
from training.models import PLAN_KINDS, Attendance, CapabilityPlan, QualificationRule, TrainingEvent
from workflows.selectors import actor_role

PLAN_ROLES = frozenset({Agent.Kind.DISTRICT_ADMIN, Agent.Kind.TOWN_STAFF})


def category_label(code: str) -> str:
    return str(choice_label(Matter.Category, code))


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Qualification:
    """An agent's qualification for one matter category, from their latest qualifying attendance."""

    category: str
    obtained_on: dt.date
    expires_on: dt.date | None
    event_title: str

    @property
    def label(self) -> str:
        return category_label(self.category)

    def valid_on(self, day: dt.date) -> bool:
        return self.expires_on is None or self.expires_on >= day


def event_categories(event: TrainingEvent) -> set[str]:
    """Categories an event covers: those named plus those of the matters named (uses the prefetch)."""
    return set(event.categories or []) | {m.category for m in event.matters.all()}


def qualifications_for(
    agent_ids: Iterable[int], *, today: dt.date | None = None, include_expired: bool = False
) -> dict[int, dict[str, Qualification]]:
    """``{agent_id: {category: Qualification}}``: each agent's latest qualification per category (two queries).

    Only events that grant qualification and attendances not marked failed count; ``include_expired`` keeps
    qualifications past their rule's validity (for "expired on" displays).
    """
    ids = sorted(set(agent_ids))
    out: dict[int, dict[str, Qualification]] = {pk: {} for pk in ids}
    if not ids:
        return out
    today = today or timezone.localdate()
    months = dict(QualificationRule.objects.values_list("category", "valid_months"))
    rows = (
        Attendance.objects.filter(agent_id__in=ids, event__grants_qualification=True, event__date__lte=today)
        .exclude(result=Attendance.Result.FAILED)
        .select_related("event")
        .prefetch_related(Prefetch("event__matters", queryset=Matter.objects.only("id", "category")))
        .order_by("event__date", "event_id")
    )
    for row in rows:
        for category in event_categories(row.event):
            valid = months.get(category)
            expires = add_months(row.event.date, valid) if valid else None
            qual = Qualification(category, row.event.date, expires, row.event.title)
            if include_expired or qual.valid_on(today):
                out[row.agent_id][category] = qual  # later events overwrite: the latest wins
    return out


def qualified_categories(agent_id: int, *, today: dt.date | None = None) -> list[Qualification]:
    quals = qualifications_for([agent_id], today=today)[agent_id]
    return sorted(quals.values(), key=lambda q: q.category)


def rule_for(category: str) -> QualificationRule | None:
    return QualificationRule.objects.filter(category=category).first()


# --- scope --------------------------------------------------------------------------------------------


def may_record(user: Any) -> bool:
    return actor_role(user) in STAFF_ROLES  # who records trainings: the staff roles


def events_visible_to(user: Any) -> QuerySet[TrainingEvent]:
    """Events organised at sites in the user's scope (district admin: all)."""
    qs = TrainingEvent.objects.select_related("site").order_by("-date", "-id")
    if not may_record(user):
        return qs.none()
    site_ids = user_site_ids(user)
    return qs if site_ids is None else qs.filter(site_id__in=sorted(site_ids))


def sites_for_recording(user: Any) -> QuerySet[Site]:
    site_ids = user_site_ids(user)
    qs = Site.objects.filter(is_active=True, kind__in=[Site.Kind.CENTER, Site.Kind.STATION]).order_by("code")
    return qs if site_ids is None else qs.filter(pk__in=sorted(site_ids))


def agents_in_scope(user: Any) -> QuerySet[Agent]:
    """Active agents serving a site in the user's scope: whom they may record attendance for."""
    site_ids = user_site_ids(user)
    qs = Agent.objects.filter(is_active=True)
    if site_ids is not None:
        qs = qs.filter(sites__in=sorted(site_ids)).distinct()
    return qs


def towns_visible_to(user: Any) -> QuerySet[Site]:
    """Town centers whose capability page the user may open."""
    role = actor_role(user)
    qs = Site.objects.filter(kind=Site.Kind.CENTER, is_active=True).order_by("code")
    if role == Agent.Kind.DISTRICT_ADMIN:
        return qs
    if role != Agent.Kind.TOWN_STAFF:
        return qs.none()
    site_ids = user_site_ids(user) or set()
    return qs.filter(pk__in=sorted(site_ids))


# --- capability plan ----------------------------------------------------------------------------------


@dataclass
class PlanRow:
    """One agent against their kind's plan for a year."""

    agent: Agent
    site_names: str
    required_hours: Decimal
    hours: Decimal
    missing: list[str] = field(default_factory=list)  # category labels still to obtain

    @property
    def hours_short(self) -> Decimal:
        return max(self.required_hours - self.hours, Decimal(0))

    @property
    def behind(self) -> bool:
        return self.hours_short > 0 or bool(self.missing)


def plan_shortfall(*, center: Site, year: int, today: dt.date | None = None) -> list[PlanRow]:
    """Every active agent of a planned kind serving the town (its center and the center's sites), with hours
    this year and required categories not (validly) held. Behind first. A fixed number of queries."""
    today = today or timezone.localdate()
    plans = {p.kind: p for p in CapabilityPlan.objects.all()}
    agents = list(
        Agent.objects.filter(
            Q(sites=center) | Q(sites__parent=center), is_active=True, kind__in=[k.value for k in PLAN_KINDS]
        )
        .filter(kind__in=list(plans))
        .distinct()
        .prefetch_related(Prefetch("sites", queryset=Site.objects.only("id", "name").order_by("code")))
        .order_by("kind", "name", "id")
    )
    ids = [a.pk for a in agents]
    hours: dict[int, Decimal] = {pk: Decimal(0) for pk in ids}
    for agent_id, value in Attendance.objects.filter(agent_id__in=ids, event__date__year=year).values_list(
        "agent_id", "hours"
    ):
        hours[agent_id] += value
    quals = qualifications_for(ids, today=min(today, dt.date(year, 12, 31)))
    rows = []
    for agent in agents:
        plan = plans[agent.kind]
        held = set(quals[agent.pk])
        missing = [category_label(c) for c in plan.required_categories or [] if c not in held]
        rows.append(
            PlanRow(
                agent=agent,
                site_names="、".join(s.name for s in agent.sites.all()),
                required_hours=plan.required_hours,
                hours=hours[agent.pk],
                missing=missing,
            )
        )
    rows.sort(key=lambda r: (not r.behind, r.agent.kind, r.agent.name))
    return rows
