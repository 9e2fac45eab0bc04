"""Chinese working days: official holidays and make-up workdays (调休).

Source of truth is the admin-editable ``CalendarDay`` table (seeded from ``chinesecalendar`` for the
years it knows, see ``calendar_seed``). For a year the table has no rows for, ``chinesecalendar`` is asked;
for a year neither knows (``chinesecalendar`` 1.11 stops at 2026) plain weekends apply and a warning is
logged once per year. Nothing here raises for a date.

Per-process cache: a year's exceptions are loaded once and kept for ``_TTL`` seconds, and cleared at once
in this process by ``clear_cache()`` (called by the calendar services).
"""

import datetime as dt
import logging
import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

_TTL = 300.0
_year_cache: dict[int, tuple[float, dict[dt.date, bool] | None]] = {}
_warned_years: set[int] = set()


def clear_cache() -> None:
    _year_cache.clear()


def _package_year(year: int) -> dict[dt.date, bool] | None:
    """Exceptions for ``year`` from chinesecalendar, or None when it does not know the year."""
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover - the package is a dependency
        return None
    days: dict[dt.date, bool] = {}
    for holiday in chinese_calendar.holidays:
        if holiday.year == year and holiday.weekday() < 5:
            days[holiday] = False
    for workday in chinese_calendar.workdays:
        if workday.year == year and workday.weekday() >= 5:
            days[workday] = True
    return days or None


def _year_exceptions(year: int) -> dict[dt.date, bool] | None:
    cached = _year_cache.get(year)
    now = time.monotonic()
    if cached and now - cached[0] < _TTL:
        return cached[1]
    from core.models import CalendarDay

    rows = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday"))
    exceptions: dict[dt.date, bool] | None = rows or _package_year(year)
    if exceptions is None and year not in _warned_years:
        _warned_years.add(year)
        logger.warning("No holiday calendar for %s: falling back to plain weekends", year)
    _year_cache[year] = (now, exceptions)
    return exceptions


def is_workday(day: dt.date) -> bool:
    exceptions = _year_exceptions(day.year) or {}
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """Deadline ``days`` working days after ``start``: the end (23:59:59 local) of that working day.

    The day of ``start`` does not count (时限自受理次日起算). ``days <= 0`` means the end of the
    first working day on or after ``start``.
    """
    tz = local_tz()
    local = timezone.localtime(start, tz) if timezone.is_aware(start) else start.replace(tzinfo=tz)
    day = local.date()
    if days <= 0:
        while not is_workday(day):
            day += dt.timedelta(days=1)
    else:
        remaining = days
        while remaining > 0:
            day += dt.timedelta(days=1)
            if is_workday(day):
                remaining -= 1
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz)


def working_days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Working days from the day after ``start`` up to and including the day of ``end`` (0 if same day)."""
    tz = local_tz()
    a = timezone.localtime(start, tz).date()
    b = timezone.localtime(end, tz).date()
    if b <= a:
        return 0
    count = 0
    day = a
    while day < b:
        day += dt.timedelta(days=1)
        if is_workday(day):
            count += 1
    return count


def add_working_hours(start: dt.datetime, hours: int) -> dt.datetime:
    """``hours`` counted only on working days (whole days, 24 h each): used for "unassigned for N working hours"."""
    tz = local_tz()
    current = timezone.localtime(start, tz)
    remaining = dt.timedelta(hours=hours)
    while remaining > dt.timedelta(0):
        next_midnight = dt.datetime.combine(current.date() + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        if is_workday(current.date()):
            step = min(remaining, next_midnight - current)
            remaining -= step
            current = current + step
        else:
            current = next_midnight
    return current


def year_known(year: int) -> bool:
    """Whether ``year``'s holidays are known (rows in ``CalendarDay`` or ``chinesecalendar``), not guessed."""
    return _year_exceptions(year) is not None


def working_days_total(spans: dict[tuple[dt.date, dt.date], int]) -> int:
    """Sum of ``working_days_between`` over many cases given as ``{(start day, end day): number of cases}``
    (local dates). One pass over the calendar from the earliest start to the latest end, whatever the number
    of cases: a dashboard's average handling time in working days (工作日) over a million cases."""
    pairs = [(a, b, n) for (a, b), n in spans.items() if b > a and n]
    if not pairs:
        return 0
    first, last = min(a for a, _, _ in pairs), max(b for _, b, _ in pairs)
    # upto[day] = working days in (first, day]
    upto: dict[dt.date, int] = {first: 0}
    count, day = 0, first
    while day < last:
        day += dt.timedelta(days=1)
        count += is_workday(day)
        upto[day] = count
    return sum((upto[b] - upto[a]) * n for a, b, n in pairs)
