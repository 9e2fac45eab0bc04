"""Is the working-day calendar filled in far enough ahead? (``chinesecalendar`` stops at 2026.)

A year counts as covered when ``CalendarDay`` has rows for it (staff imported or entered it) or the package
knows it. Two questions are asked of it:

- ``uncovered_years(today)``: years touched by the next ``CALENDAR_COVERAGE_DAYS`` (60) days that are not
  covered — the dashboard and admin banner (due dates there are being computed on plain weekends).
- ``years_to_alert(today)``: the same, plus next year from 1 December on (the State Council publishes the
  schedule in November; deadlines of cases opened in December already reach into January) — the beat task
  that alerts district admins.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from core.workdays import year_known

ALERT_FROM_MONTH = 12  # from 1 December the coming year must be entered


def coverage_days() -> int:
    return int(getattr(settings, "CALENDAR_COVERAGE_DAYS", 60))


def uncovered_years(*, today: dt.date | None = None, days: int | None = None) -> list[int]:
    """Years within ``today .. today + days`` whose holidays nobody has entered (ascending)."""
    today = today or timezone.localdate()
    end = today + dt.timedelta(days=coverage_days() if days is None else days)
    return [year for year in range(today.year, end.year + 1) if not year_known(year)]


def years_to_alert(*, today: dt.date | None = None) -> list[int]:
    """Years district admins must be told about today: uncovered soon, or next year from 1 December."""
    today = today or timezone.localdate()
    years = set(uncovered_years(today=today))
    if today.month >= ALERT_FROM_MONTH and not year_known(today.year + 1):
        years.add(today.year + 1)
    return sorted(years)


def coverage_banner(*, today: dt.date | None = None) -> str:
    """The banner text for staff pages, or ``""`` when the next days are covered."""
    years = uncovered_years(today=today)
    if not years:
        return ""
    named = "、".join(f"{y}年" for y in years)
    return (
        f"未来{coverage_days()}天内的{named}节假日安排尚未录入：到期日正按普通周末计算。"
        "请在管理后台“节假日/调休”中导入国务院公布的放假安排。"
    )
