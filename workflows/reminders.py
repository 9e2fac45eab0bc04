"""Reminders, deadline warnings, the escalation ladder and the daily digest (the sweeps behind Celery beat).

What is sent, to whom (templates in ``notifications.templates_registry``):

- Agent (the assigned agent, or their AB岗 stand-in while away): ``visit_pending`` on the working day after
  assignment while the case is still ``assigned`` (cases carry no scheduled visit time, so "visit due" means
  "not visited one working day after assignment"); ``due_soon`` when the deadline is at most one working day
  away; ``overdue`` once the deadline has passed (the first rung of the ladder).
- Resident: ``feedback_followup`` once, ``FEEDBACK_FOLLOWUP_WORKING_DAYS`` after completion, if the feedback
  request went out, no rating came and the feedback window is still open.
- Station staff of the case's site: ``unassigned_too_long`` after ``UNASSIGNED_ALERT_WORKING_HOURS`` working
  hours in ``new``; ``overdue_station`` (ladder); ``daily_digest`` (one per station per working day).
- Escalation ladder, thresholds in working days past the deadline (``REMINDER_ESCALATION_WORKING_DAYS``):
  agent (0) → station staff (0) → town staff of the parent center (2) → district admins (5).

Staff get an SMS (work mobile) and an in-app row (login) each. Every message has a deterministic dedupe key
(``case:<no>:due_soon:<due date>``, ``case:<no>:escalate:town:agent:<id>:sms``, …), so a sweep run twice, also
concurrently, sends nothing twice: the outbox's unique key is the only gate.

Cost grows with the due rows, not the table: each sweep first reads the ids of due cases through an index
(the partial ``case_open_due_idx`` on ``due_at`` of open cases, whose predicate the ``status IN (…)`` filters
repeat exactly; ``(site, status)`` for ``new``/``assigned``/``completed``; ``created_at``), bounded by a
look-back window (``REMINDER_LOOKBACK_DAYS``: a case past every threshold for longer than that was handled by
earlier runs and is not read again), then handles them in batches: one query for the cases (plain values with
site, center and matter names), one for their agents, one per recipient kind for the staff of all sites in
the batch, and a fixed handful for the outbox insert (``notification_enqueue_many``), each batch in its own
transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from agency.models import Agent, Site
from agency.selectors import agent_public_phone, agent_stand_in
from core.workdays import add_working_days, is_workday, local_tz, working_days_between
from notifications.services import NotificationRequest, notification_enqueue_many
from workflows.models import Case, CaseEvent
from workflows.resident_models import Rating

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


def _setting(name: str) -> Any:
    return getattr(settings, name, _DEFAULTS[name])


def ladder_thresholds() -> dict[str, int]:
    """Working days past the deadline at which each rung is told (settings override single rungs)."""
    merged = dict(_DEFAULTS["REMINDER_ESCALATION_WORKING_DAYS"])
    merged.update(_setting("REMINDER_ESCALATION_WORKING_DAYS") or {})
    return {level: int(merged[level]) for level in LADDER}


# --- Working-time cut-offs (computed once per sweep, so the filters are plain indexed ranges) ------------


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment, local_tz())


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=local_tz())


def overdue_cutoff(now: dt.datetime, working_days: int) -> dt.datetime:
    """The instant ``c`` such that ``due_at < c`` ⇔ ``working_days_between(due_at, now) >= working_days``
    (and the deadline has passed). ``working_days <= 0`` → ``now``."""
    if working_days <= 0:
        return now
    day = _local(now).date()
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
    current = _local(end)
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


def staff_by_site(site_ids: Iterable[int], kind: str) -> dict[int, list[Agent]]:
    """Active agents of ``kind`` serving each of ``site_ids``, in one query."""
    ids = set(site_ids)
    out: dict[int, list[Agent]] = defaultdict(list)
    if not ids:
        return out
    through = Agent.sites.through
    rows = (
        through.objects.filter(site_id__in=ids, agent__kind=kind, agent__is_active=True)
        .select_related("agent")
        .order_by("agent_id")
    )
    for row in rows:
        out[row.site_id].append(row.agent)
    return out


def district_admins() -> list[Agent]:
    return list(Agent.objects.filter(kind=Agent.Kind.DISTRICT_ADMIN, is_active=True).order_by("id"))


def _phone(agent: Agent) -> str:
    """The agent's mobile in E.164, formatted once per instance (formatting is not free at 10,000 rows)."""
    cached = getattr(agent, "_reminder_phone", None)
    if cached is None:
        phone = agent.phone
        cached = str(phone.as_e164 if hasattr(phone, "as_e164") else phone) if phone else ""
        agent._reminder_phone = cached  # type: ignore[attr-defined]
    return cached


