"""Alert district admins that next year's holidays are not entered (in-app and SMS, through the outbox).

``chinesecalendar`` stops at 2026; from 2027 every weekday counts as a working day until someone imports
the State Council's schedule (``manage.py import_calendar`` or the admin's 导入放假安排 page). The beat task
``calendar_coverage_alert`` runs daily; ``core.calendar_coverage.years_to_alert`` says which years are
missing (the next 60 days, and next year from 1 December). Each admin gets one in-app notice and one SMS
per missing year and ISO week (dedupe key), so a daily run never repeats itself and a neglected gap is
raised again the next week.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from agency.models import Agent
from core.calendar_coverage import years_to_alert
from notifications.models import Notification
from notifications.services import notification_enqueue

TEMPLATE = "calendar_missing"


def _recipients() -> list[tuple[int, str]]:
    """(user id, phone) of every active district admin; superusers without an agent profile get in-app only."""
    agents = Agent.objects.filter(kind=Agent.Kind.DISTRICT_ADMIN, is_active=True, user__isnull=False)
    rows = [(int(a.user_id), str(a.phone) if a.phone else "") for a in agents.order_by("id") if a.user_id]
    seen = {user_id for user_id, _ in rows}
    superusers = (
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .exclude(pk__in=seen)
        .filter(agent__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return rows + [(int(pk), "") for pk in superusers]


@transaction.atomic
def calendar_coverage_alert(*, today: dt.date | None = None) -> int:
    """Queue the alerts due today; returns how many outbox rows are new (0 when covered or already told)."""
    today = today or timezone.localdate()
    years = years_to_alert(today=today)
    if not years:
        return 0
    iso_year, iso_week, _ = today.isocalendar()
    before = Notification.objects.filter(template=TEMPLATE).count()
    for year in years:
        for user_id, phone in _recipients():
            key = f"calendar:{year}:missing:{iso_year}w{iso_week:02d}:user:{user_id}"
            context = {"year": str(year)}
            notification_enqueue(
                dedupe_key=f"{key}:inapp",
                template=TEMPLATE,
                context=context,
                recipient_user_id=user_id,
                channel="inapp",
                audience="staff",
            )
            if phone:
                notification_enqueue(
                    dedupe_key=f"{key}:sms",
                    template=TEMPLATE,
                    context=context,
                    recipient_phone=phone,
                    recipient_user_id=user_id,
                    audience="staff",
                )
    return Notification.objects.filter(template=TEMPLATE).count() - before
