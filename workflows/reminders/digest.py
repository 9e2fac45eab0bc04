"""The station's daily digest (one per station per working day)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Count, Q
from django.utils import timezone

from agency.models import Agent, Site
from core.workdays import is_workday
from notifications.outbox import NotificationRequest
from notifications.services import notification_enqueue_many
from notifications.staff import staff_messages
from workflows.models import Case
from workflows.recipients import staff_by_site
from workflows.reminders.base import (
    OPEN_STATUSES,
    SweepResult,
    _midnight,
    to_local,
)

logger = logging.getLogger(__name__)


def station_digest_counts(now: dt.datetime) -> dict[int, dict[str, int]]:
    """Per site with open cases: open, due today, overdue, unassigned (one grouped query over open cases)."""
    end_of_today = _midnight(to_local(now).date() + dt.timedelta(days=1))
    rows = (
        Case.objects.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("site_id")
        .annotate(
            open=Count("id"),
            due_today=Count("id", filter=Q(due_at__gte=now, due_at__lt=end_of_today)),
            overdue=Count("id", filter=Q(due_at__lt=now)),
            unassigned=Count("id", filter=Q(status=Case.Status.NEW)),
        )
    )
    return {
        row["site_id"]: {k: row[k] for k in ("open", "due_today", "overdue", "unassigned")} for row in rows
    }


def daily_digest(*, now: dt.datetime | None = None, force: bool = False) -> SweepResult:
    """One digest per station per working day to its staff (key ``digest:<site>:<date>:…``).

    Skipped on days off unless ``force`` (staff read it at work; Monday's digest covers the weekend).
    """
    now = now or timezone.now()
    today = to_local(now).date()
    result = SweepResult()
    if not force and not is_workday(today):
        result.by_kind["digest"] = 0
        return result
    counts = station_digest_counts(now)
    sites = {s.pk: s for s in Site.objects.filter(pk__in=list(counts))}
    staff = staff_by_site(counts, Agent.Kind.STATION_STAFF)
    messages: list[NotificationRequest] = []
    for site_id, numbers in sorted(counts.items()):
        site = sites[site_id]
        context = {"site_name": site.name, "date": today, **numbers}
        messages += staff_messages(
            staff.get(site_id, []),
            key=f"digest:{site.code}:{today:%Y-%m-%d}",
            template="daily_digest",
            context=context,
        )
    result.queued = notification_enqueue_many(messages=messages)
    result.cases = sum(n["open"] for n in counts.values())
    result.batches = 1
    result.by_kind["digest"] = result.queued
    return result