def staff_messages(
    agents: Iterable[Agent], *, key: str, template: str, context: dict[str, Any]
) -> list[NotificationRequest]:
    """An SMS (if the agent has a mobile) and an in-app row (if they have a login) for each agent."""
    out: list[NotificationRequest] = []
    for agent in agents:
        if _phone(agent):
            out.append(
                NotificationRequest(
                    dedupe_key=f"{key}:agent:{agent.pk}:sms",
                    template=template,
                    context=context,
                    recipient_phone=_phone(agent),
                    recipient_user_id=agent.user_id,
                    channel="sms",
                    audience="staff",
                )
            )
        if agent.user_id:
            out.append(
                NotificationRequest(
                    dedupe_key=f"{key}:agent:{agent.pk}:inapp",
                    template=template,
                    context=context,
                    recipient_user_id=agent.user_id,
                    channel="inapp",
                    audience="staff",
                )
            )
    return out


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


def _case_context(case: DueCase) -> dict[str, Any]:
    return {
        "case_no": case.case_no,
        "matter": case.matter,
        "site_name": case.site_name,
        "station_name": case.site_name,
        "town_name": case.center_name,
        "address": case.address,
        "due_date": _local(case.due_at).strftime("%Y-%m-%d") if case.due_at else "",
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


def _run_batches(
    *,
    name: str,
    due: QuerySet[Case],
    build: Callable[[list[DueCase]], list[NotificationRequest]],
    batch_size: int | None = None,
) -> SweepResult:
    """Read the due ids (index only), then per batch: re-read the cases (same filter, so a case that changed
    meanwhile drops out) with their relations, build the messages and queue them in one transaction."""
    size = int(batch_size or _setting("REMINDER_BATCH_SIZE"))
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


def _lookback(now: dt.datetime) -> dt.timedelta:
    return dt.timedelta(days=int(_setting("REMINDER_LOOKBACK_DAYS")))


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
        status__in=OPEN_STATUSES, due_at__lt=now, due_at__gte=last_rung - _lookback(now)
    )


def _all_site_ids() -> list[int]:
    return list(Site.objects.order_by("id").values_list("id", flat=True))


def unassigned_cases(now: dt.datetime) -> QuerySet[Case]:
    """``new`` cases older than N working hours (``created_at`` index, bounded by the look-back window)."""
    cutoff = working_hours_before(now, int(_setting("UNASSIGNED_ALERT_WORKING_HOURS")))
    return Case.objects.filter(
        status=Case.Status.NEW, created_at__lte=cutoff, created_at__gte=cutoff - _lookback(now)
    )


def visit_pending_cases(now: dt.datetime) -> QuerySet[Case]:
    """``assigned`` (not yet visited) cases whose last assignment is at least one working day old.

    ``site IN (…) AND status = 'assigned'`` walks the ``(site, status)`` index; the assignment time is the
    latest ``assigned``/``reassigned_backup`` event (``(case, at)`` index).
    """
    cutoff = overdue_cutoff(now, int(_setting("VISIT_REMINDER_WORKING_DAYS")))
    assigned_at = (
        CaseEvent.objects.filter(case=OuterRef("pk"), kind__in=["assigned", "reassigned_backup"])
        .order_by()
        .values("case")
        .annotate(last=Max("at"))
        .values("last")
    )
    return (
        Case.objects.filter(
            site_id__in=_all_site_ids(), status=Case.Status.ASSIGNED, assigned_agent__isnull=False
        )
        .annotate(assigned_at=Subquery(assigned_at))
        .filter(assigned_at__lt=cutoff, assigned_at__gte=cutoff - _lookback(now))
    )


def feedback_followup_cases(now: dt.datetime) -> QuerySet[Case]:
    """Completed, unrated cases completed N working days ago whose feedback window is still open."""
    cutoff = overdue_cutoff(now, int(_setting("FEEDBACK_FOLLOWUP_WORKING_DAYS")))
    return (
        Case.objects.filter(
            site_id__in=_all_site_ids(),
            status=Case.Status.COMPLETED,
            completed_at__lt=cutoff,
            completed_at__gte=cutoff - _lookback(now),
            feedback_due_at__gt=now,
        )
        .annotate(rated=Exists(Rating.objects.filter(case=OuterRef("pk"))))
        .filter(rated=False)
    )


# --- Message builders -----------------------------------------------------------------------------------


def _agent_of(case: DueCase, today: dt.date) -> Agent | None:
    return agent_stand_in(case.agent, today=today) if case.agent is not None else None


