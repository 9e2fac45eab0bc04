"""Celery tasks for case reminders, the overdue escalation ladder and the daily digest.

Beat entries: ``config/settings/base.py`` (``CELERY_BEAT_SCHEDULE``). The logic lives in
``workflows.reminders``; these wrappers only add time limits and retries. Every task is idempotent and safe
to run twice at once: each message has a deterministic dedupe key and the outbox inserts with
``ON CONFLICT DO NOTHING``.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from core.task_options import RETRY_OPTIONS
from workflows import reminders


@shared_task(
    name="workflows.reminder_tasks.reminder_sweep", soft_time_limit=240, time_limit=280, **RETRY_OPTIONS
)
def reminder_sweep() -> dict[str, Any]:
    """Agent: due in 1 working day, visit pending; resident: the one feedback follow-up."""
    return reminders.reminder_sweep().as_dict()


@shared_task(
    name="workflows.reminder_tasks.escalation_sweep", soft_time_limit=600, time_limit=660, **RETRY_OPTIONS
)
def escalation_sweep() -> dict[str, Any]:
    """Station: unassigned too long; overdue ladder agent → station → town → district."""
    return reminders.escalation_sweep().as_dict()


@shared_task(
    name="workflows.reminder_tasks.daily_digest", soft_time_limit=240, time_limit=280, **RETRY_OPTIONS
)
def daily_digest() -> dict[str, Any]:
    """One digest per station per working day (a second run the same day queues nothing)."""
    return reminders.daily_digest().as_dict()
