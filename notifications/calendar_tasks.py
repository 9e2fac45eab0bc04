"""Celery task of the holiday-calendar alert (beat entry ``calendar-coverage-alert``).

It sits apart from ``notifications.tasks`` because the alert queues its messages through
``notifications.services``, which publishes ``notifications.tasks``: kept in ``tasks`` it would close an import
loop. The registered name stays ``notifications.tasks.calendar_coverage_alert`` (queued messages and the beat
schedule name it); ``NotificationsConfig.ready`` imports this module so workers register it.
"""

from __future__ import annotations

from celery import shared_task

from notifications import calendar_alerts


@shared_task(
    name="notifications.tasks.calendar_coverage_alert",
    acks_late=True,
    soft_time_limit=50,
    time_limit=58,
    ignore_result=True,
)
def calendar_coverage_alert() -> int:
    """Daily: tell district admins a coming year's holidays are missing (deduped per admin and week)."""
    return calendar_alerts.calendar_coverage_alert()