def _build_due_soon(now: dt.datetime) -> Callable[[list[DueCase]], list[NotificationRequest]]:
    today = _local(now).date()

    def build(cases: list[DueCase]) -> list[NotificationRequest]:
        out: list[NotificationRequest] = []
        for case in cases:
            agent = _agent_of(case, today)
            if agent is None:
                continue
            context = _case_context(case)
            out += staff_messages(
                [agent],
                key=f"case:{case.case_no}:due_soon:{context['due_date']}",
                template="due_soon",
                context=context,
            )
        return out

    return build


def _build_visit_pending(now: dt.datetime) -> Callable[[list[DueCase]], list[NotificationRequest]]:
    today = _local(now).date()

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
                context=_case_context(case),
            )
        return out

    return build


def _build_feedback_followup(now: dt.datetime) -> Callable[[list[DueCase]], list[NotificationRequest]]:
    from notifications.models import Notification

    def build(cases: list[DueCase]) -> list[NotificationRequest]:
        # Follow up only on a request that really went out (one query per batch).
        requested = set(
            Notification.objects.filter(
                dedupe_key__in=[f"case:{c.case_no}:feedback" for c in cases], status=Notification.Status.SENT
            ).values_list("dedupe_key", flat=True)
        )
        out: list[NotificationRequest] = []
        for case in cases:
            if f"case:{case.case_no}:feedback" not in requested:
                continue
            context = _case_context(case)
            context["feedback_due"] = (
                _local(case.feedback_due_at).strftime("%Y-%m-%d") if case.feedback_due_at else ""
            )
            out.append(
                NotificationRequest(
                    dedupe_key=f"case:{case.case_no}:feedback_followup",
                    template="feedback_followup",
                    context=context,
                    recipient_phone=case.resident_phone,
                    channel="sms",
                    audience="resident",
                )
            )
        return out

    return build


def _build_unassigned(now: dt.datetime) -> Callable[[list[DueCase]], list[NotificationRequest]]:
    hours = int(_setting("UNASSIGNED_ALERT_WORKING_HOURS"))

    def build(cases: list[DueCase]) -> list[NotificationRequest]:
        staff = staff_by_site({c.site_id for c in cases}, Agent.Kind.STATION_STAFF)
        out: list[NotificationRequest] = []
        for case in cases:
            context = {**_case_context(case), "hours": hours}
            out += staff_messages(
                staff.get(case.site_id, []),
                key=f"case:{case.case_no}:unassigned",
                template="unassigned_too_long",
                context=context,
            )
        return out

    return build


def _build_ladder(now: dt.datetime) -> Callable[[list[DueCase]], list[NotificationRequest]]:
    today = _local(now).date()
    cutoffs = {level: overdue_cutoff(now, days) for level, days in ladder_thresholds().items()}
    admins = district_admins()
    late_days: dict[dt.date, int] = {}

    def build(cases: list[DueCase]) -> list[NotificationRequest]:
        station_staff = staff_by_site({c.site_id for c in cases}, Agent.Kind.STATION_STAFF)
        town_staff = staff_by_site({c.center_id for c in cases}, Agent.Kind.TOWN_STAFF)
        out: list[NotificationRequest] = []
        for case in cases:
            assert case.due_at is not None  # the selector filters on it
            due_day = _local(case.due_at).date()
            if due_day not in late_days:
                late_days[due_day] = working_days_between(case.due_at, now)
            context = {**_case_context(case), "overdue_days": late_days[due_day]}
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
    return _run_batches(
        name="due_soon", due=due_soon_cases(now), build=_build_due_soon(now), batch_size=batch_size
    )


def reminders_visit_pending(*, now: dt.datetime | None = None, batch_size: int | None = None) -> SweepResult:
    """Agent: still not visited one working day after assignment. Once per (case, assigned agent)."""
    now = now or timezone.now()
    return _run_batches(
        name="visit_pending",
        due=visit_pending_cases(now),
        build=_build_visit_pending(now),
        batch_size=batch_size,
    )


def reminders_feedback_followup(
    *, now: dt.datetime | None = None, batch_size: int | None = None
) -> SweepResult:
    """Resident: the one feedback follow-up (key ``case:<no>:feedback_followup``, never a second one)."""
    now = now or timezone.now()
    return _run_batches(
        name="feedback_followup",
        due=feedback_followup_cases(now),
        build=_build_feedback_followup(now),
        batch_size=batch_size,
    )


def reminders_unassigned(*, now: dt.datetime | None = None, batch_size: int | None = None) -> SweepResult:
    """Station staff: a case still ``new`` after ``UNASSIGNED_ALERT_WORKING_HOURS`` working hours (once)."""
    now = now or timezone.now()
    return _run_batches(
        name="unassigned", due=unassigned_cases(now), build=_build_unassigned(now), batch_size=batch_size
    )


