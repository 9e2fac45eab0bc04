"""Chinese working days: the 2026 National Day arrangement, table overrides and the 2027 fallback."""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from core import workdays
from core.models import CalendarDay
from core.services import calendar_day_set, calendar_seed

TZ = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    workdays.clear_cache()
    workdays._warned_years.clear()
    yield
    workdays.clear_cache()


def at(y: int, m: int, d: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, hour, tzinfo=TZ)


def test_2026_national_day_matches_the_package():
    # State Council 2026 arrangement as chinesecalendar 1.11 has it: 10-01..10-07 off,
    # Sunday 09-20 and Saturday 10-10 are make-up workdays; 10-08 (Thursday) is a normal workday.
    for day in range(1, 8):
        assert not chinese_calendar.is_workday(dt.date(2026, 10, day))
        assert not workdays.is_workday(dt.date(2026, 10, day))
    for day in (dt.date(2026, 9, 20), dt.date(2026, 10, 8), dt.date(2026, 10, 10)):
        assert chinese_calendar.is_workday(day)
        assert workdays.is_workday(day)
    assert not workdays.is_workday(dt.date(2026, 10, 11))  # plain Sunday


def test_add_working_days_across_national_day():
    # Opened Wed 30 Sep: the 1st working day after is Thu 8 Oct, then Fri 9, Sat 10 (make-up).
    due = workdays.add_working_days(at(2026, 9, 30), 3)
    assert due == dt.datetime(2026, 10, 10, 23, 59, 59, tzinfo=TZ)
    # Sat 19 Sep (weekend) + 1 working day = Sun 20 Sep (make-up workday).
    assert workdays.add_working_days(at(2026, 9, 19), 1).date() == dt.date(2026, 9, 20)


def test_add_zero_days_rolls_to_next_workday():
    assert workdays.add_working_days(at(2026, 10, 3), 0).date() == dt.date(2026, 10, 8)
    assert workdays.add_working_days(at(2026, 10, 9), 0).date() == dt.date(2026, 10, 9)


def test_working_days_between():
    assert workdays.working_days_between(at(2026, 9, 30), at(2026, 10, 10)) == 3
    assert workdays.working_days_between(at(2026, 10, 10), at(2026, 10, 1)) == 0


def test_add_working_hours_skips_holidays():
    # Wed 30 Sep 18:00 + 8 working hours: the rest of 30 Sep (6 h), then 2 h into Thu 8 Oct.
    assert workdays.add_working_hours(at(2026, 9, 30, 18), 8) == dt.datetime(2026, 10, 8, 2, tzinfo=TZ)


def test_2027_falls_back_to_weekends_and_logs_once(caplog):
    caplog.set_level(logging.WARNING, logger="core.workdays")
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(dt.date(2027, 1, 1))  # the package does not know 2027
    assert workdays.is_workday(dt.date(2027, 1, 1))  # a Friday: plain weekday rule
    assert not workdays.is_workday(dt.date(2027, 1, 2))  # Saturday
    due = workdays.add_working_days(at(2026, 12, 30), 5)
    assert due.date() == dt.date(2027, 1, 6)  # 31 Dec, 1 Jan (no table: weekday), 4, 5, 6 Jan
    warnings = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(warnings) == 1


def test_calendar_rows_override_the_package():
    # A hand-entered 2027 year: 1 Jan off, Sunday 3 Jan a make-up workday.
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), is_workday=False, name="元旦")
    CalendarDay.objects.create(date=dt.date(2027, 1, 3), is_workday=True, name="调休上班")
    workdays.clear_cache()
    assert not workdays.is_workday(dt.date(2027, 1, 1))
    assert workdays.is_workday(dt.date(2027, 1, 3))
    assert not workdays.is_workday(dt.date(2027, 1, 2))


def test_calendar_day_set_takes_effect_at_once(django_capture_on_commit_callbacks):
    assert workdays.is_workday(dt.date(2026, 11, 27))
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_set(day=dt.date(2026, 11, 27), is_workday=False, name="临时休息")
    assert not workdays.is_workday(dt.date(2026, 11, 27))


def test_calendar_seed_is_idempotent_and_matches_package():
    created = calendar_seed(years=[2026])
    assert created > 0
    assert calendar_seed(years=[2026]) == 0
    assert CalendarDay.objects.filter(date__year=2026).count() == created
    assert CalendarDay.objects.get(date=dt.date(2026, 9, 20)).is_workday
    assert CalendarDay.objects.get(date=dt.date(2026, 10, 10)).is_workday
    assert not CalendarDay.objects.get(date=dt.date(2026, 10, 1)).is_workday
    assert not CalendarDay.objects.filter(date=dt.date(2026, 10, 8)).exists()  # a plain Thursday workday
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_seed_keeps_staff_edits():
    CalendarDay.objects.create(date=dt.date(2026, 10, 1), is_workday=True, name="人工修改")
    calendar_seed(years=[2026])
    assert CalendarDay.objects.get(date=dt.date(2026, 10, 1)).name == "人工修改"
