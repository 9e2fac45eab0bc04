"""What every reminder sweep shares: settings, working-time cut-offs, recipients, the batch driver."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from agency.models import Agent, Site
from agency.selectors import agent_stand_in
from core.workdays import is_workday, local_tz
from notifications.outbox import NotificationRequest
from notifications.services import notification_enqueue_many
from workflows.models import Case

logger = logging.getLogger(__name__)


# The partial index ``case_open_due_idx`` is defined for exactly these statuses (``Case.Status.OPEN``);
# filtering with the same list lets PostgreSQL use it.
OPEN_STATUSES: list[str] = sorted(Case.Status.OPEN)  # type: ignore[attr-defined]

_DEFAULTS: dict[str, Any] = {
    "UNASSIGNED_ALERT_WORKING_HOURS": 4,
    "REMINDER_ESCALATION_WORKING_DAYS": {"agent": 0, "station": 0, "town": 2, "district": 5},
    "REMINDER_LOOKBACK_DAYS": 30,
    "REMINDER_BATCH_SIZE": 2000,
    "FEEDBACK_FOLLOWUP_WORKING_DAYS": 2,
    "VISIT_REMINDER_WORKING_DAYS": 1,
}
LADDER = ("agent", "station", "town", "district")


def reminder_setting(name: str) -> Any:
    return getattr(settings, name, _DEFAULTS[name])


def ladder_thresholds() -> dict[str, int]:
    """Working days past the deadline at which each rung is told (settings override single rungs)."""
    merged = dict(_DEFAULTS["REMINDER_ESCALATION_WORKING_DAYS"])
    merged.update(reminder_setting("REMINDER_ESCALATION_WORKING_DAYS") or {})
    return {level: int(merged[level]) for level in LADDER}


# --- Working-time cut-offs (computed once per sweep, so the filters are plain indexed ranges) ------------


def to_local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment, local_tz())


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=local_tz())


def overdue_cutoff(now: dt.datetime, working_days: int) -> dt.datetime:
    """The instant ``c`` such that ``due_at < c`` ⇔ ``working_days_between(due_at, now) >= working_days``
    (and the deadline has passed). ``working_days <= 0`` → ``now``."""
    if working_days <= 0:
        return now
    day = to_local(now).date()
    counted = 0
    while counted < working_days:
        if is_workday(day):
            counted += 1
        day -= dt.timedelta(days=1)
    # ``day`` is the latest due date that is ``working_days`` working days behind today.
    return min(now, _midnight(day + dt.timedelta(days=1)))


def working_hours_before(end: dt.datetime, hours: int) -> dt.datetime:
    """The inverse of ``core.workdays.add_working_hours``: the latest start that is ``hours`` working hours
    (24 per working day) before ``end``."""
    current = to_local(end)
    remaining = dt.timedelta(hours=hours)
    while remaining > dt.timedelta(0):
        day_start = _midnight(current.date())
        if current == day_start:
            previous = current.date() - dt.timedelta(days=1)
            if is_workday(previous):
                step = min(remaining, dt.timedelta(days=1))
                current -= step
                remaining -= step
            else:
                current = _midnight(previous)
            continue
        if is_workday(current.date()):
            step = min(remaining, current - day_start)
            current -= step
            remaining -= step
        else:
            current = day_start
    return current


# --- Recipients (one query per kind per batch) ----------------------------------------------------------


@dataclass(slots=True)
class DueCase:
    """What a reminder needs of one case, read as plain values (model instances and phone parsing for
    10,000 rows cost more than the whole rest of the sweep)."""

    id: int
    case_no: str
    site_id: int
    site_name: str
    center_id: int  # the parent center (the site itself when it is a center)
    center_name: str
    matter: str
    address: str
    due_at: dt.datetime | None
    assigned_agent_id: int | None
    resident_phone: str
    feedback_due_at: dt.datetime | None
    agent: Agent | None = None


_DUE_FIELDS = (
    "id",
    "case_no",
    "site_id",
    "site__name",
    "site__parent_id",
    "site__parent__name",
    "matter__name",
    "address",
    "due_at",
    "assigned_agent_id",
    "phone_text",
    "feedback_due_at",
)


def load_due_cases(due: QuerySet[Case], ids: list[int]) -> list[DueCase]:
    """The cases of one batch (re-filtered by ``due``) with their assigned agents, in two queries."""
    rows = (
        due.filter(pk__in=ids)
        .annotate(phone_text=Cast("resident_phone", CharField()))
        .order_by("id")
        .values_list(*_DUE_FIELDS)
    )
    cases = [
        DueCase(
            id=r[0],
            case_no=r[1],
            site_id=r[2],
            site_name=r[3],
            center_id=r[4] or r[2],
            center_name=r[5] or r[3],
            matter=r[6],
            address=r[7],
            due_at=r[8],
            assigned_agent_id=r[9],
            resident_phone=r[10] or "",
            feedback_due_at=r[11],
        )
        for r in rows
    ]
    agent_ids = {c.assigned_agent_id for c in cases if c.assigned_agent_id}
    if agent_ids:
        agents = Agent.objects.select_related("backup").in_bulk(list(agent_ids))
        for case in cases:
            case.agent = agents.get(case.assigned_agent_id) if case.assigned_agent_id else None
    return cases


def case_context(case: DueCase) -> dict[str, Any]:
    return {
        "case_no": case.case_no,
        "matter": case.matter,
        "site_name": case.site_name,
        "station_name": case.site_name,
        "town_name": case.center_name,
        "address": case.address,
        "due_date": to_local(case.due_at).strftime("%Y-%m-%d") if case.due_at else "",
        "agent_name": case.agent.name if case.agent else "未分派",
    }


# --- Batch driver ---------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    """What one sweep did: due cases read, outbox rows queued (new dedupe keys), batches."""

    cases: int = 0
    queued: int = 0
    batches: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, other: SweepResult) -> None:
        self.cases += other.cases
        self.queued += other.queued
        self.batches += other.batches
        for k, v in other.by_kind.items():
            self.by_kind[k] = self.by_kind.get(k, 0) + v

    def as_dict(self) -> dict[str, Any]:
        return {"cases": self.cases, "queued": self.queued, "batches": self.batches, **self.by_kind}


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def run_batches(
    *,
    name: str,
    due: QuerySet[Case],
    build: Callable[[list[DueCase]], list[NotificationRequest]],
    batch_size: int | None = None,
) -> SweepResult:
    """Read the due ids (index only), then per batch: re-read the cases (same filter, so a case that changed
    meanwhile drops out) with their relations, build the messages and queue them in one transaction."""
    size = int(batch_size or reminder_setting("REMINDER_BATCH_SIZE"))
    ids = list(due.order_by().values_list("id", flat=True))
    result = SweepResult(cases=len(ids))
    ids.sort()
    for chunk in _chunks(ids, size):
        cases = load_due_cases(due, chunk)
        # One transaction per batch (notification_enqueue_many is atomic): a failure loses one batch's work,
        # which the next run redoes.
        result.queued += notification_enqueue_many(messages=build(cases))
        result.batches += 1
    result.by_kind[name] = result.queued
    if result.queued:
        logger.info("reminders: %s queued %s messages for %s cases", name, result.queued, result.cases)
    return result


def all_site_ids() -> list[int]:
    return list(Site.objects.order_by("id").values_list("id", flat=True))


def lookback(now: dt.datetime) -> dt.timedelta:
    return dt.timedelta(days=int(reminder_setting("REMINDER_LOOKBACK_DAYS")))


def _agent_of(case: DueCase, today: dt.date) -> Agent | None:
    return agent_stand_in(case.agent, today=today) if case.agent is not None else None
