"""Reminders, deadline warnings, the escalation ladder and the daily digest (the sweeps behind Celery beat).

What is sent, to whom (templates in ``notifications.templates_registry``):

- Agent (the assigned agent, or their AB岗 stand-in while away): ``visit_pending`` on the working day after
  assignment while the case is still ``assigned`` (cases carry no scheduled visit time, so "visit due" means
  "not visited one working day after assignment"); ``due_soon`` when the deadline is at most one working day
  away; ``overdue`` once the deadline has passed (the first rung of the ladder).
- Resident: ``feedback_followup`` (``residents.reminders``, run by ``reminder_sweep`` through
  ``workflows.extensions``).
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

One module per sweep family: ``base`` (cut-offs, recipients, the batch driver), ``deadlines``, ``digest``,
``visits``; this package re-exports what callers use.
"""

from workflows.recipients import district_admins, staff_by_site
from workflows.reminders.base import (
    LADDER,
    OPEN_STATUSES,
    DueCase,
    SweepResult,
    ladder_thresholds,
    load_due_cases,
    overdue_cutoff,
    working_hours_before,
)
from workflows.reminders.deadlines import (
    due_soon_cases,
    escalation_sweep,
    overdue_cases,
    reminder_sweep,
    reminders_due_soon,
    reminders_escalate_overdue,
    reminders_unassigned,
    reminders_visit_pending,
    unassigned_cases,
    visit_pending_cases,
)
from workflows.reminders.digest import daily_digest, station_digest_counts
from workflows.reminders.visits import VISIT_DAY_BEFORE_HOUR, visit_reminders_cancel, visit_reminders_schedule

__all__ = [
    "LADDER",
    "OPEN_STATUSES",
    "VISIT_DAY_BEFORE_HOUR",
    "DueCase",
    "SweepResult",
    "daily_digest",
    "district_admins",
    "due_soon_cases",
    "escalation_sweep",
    "ladder_thresholds",
    "load_due_cases",
    "overdue_cases",
    "overdue_cutoff",
    "reminder_sweep",
    "reminders_due_soon",
    "reminders_escalate_overdue",
    "reminders_unassigned",
    "reminders_visit_pending",
    "staff_by_site",
    "station_digest_counts",
    "unassigned_cases",
    "visit_pending_cases",
    "visit_reminders_cancel",
    "visit_reminders_schedule",
    "working_hours_before",
]
