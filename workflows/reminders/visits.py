"""Reminders of an agreed home visit (queued as future outbox rows, cancelled when the time changes)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from agency.selectors import agent_public_phone, agent_stand_in
from core.workdays import local_tz
from notifications.outbox import NotificationRequest
from notifications.services import notification_enqueue_many
from notifications.staff import staff_messages
from workflows.models import Case
from workflows.reminders.base import to_local

logger = logging.getLogger(__name__)


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
    from notifications.outbox import quiet_hours_release

    now = timezone.now()
    local_visit = to_local(visit_at)
    if visit_at <= now or case.assigned_agent is None:
        return 0
    agent = agent_stand_in(case.assigned_agent, today=to_local(now).date())
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
