"""Issue 20: district admins hear (in-app + SMS, through the outbox) that next year's holidays are missing."""

import datetime as dt

import pytest
from freezegun import freeze_time

from agency.models import Agent
from agency.tests.factories import AgentFactory, StationFactory, UserFactory
from core import workdays
from core.models import CalendarDay
from notifications import calendar_alerts, calendar_tasks
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


@pytest.fixture
def people():
    admin = AgentFactory(kind=Agent.Kind.DISTRICT_ADMIN, phone="+8613900000001")
    root = UserFactory(username="root_no_agent", is_superuser=True, is_staff=True)
    station = AgentFactory(kind=Agent.Kind.STATION_STAFF, sites=[StationFactory()])
    return admin, root, station


@freeze_time("2026-12-03 01:00:00")  # 09:00 in Shanghai, the beat time
def test_alert_reaches_district_admins_in_app_and_by_sms(people):
    admin, root, station = people
    assert (
        calendar_tasks.calendar_coverage_alert() == 3
    )  # admin: in-app + SMS; superuser without a profile: in-app
    rows = Notification.objects.filter(template="calendar_missing")
    assert {(r.recipient_user_id, r.channel) for r in rows} == {
        (admin.user_id, "inapp"),
        (admin.user_id, "sms"),
        (root.pk, "inapp"),
    }
    sms = rows.get(channel="sms")
    assert sms.recipient_phone == "+8613900000001" and sms.audience == "staff" and sms.status == "pending"
    assert (
        sms.text
        == "【帮办代办】帮办代办：2027年节假日安排尚未录入，到期日将按普通周末计算，请在管理后台导入放假安排。"
    )
    assert not rows.filter(recipient_user_id=station.user_id).exists()


def test_deduped_daily_and_repeated_weekly(people):
    with freeze_time("2026-12-03 01:00:00"):
        assert calendar_alerts.calendar_coverage_alert() == 3
    with freeze_time("2026-12-04 01:00:00"):
        assert calendar_alerts.calendar_coverage_alert() == 0  # same week: already told
    with freeze_time("2026-12-10 01:00:00"):
        assert calendar_alerts.calendar_coverage_alert() == 3  # a week later, still missing: told again


def test_no_alert_before_december_or_once_imported(people, settings):
    settings.CALENDAR_COVERAGE_DAYS = 20
    with freeze_time("2026-11-30 01:00:00"):
        assert calendar_alerts.calendar_coverage_alert() == 0  # 20 days ahead is still 2026
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), is_workday=False, name="元旦")
    workdays.clear_cache()
    with freeze_time("2026-12-03 01:00:00"):
        assert calendar_alerts.calendar_coverage_alert() == 0
    assert not Notification.objects.filter(template="calendar_missing").exists()


def test_beat_schedules_the_alert(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "notifications.tasks.calendar_coverage_alert" in tasks_scheduled
