"""Deadline warnings, visit-pending reminders, unassigned alerts and the overdue ladder."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from agency.models import Agent
from core.workdays import add_working_days, working_days_between
from notifications.outbox import NotificationRequest
from notifications.staff import staff_messages
from workflows import extensions
from workflows.models import Case, CaseEvent
from workflows.recipients import district_admins, staff_by_site
from workflows.reminders.base import (
    OPEN_STATUSES,
    DueCase,
    SweepResult,
    _agent_of,
    all_site_ids,
    case_context,
    ladder_thresholds,
    lookback,
    overdue_cutoff,
    reminder_setting,
    run_batches,
    to_local,
    working_hours_before,
)

logger = logging.getLogger(__name__)


# --- Selectors: which cases are due for which message ---------------------------------------------------


def due_soon_cases(now: dt.datetime) -> QuerySet[Case]:
    """Open, assigned cases whose deadline is still ahead but at most one working day away."""
    return Case.objects.filter(
        status__in=OPEN_STATUSES,
        due_at__gt=now,
        due_at__lte=add_working_days(now, 1),
        assigned_agent__isnull=False,
    )


def overdue_cases(now: dt.datetime) -> QuerySet[Case]:
    """Open cases past their deadline, within the look-back window beyond the last rung."""
    last_rung = overdue_cutoff(now, max(ladder_thresholds().values()))
    return Case.objects.filter(
        status__in=OPEN_STATUSES, due_at__lt=now, due_at__gte=last_rung - lookback(now)
    )


def unassigned_cases(now: dt.datetime) -> QuerySet[Case]:
    """``new`` cases older than N working hours (``created_at`` index, bounded by the look-back window)."""
    cutoff = working_hours_before(now, int(reminder_setting("UNASSIGNED_ALERT_WORKING_HOURS")))
    return Case.objects.filter(
        status=Case.Status.NEW, created_at__lte=cutoff, created_at__gte=cutoff - lookback(now)
    )


def visit_pending_cases(now: dt.datetime) -> QuerySet[Case]:
    """``assigned`` (not yet visited) cases whose last assignment is at least one working day old.

    ``site IN (…) AND status = 'assigned'`` walks the ``(site, status)`` index; the assignment time is the
    latest ``assigned``/``reassigned_backup`` event (``(case, at)`` index).
    """
    cutoff = overdue_cutoff(now, int(reminder_setting("VISIT_REMINDER_WORKING_DAYS")))
    assigned_at = (
        CaseEvent.objects.filter(case=OuterRef("pk"), kind__in=["assigned", "reassigned_backup"])
        .order_by()
        .values("case")
        .annotate(last=Max("at"))
        .values("last")
    )
    return (
        Case.objects.filter(
            site_id__in=all_site_ids(), status=Case.Status.ASSIGNED, assigned_agent__isnull=False
        )
        .annotate(assigned_at=Subquery(assigned_at))
        .filter(assigned_at__lt=cutoff, assigned_at__gte=cutoff - lookback(now))
    )


# --- Message builders -----------------------------------------------------------------------------------


def _build_due_soon(now: dt.datetime) -> Callable[[list[DueCase]], list[NotificationRequest]]:
    today = to_local(now).date()

    def build(cases: list[DueCase]) -> list[NotificationRequest]:
        out: list[NotificationRequest] = []
        for case in cases:
            agent = _agent_of(case, today)
            if agent is None:
                continue
            context = case_context(case)
            out += staff_messages(
                [agent],
                key=f"case:{case.case_no}:due_soon:{context['due_date']}",
                template="due_soon",
                context=context,
            )
        return out

    return build


def _build_visit_pending(now: dt.datetime) -> Callable[[list[DueCase]], list[NotificationRequest]]:
    today = to_local(now).date()

    def build(cases: list[DueCase]) -> list[NotificationRequest]:
        out: list[NotificationRequest] = []
        for case in cases:
            agent = _agent_of(case, today)
            if agent is None:
                continue
            out += staff_messages(
                [agent],
                key=f"case:{case.case_no}:visit_pending:{case.assigned_agent_id}",
                template="visit_pending",
                context=case_context(case),
            )
        return out

    return build


def _build_unassigned(now: dt.datetime) -> Callable[[list[DueCase]], list[NotificationRequest]]:
    hours = int(reminder_setting("UNASSIGNED_ALERT_WORKING_HOURS"))

    def build(cases: list[DueCase]) -> list[NotificationRequest]:
        staff = staff_by_site({c.site_id for c in cases}, Agent.Kind.STATION_STAFF)
        out: list[NotificationRequest] = []
        for case in cases:
            context = {**case_context(case), "hours": hours}
            out += staff_messages(
                staff.get(case.site_id, []),
                key=f"case:{case.case_no}:unassigned",
                template="unassigned_too_long",
                context=context,
            )
        return out

    return build


def _build_ladder(now: dt.datetime) -> Callable[[list[DueCase]], list[NotificationRequest]]:
    today = to_local(now).date()
    cutoffs = {level: overdue_cutoff(now, days) for level, days in ladder_thresholds().items()}
    admins = district_admins()
    late_days: dict[dt.date, int] = {}

    def build(cases: list[DueCase]) -> list[NotificationRequest]:
        station_staff = staff_by_site({c.site_id for c in cases}, Agent.Kind.STATION_STAFF)
        town_staff = staff_by_site({c.center_id for c in cases}, Agent.Kind.TOWN_STAFF)
        out: list[NotificationRequest] = []
        for case in cases:
            assert case.due_at is not None  # the selector filters on it
            due_day = to_local(case.due_at).date()
            if due_day not in late_days:
                late_days[due_day] = working_days_between(case.due_at, now)
            context = {**case_context(case), "overdue_days": late_days[due_day]}
            prefix = f"case:{case.case_no}"
            if case.due_at < cutoffs["agent"]:
                agent = _agent_of(case, today)
                if agent is not None:
                    out += staff_messages(
                        [agent], key=f"{prefix}:overdue", template="overdue", context=context
                    )
            if case.due_at < cutoffs["station"]:
                out += staff_messages(
                    station_staff.get(case.site_id, []),
                    key=f"{prefix}:escalate:station",
                    template="overdue_station",
                    context=context,
                )
            if case.due_at < cutoffs["town"]:
                town_context = {**context, "site_name": context["town_name"]}
                out += staff_messages(
                    town_staff.get(case.center_id, []),
                    key=f"{prefix}:escalate:town",
                    template="escalation_town",
                    context=town_context,
                )
            if case.due_at < cutoffs["district"]:
                out += staff_messages(
                    admins,
                    key=f"{prefix}:escalate:district",
                    template="escalation_district",
                    context={**context, "site_name": ""},  # the district signature (NOTIFICATIONS_SIGNATURE)
                )
        return out

    return build


# --- Sweeps (called by workflows.reminder_tasks) --------------------------------------------------------


def reminders_due_soon(*, now: dt.datetime | None = None, batch_size: int | None = None) -> SweepResult:
    """Agent: deadline within one working day. Key ``case:<no>:due_soon:<due date>`` (a new one re-arms)."""
    now = now or timezone.now()
    return run_batches(
        name="due_soon", due=due_soon_cases(now), build=_build_due_soon(now), batch_size=batch_size
    )


def reminders_visit_pending(*, now: dt.datetime | None = None, batch_size: int | None = None) -> SweepResult:
    """Agent: still not visited one working day after assignment. Once per (case, assigned agent)."""
    now = now or timezone.now()
    return run_batches(
        name="visit_pending",
        due=visit_pending_cases(now),
        build=_build_visit_pending(now),
        batch_size=batch_size,
    )


def reminders_unassigned(*, now: dt.datetime | None = None, batch_size: int | None = None) -> SweepResult:
    """Station staff: a case still ``new`` after ``UNASSIGNED_ALERT_WORKING_HOURS`` working hours (once)."""
    now = now or timezone.now()
    return run_batches(
        name="unassigned", due=unassigned_cases(now), build=_build_unassigned(now), batch_size=batch_size
    )


def reminders_escalate_overdue(
    *, now: dt.datetime | None = None, batch_size: int | None = None
) -> SweepResult:
    """The ladder: agent → station → town → district, each rung once per case as its threshold passes."""
    now = now or timezone.now()
    return run_batches(
        name="overdue", due=overdue_cases(now), build=_build_ladder(now), batch_size=batch_size
    )


def reminder_sweep(*, now: dt.datetime | None = None, batch_size: int | None = None) -> SweepResult:
    """Every few minutes: deadline warnings, visit reminders, then the registered sweeps (the residents'
    feedback follow-up)."""
    now = now or timezone.now()
    result = SweepResult()
    for sweep in (reminders_due_soon, reminders_visit_pending, *extensions.reminder_sweeps()):
        result.add(sweep(now=now, batch_size=batch_size))
    return result


def escalation_sweep(*, now: dt.datetime | None = None, batch_size: int | None = None) -> SweepResult:
    """Every quarter hour: unassigned too long, and the overdue ladder."""
    now = now or timezone.now()
    result = SweepResult()
    for sweep in (reminders_unassigned, reminders_escalate_overdue):
        result.add(sweep(now=now, batch_size=batch_size))
    return result