def reminders_escalate_overdue(
    *, now: dt.datetime | None = None, batch_size: int | None = None
) -> SweepResult:
    """The ladder: agent → station → town → district, each rung once per case as its threshold passes."""
    now = now or timezone.now()
    return _run_batches(
        name="overdue", due=overdue_cases(now), build=_build_ladder(now), batch_size=batch_size
    )


def reminder_sweep(*, now: dt.datetime | None = None, batch_size: int | None = None) -> SweepResult:
    """Every few minutes: deadline warnings, visit reminders, the feedback follow-up."""
    now = now or timezone.now()
    result = SweepResult()
    for sweep in (reminders_due_soon, reminders_visit_pending, reminders_feedback_followup):
        result.add(sweep(now=now, batch_size=batch_size))
    return result


def escalation_sweep(*, now: dt.datetime | None = None, batch_size: int | None = None) -> SweepResult:
    """Every quarter hour: unassigned too long, and the overdue ladder."""
    now = now or timezone.now()
    result = SweepResult()
    for sweep in (reminders_unassigned, reminders_escalate_overdue):
        result.add(sweep(now=now, batch_size=batch_size))
    return result


def station_digest_counts(now: dt.datetime) -> dict[int, dict[str, int]]:
    """Per site with open cases: open, due today, overdue, unassigned (one grouped query over open cases)."""
    end_of_today = _midnight(_local(now).date() + dt.timedelta(days=1))
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
    today = _local(now).date()
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


# --- Scheduled visits (for the service that records an agreed visit time) ---------------------------------

VISIT_DAY_BEFORE_HOUR = 18  # the evening before: after work, well before the 21:00 quiet hours


@transaction.atomic
def visit_reminders_schedule(*, case: Case, visit_at: dt.datetime) -> int:
    """Queue the reminders of an agreed home visit as future outbox rows (``send_after``); returns how many.

    ``Case`` has no visit-time field yet: whoever adds the "schedule visit" action calls this in its
    transaction (and ``visit_reminders_cancel`` first when the time changes). Messages:

    - resident ``visit_scheduled_day_before`` at 18:00 the day before (sent at once if that is past and the
      visit is more than 3 h away); resident ``visit_scheduled_2h`` two hours before, skipped when quiet
      hours would hold it to less than an hour before the visit, or the moment has passed;
    - agent (or stand-in) ``visit_due_tomorrow`` at 18:00 the day before (SMS + in-app).

    Keys ``case:<no>:visit:<YYYYmmddHHMM>:…``: scheduling the same time twice queues nothing twice.
    """
    from notifications.services import quiet_hours_release

    now = timezone.now()
    local_visit = _local(visit_at)
    if visit_at <= now or case.assigned_agent is None:
        return 0
    agent = agent_stand_in(case.assigned_agent, today=_local(now).date())
    context = {
        "case_no": case.case_no,
        "matter": case.matter.name,
        "site_name": case.site.name,
        "address": case.address,
        "agent_name": agent.name,
        "agent_phone": agent_public_phone(agent, case.site),
        "visit_time": f"{local_visit:%H:%M}",
    }
    key = f"case:{case.case_no}:visit:{local_visit:%Y%m%d%H%M}"
    day_before = dt.datetime.combine(
        local_visit.date() - dt.timedelta(days=1), dt.time(VISIT_DAY_BEFORE_HOUR), tzinfo=local_tz()
    )
    messages: list[NotificationRequest] = []
    if day_before > now or visit_at - now > dt.timedelta(hours=3):
        resident_day_before = max(day_before, now)
        messages.append(
            NotificationRequest(
                dedupe_key=f"{key}:day_before",
                template="visit_scheduled_day_before",
                context=context,
                recipient_phone=str(case.resident_phone),
                send_after=resident_day_before,
            )
        )
        messages += [
            replace(m, send_after=resident_day_before)
            for m in staff_messages(
                [agent], key=f"{key}:agent", template="visit_due_tomorrow", context=context
            )
        ]
    two_hours = visit_at - dt.timedelta(hours=2)
    if two_hours > now and quiet_hours_release(two_hours) <= visit_at - dt.timedelta(hours=1):
        messages.append(
            NotificationRequest(
                dedupe_key=f"{key}:2h",
                template="visit_scheduled_2h",
                context=context,
                recipient_phone=str(case.resident_phone),
                send_after=two_hours,
            )
        )
    return notification_enqueue_many(messages=messages)


def visit_reminders_cancel(*, case: Case) -> int:
    """Cancel the still-pending reminders of the case's scheduled visit(s) (rescheduled or visited)."""
    from notifications.services import notifications_cancel

    return notifications_cancel(dedupe_key_prefix=f"case:{case.case_no}:visit:")
