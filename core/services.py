"""Writes of the core app: calendar maintenance and audit records."""

import datetime as dt
from typing import Any

from django.db import transaction

from core import workdays
from core.models import AuditLog, CalendarDay, User


@transaction.atomic
def calendar_day_set(*, day: dt.date, is_workday: bool, name: str = "") -> CalendarDay:
    """Record a holiday or make-up workday; takes effect in this process at once."""
    obj, _ = CalendarDay.objects.get_or_create(date=day, defaults={"is_workday": is_workday, "name": name})
    obj.is_workday = is_workday
    obj.name = name
    obj.full_clean()
    obj.save()
    transaction.on_commit(workdays.clear_cache)
    return obj


@transaction.atomic
def calendar_seed(*, years: list[int] | None = None) -> int:
    """Copy ``chinesecalendar``'s holidays and make-up workdays into ``CalendarDay`` (idempotent).

    Only weekday holidays and weekend workdays are stored: the rest follow the weekday rule.
    Returns the number of rows created.
    """
    import chinese_calendar

    names: dict[dt.date, str] = {}
    detail = getattr(chinese_calendar, "get_holiday_detail", None)
    created = 0
    wanted = set(years) if years else None
    rows: list[CalendarDay] = []
    for day in sorted(chinese_calendar.holidays):
        if day.weekday() < 5 and (wanted is None or day.year in wanted):
            if detail:
                names[day] = str(detail(day)[1] or "")
            rows.append(CalendarDay(date=day, is_workday=False, name=names.get(day, "")))
    for day in sorted(chinese_calendar.workdays):
        if day.weekday() >= 5 and (wanted is None or day.year in wanted):
            rows.append(CalendarDay(date=day, is_workday=True, name="调休上班"))
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    new_rows = [row for row in rows if row.date not in existing]
    CalendarDay.objects.bulk_create(new_rows, batch_size=500)
    created = len(new_rows)
    transaction.on_commit(workdays.clear_cache)
    return created


def audit_log(
    *,
    actor: User | None,
    action: str,
    target_type: str = "",
    target_id: str = "",
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one audit row (part of the caller's transaction when there is one)."""
    row = AuditLog(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        ip=ip,
        detail=detail or {},
    )
    row.full_clean()
    row.save()
    return row
