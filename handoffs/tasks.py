"""Celery task of hand-offs: the reminder sweep (beat entry ``handoffs-remind`` in config/settings/base.py).

Idempotent: each reminder has its own dedupe key and the hand-off row is locked while it advances.
The outbound message itself is an outbox row: ``notifications.tasks`` sends and retries it.
"""

from __future__ import annotations

from celery import shared_task

from core.task_options import RETRY_OPTIONS
from handoffs.services import handoff_remind_due


@shared_task(
    name="handoffs.tasks.remind_overdue_handoffs",
    soft_time_limit=240,
    time_limit=280,
    **RETRY_OPTIONS,
)
def remind_overdue_handoffs() -> int:
    """Remind the station of hand-offs without an outcome past their reminder time."""
    return handoff_remind_due()
