"""Reminders, deadline warnings, the escalation ladder and the daily digest, with frozen time.

Dates are chosen against the real 2026 calendar (``chinesecalendar``): 2026-09-25 (Mid-Autumn) is a holiday,
1–7 October is the National Day holiday and Saturday 10 October is a make-up working day.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from agency.models import Agent
from agency.tests.factories import AgentFactory, UserFactory
from core.workdays import add_working_hours, working_days_between
from notifications.models import Notification
from notifications.outbox import NotificationRequest
from notifications.services import notification_enqueue, notification_enqueue_many
from workflows import reminders
from workflows.models import Case, CaseEvent
from workflows.reminders import base as reminders_base
from workflows.tests.factories import CaseFactory

TZ = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


def end_of(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, 23, 59, 59, tzinfo=TZ)


def keys(prefix: str = "") -> set[str]:
    return set(
        Notification.objects.filter(dedupe_key__startswith=prefix).values_list("dedupe_key", flat=True)
    )


def sms_to(phone: str) -> list[Notification]:
    return list(Notification.objects.filter(channel="sms", recipient_phone=phone).order_by("id"))


def phone(agent: Agent) -> str:
    return str(agent.phone)


@pytest.fixture
def town_admins(world):  # type: ignore[no-untyped-def]
    """World plus a district admin (the world's town staff serve ``world.center``)."""
    admin = AgentFactory(user=UserFactory(username="w_district"), kind=Agent.Kind.DISTRICT_ADMIN, sites=[])
    return world, admin


def open_case(world, *, due_at, status=Case.Status.ASSIGNED, agent="grid", created_at=None, **kw):  # type: ignore[no-untyped-def]
    return CaseFactory(
        site=world.station,
        matter=world.matter,
        status=status,
        due_at=due_at,
        assigned_agent=world.agent_grid if agent == "grid" else agent,
        created_at=created_at or due_at - dt.timedelta(days=7),
        **kw,
    )


# --- Working-time cut-offs ----------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, 1, 2, 3, 5])
@pytest.mark.parametrize(
    "now",
    [at(2026, 10, 8), at(2026, 10, 10, 9), at(2026, 10, 11, 23), at(2026, 10, 13), at(2026, 9, 28, 0, 30)],
)
def test_overdue_cutoff_matches_working_days_between(db, now, days):  # type: ignore[no-untyped-def]
    cutoff = reminders.overdue_cutoff(now, days)
    for offset in range(0, 20):
        due = end_of(2026, 9, 20) + dt.timedelta(days=offset)
        expected = due < now and working_days_between(due, now) >= days
        assert (due < cutoff) == expected, (now, days, due)


@pytest.mark.parametrize("hours", [1, 4, 30])
def test_working_hours_before_inverts_add_working_hours(db, hours):  # type: ignore[no-untyped-def]
    for now in (at(2026, 11, 30, 1, 30), at(2026, 11, 28, 12), at(2026, 10, 8, 3), at(2026, 12, 1, 15)):
        start = reminders.working_hours_before(now, hours)
        assert add_working_hours(start, hours) <= now
        assert add_working_hours(start + dt.timedelta(minutes=1), hours) > now or start == now


# --- Agent: due in one working day ------------------------------------------------------------------


def test_due_soon_goes_to_the_agent_once_by_sms_and_in_app(world):  # type: ignore[no-untyped-def]
    soon = open_case(world, due_at=end_of(2026, 11, 26))  # Thursday
    later = open_case(world, due_at=end_of(2026, 11, 27))  # Friday: two working days away
    open_case(world, due_at=end_of(2026, 11, 26), status=Case.Status.NEW, agent=None)  # nobody to remind
    open_case(world, due_at=end_of(2026, 11, 26), status=Case.Status.COMPLETED)  # not open

    with freeze_time(at(2026, 11, 25)):  # Wednesday
        first = reminders.reminders_due_soon()
        again = reminders.reminders_due_soon()

    agent = world.agent_grid
    base = f"case:{soon.case_no}:due_soon:2026-11-26:agent:{agent.pk}"
    assert keys("case:") == {f"{base}:sms", f"{base}:inapp"}
    assert first.queued == 2 and again.queued == 0
    sms = Notification.objects.get(dedupe_key=f"{base}:sms")
    assert sms.recipient_phone == phone(agent) and sms.audience == "staff"
    assert (
        soon.case_no in sms.text
        and "1个工作日" in sms.text
        and sms.text.startswith(f"【帮办代办】{world.station.name}：")
    )
    inapp = Notification.objects.get(dedupe_key=f"{base}:inapp")
    assert inapp.recipient_user_id == agent.user_id and inapp.status == "sent"
    assert not keys(f"case:{later.case_no}")


def test_due_soon_on_friday_for_a_monday_deadline_and_rearms_on_a_new_deadline(world):  # type: ignore[no-untyped-def]
    case = open_case(world, due_at=end_of(2026, 11, 30))  # Monday
    with freeze_time(at(2026, 11, 26)):  # Thursday: Friday is still ahead
        assert reminders.reminders_due_soon().queued == 0
    with freeze_time(at(2026, 11, 27)):  # Friday
        assert reminders.reminders_due_soon().queued == 2
    case.due_at = end_of(2026, 12, 2)  # extended
    case.save()
    with freeze_time(at(2026, 12, 1)):
        assert reminders.reminders_due_soon().queued == 2
    assert {k.split(":")[3] for k in keys(f"case:{case.case_no}:due_soon")} == {"2026-11-30", "2026-12-02"}


def test_due_soon_goes_to_the_stand_in_while_the_agent_is_away(world):  # type: ignore[no-untyped-def]
    away = world.agent_grid
    away.is_away, away.backup = True, world.agent_grid2
    away.save()
    case = open_case(world, due_at=end_of(2026, 11, 26))
    with freeze_time(at(2026, 11, 25)):
        reminders.reminders_due_soon()
    assert [n.recipient_phone for n in Notification.objects.filter(channel="sms")] == [
        phone(world.agent_grid2)
    ]
    assert keys(f"case:{case.case_no}")


# --- Agent: visit pending (no scheduled visit time on cases) -------------------------------------------


def test_visit_reminder_the_working_day_after_assignment(world):  # type: ignore[no-untyped-def]
    case = open_case(world, due_at=end_of(2026, 12, 4))
    visited = open_case(world, due_at=end_of(2026, 12, 4), status=Case.Status.VISITED)
    for c in (case, visited):
        CaseEvent.objects.create(case=c, kind="assigned", at=at(2026, 11, 27, 15))  # Friday afternoon

    with freeze_time(at(2026, 11, 28)):  # Saturday: not a working day after yet
        assert reminders.reminders_visit_pending().queued == 0
    with freeze_time(at(2026, 11, 30, 8)):  # Monday
        assert reminders.reminders_visit_pending().queued == 2
        assert reminders.reminders_visit_pending().queued == 0
    sms = Notification.objects.get(channel="sms")
    assert (
        sms.dedupe_key
        == f"case:{case.case_no}:visit_pending:{world.agent_grid.pk}:agent:{world.agent_grid.pk}:sms"
    )
    assert "尚未上门" in sms.text and case.address in sms.text


def test_visit_reminder_rearms_after_reassignment(world):  # type: ignore[no-untyped-def]
    case = open_case(world, due_at=end_of(2026, 12, 4))
    CaseEvent.objects.create(case=case, kind="assigned", at=at(2026, 11, 23, 9))
    with freeze_time(at(2026, 11, 24)):
        reminders.reminders_visit_pending()
    case.assigned_agent = world.agent_grid2
    case.save()
    CaseEvent.objects.create(case=case, kind="reassigned_backup", at=at(2026, 11, 24, 11))
    with freeze_time(at(2026, 11, 24, 12)):  # the new assignment is not a working day old yet
        assert reminders.reminders_visit_pending().queued == 0
    with freeze_time(at(2026, 11, 25)):
        assert reminders.reminders_visit_pending().queued == 2
    assert [n.recipient_phone for n in Notification.objects.filter(channel="sms").order_by("id")] == [
        phone(world.agent_grid),
        phone(world.agent_grid2),
    ]


# --- Station: unassigned for more than N working hours ------------------------------------------------


def test_unassigned_alert_after_four_working_hours_across_a_weekend(world, settings):  # type: ignore[no-untyped-def]
    settings.UNASSIGNED_ALERT_WORKING_HOURS = 4
    created = at(2026, 11, 27, 21)  # Friday 21:00: three working hours left that day
    case = open_case(
        world, due_at=end_of(2026, 12, 4), status=Case.Status.NEW, agent=None, created_at=created
    )
    assigned = open_case(world, due_at=end_of(2026, 12, 4), created_at=created)
    assert add_working_hours(created, 4) == at(2026, 11, 30, 1)
    with freeze_time(at(2026, 11, 29, 23)):  # Sunday night
        assert reminders.reminders_unassigned().queued == 0
    with freeze_time(at(2026, 11, 30, 1, 5)):  # Monday 01:05
        assert reminders.reminders_unassigned().queued == 2
        assert reminders.escalation_sweep().by_kind["unassigned"] == 0
    staff = Agent.objects.get(user=world.staff)
    assert keys("case:") == {
        f"case:{case.case_no}:unassigned:agent:{staff.pk}:sms",
        f"case:{case.case_no}:unassigned:agent:{staff.pk}:inapp",
    }
    text = Notification.objects.get(channel="sms").text
    assert "4个工作小时未分派" in text
    assert not keys(f"case:{assigned.case_no}")


# --- The escalation ladder, step by step over the National Day holiday --------------------------------


def test_escalation_ladder_step_by_step(town_admins):  # type: ignore[no-untyped-def]
    world, admin = town_admins
    case = open_case(world, due_at=end_of(2026, 9, 30))  # the last working day before the holiday
    other_station = CaseFactory(  # another town's staff and the other station's staff never hear of it
        site=world.station2, matter=world.matter, status=Case.Status.SUBMITTED, due_at=end_of(2026, 12, 31)
    )
    prefix = f"case:{case.case_no}"
    staff = Agent.objects.get(user=world.staff)
    town = Agent.objects.get(user=world.town)

    def rungs() -> set[str]:
        return {
            k.split(":")[2] + ("" if k.split(":")[2] == "overdue" else ":" + k.split(":")[3])
            for k in keys(prefix)
        }

    with freeze_time(at(2026, 9, 30, 22)):  # due today, not overdue yet
        assert reminders.escalation_sweep().queued == 0
    with freeze_time(at(2026, 10, 1, 9)):  # holiday, 0 working days late: agent + station
        reminders.escalation_sweep()
    assert rungs() == {"overdue", "escalate:station"}
    assert keys(f"{prefix}:overdue") == {
        f"{prefix}:overdue:agent:{world.agent_grid.pk}:sms",
        f"{prefix}:overdue:agent:{world.agent_grid.pk}:inapp",
    }
    assert keys(f"{prefix}:escalate:station") == {
        f"{prefix}:escalate:station:agent:{staff.pk}:sms",
        f"{prefix}:escalate:station:agent:{staff.pk}:inapp",
    }
    with freeze_time(at(2026, 10, 7, 18)):  # still the holiday: nothing new
        assert reminders.escalation_sweep().queued == 0
    with freeze_time(at(2026, 10, 8, 9)):  # 1 working day late
        assert reminders.escalation_sweep().queued == 0
    with freeze_time(at(2026, 10, 9, 9)):  # 2 working days late: town
        assert reminders.escalation_sweep().queued == 2
    assert rungs() == {"overdue", "escalate:station", "escalate:town"}
    town_sms = Notification.objects.get(dedupe_key=f"{prefix}:escalate:town:agent:{town.pk}:sms")
    assert town_sms.text.startswith(f"【帮办代办】{world.center.name}：") and "超期2个工作日" in town_sms.text
    assert world.station.name in town_sms.text
    with freeze_time(at(2026, 10, 12, 9)):  # Sat 10th was a make-up working day: 4 late
        assert reminders.escalation_sweep().queued == 0
    with freeze_time(at(2026, 10, 13, 9)):  # 5 working days: district
        assert reminders.escalation_sweep().queued == 2
        assert reminders.escalation_sweep().queued == 0
    district = Notification.objects.get(dedupe_key=f"{prefix}:escalate:district:agent:{admin.pk}:sms")
    assert "超期5个工作日" in district.text and district.recipient_phone == phone(admin)
    assert rungs() == {"overdue", "escalate:station", "escalate:town", "escalate:district"}
    staff2 = Agent.objects.get(user=world.staff2)
    assert not Notification.objects.filter(recipient_phone=phone(staff2)).exists()
    assert not keys(f"case:{other_station.case_no}")
    # A case that gets done stops climbing.
    case.status = Case.Status.COMPLETED
    case.save()
    with freeze_time(at(2026, 10, 20, 9)):
        assert reminders.escalation_sweep().queued == 0


def test_ladder_thresholds_come_from_settings(town_admins, settings):  # type: ignore[no-untyped-def]
    world, _admin = town_admins
    settings.REMINDER_ESCALATION_WORKING_DAYS = {"town": 0, "district": 1}
    case = open_case(world, due_at=end_of(2026, 11, 24))
    with freeze_time(at(2026, 11, 25, 9)):  # 1 working day late
        reminders.escalation_sweep()
    assert {k.split(":")[3] for k in keys(f"case:{case.case_no}:escalate")} == {"station", "town", "district"}


def test_overdue_case_far_beyond_the_lookback_is_not_read_again(town_admins, settings):  # type: ignore[no-untyped-def]
    world, _ = town_admins
    settings.REMINDER_LOOKBACK_DAYS = 10
    ancient = open_case(world, due_at=end_of(2026, 6, 1))
    with freeze_time(at(2026, 11, 25)):
        result = reminders.reminders_escalate_overdue()
    assert result.cases == 0 and not keys(f"case:{ancient.case_no}")


# --- Daily digest ----------------------------------------------------------------------------------


def test_daily_digest_once_per_station_per_working_day(world):  # type: ignore[no-untyped-def]
    open_case(world, due_at=end_of(2026, 11, 25))  # due today
    open_case(world, due_at=end_of(2026, 11, 20))  # overdue
    open_case(world, due_at=end_of(2026, 12, 20), status=Case.Status.NEW, agent=None)
    CaseFactory(
        site=world.station2, matter=world.matter, status=Case.Status.SUBMITTED, due_at=end_of(2026, 12, 1)
    )
    staff = Agent.objects.get(user=world.staff)
    staff2 = Agent.objects.get(user=world.staff2)

    with freeze_time(at(2026, 11, 25, 8, 30)):
        assert reminders.daily_digest().queued == 4  # two stations × (SMS + in-app)
        assert reminders.daily_digest().queued == 0
    row = Notification.objects.get(dedupe_key=f"digest:{world.station.code}:2026-11-25:agent:{staff.pk}:sms")
    assert (
        "在办3件" in row.text
        and "今日到期1件" in row.text
        and "超期1件" in row.text
        and "未分派1件" in row.text
    )
    assert row.text.startswith(f"【帮办代办】{world.station.name}：") and "11月25日" in row.text
    assert Notification.objects.filter(recipient_phone=phone(staff2), template="daily_digest").count() == 1
    with freeze_time(at(2026, 11, 28, 8, 30)):  # Saturday
        assert reminders.daily_digest().queued == 0
    with freeze_time(at(2026, 11, 30, 8, 30)):  # Monday: a new day, a new digest
        assert reminders.daily_digest().queued == 4
    assert Notification.objects.filter(template="daily_digest", channel="sms").count() == 4


# --- Dedupe, batches, query counts -----------------------------------------------------------------


def test_reminder_sweep_twice_sends_nothing_twice(town_admins):  # type: ignore[no-untyped-def]
    world, _ = town_admins
    for day in (26, 20, 10):
        open_case(world, due_at=end_of(2026, 11, day))
    with freeze_time(at(2026, 11, 25)):
        first = reminders.reminder_sweep().queued + reminders.escalation_sweep().queued
        total = Notification.objects.count()
        second = reminders.reminder_sweep().queued + reminders.escalation_sweep().queued
    assert first > 0 and second == 0 and Notification.objects.count() == total


def test_sweep_works_in_batches_with_a_fixed_number_of_queries_per_batch(world):  # type: ignore[no-untyped-def]
    def run(n: int) -> tuple[int, int, reminders.SweepResult]:
        Notification.objects.all().delete()
        Case.objects.all().delete()
        for _ in range(n):
            open_case(world, due_at=end_of(2026, 11, 26))
        with freeze_time(at(2026, 11, 25)), CaptureQueriesContext(connection) as ctx:
            result = reminders.reminders_due_soon(batch_size=10)
        return len(ctx), Notification.objects.count(), result

    run(10)  # warm-up: the first sweep of a process also loads the year's calendar (core.workdays caches it)
    q10, rows10, r10 = run(10)
    q20, _, r20 = run(20)
    q30, rows30, r30 = run(30)
    assert (r10.batches, r20.batches, r30.batches) == (1, 2, 3)
    assert rows10 == 20 and rows30 == 60 and r30.cases == 30
    per_batch = q30 - q20
    assert q20 - q10 == per_batch  # each batch costs the same fixed number of queries, whatever its size
    assert per_batch <= 12


def test_batch_picks_up_a_status_change_between_id_read_and_batch(world, monkeypatch):  # type: ignore[no-untyped-def]
    first = open_case(world, due_at=end_of(2026, 11, 26))
    second = open_case(world, due_at=end_of(2026, 11, 26))
    real = reminders_base.notification_enqueue_many
    calls = []

    def enqueue(*, messages, publish=True):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:  # the second case is completed while the first batch is handled
            Case.objects.filter(pk=second.pk).update(status=Case.Status.COMPLETED)
        return real(messages=messages, publish=publish)

    monkeypatch.setattr(reminders_base, "notification_enqueue_many", enqueue)
    with freeze_time(at(2026, 11, 25)):
        reminders.reminders_due_soon(batch_size=1)
    assert keys(f"case:{first.case_no}") and not keys(f"case:{second.case_no}")


# --- notification_enqueue_many (the batch outbox insert) ------------------------------------------


def test_enqueue_many_keeps_the_single_enqueue_rules(db, settings):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR = 2
    with freeze_time(at(2026, 11, 25, 22)):
        notification_enqueue(
            dedupe_key="pre",
            template="overdue",
            context={},
            recipient_phone="+8613800138000",
            audience="staff",
        )
        queued = notification_enqueue_many(
            messages=[
                NotificationRequest("pre", "overdue", {}, recipient_phone="+8613800138000"),  # exists
                NotificationRequest(
                    "r1", "feedback_followup", {"case_no": "BB1"}, recipient_phone="13800138001"
                ),
                NotificationRequest("s1", "overdue", {}, recipient_phone="+8613800138000", audience="staff"),
                NotificationRequest("s2", "overdue", {}, recipient_phone="+8613800138000", audience="staff"),
                NotificationRequest("s2", "overdue", {}, recipient_phone="+8613800138000", audience="staff"),
                NotificationRequest("bad", "overdue", {}, recipient_phone="12345"),
                NotificationRequest("app", "overdue", {}, recipient_user_id=None, channel="inapp"),
            ]
        )
        now = timezone.now()
    assert queued == 5
    rows = {n.dedupe_key: n for n in Notification.objects.all()}
    assert rows["r1"].recipient_phone == "+8613800138001" and rows["r1"].send_after == at(2026, 11, 26, 8)
    assert "BB1" in rows["r1"].text
    assert (
        rows["s1"].send_after == now and rows["s1"].next_attempt_at == now and rows["s1"].status == "pending"
    )
    assert rows["s2"].send_after == rows["pre"].send_after + dt.timedelta(hours=1)  # over the cap of 2/h
    assert rows["bad"].status == "failed" and rows["app"].status == "failed"


def test_enqueue_many_publishes_one_outbox_sweep_on_commit(
    db, django_capture_on_commit_callbacks, monkeypatch
):  # type: ignore[no-untyped-def]
    from notifications import tasks

    calls: list[int] = []
    monkeypatch.setattr(tasks.sweep_outbox, "delay", lambda *a, **k: calls.append(1))
    with django_capture_on_commit_callbacks(execute=True):
        notification_enqueue_many(
            messages=[
                # staff messages: never held by residents' quiet hours, so the test holds at any hour
                NotificationRequest(
                    f"k{i}", "overdue", {}, recipient_phone=f"+86138001380{i:02d}", audience="staff"
                )
                for i in range(5)
            ]
        )
    assert calls == [1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_queue_each_message_once(world):  # type: ignore[no-untyped-def]
    import threading

    for _ in range(40):
        open_case(world, due_at=end_of(2026, 11, 26))
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def sweep() -> None:
        try:
            connection.ensure_connection()  # connect before freezing time: the connect timeout reads it
            barrier.wait()
            with freeze_time(at(2026, 11, 25)):
                reminders.reminders_due_soon(batch_size=7)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Notification.objects.count() == 80
    assert Notification.objects.values("dedupe_key").distinct().count() == 80


# --- Scheduled visits (future outbox rows) -------------------------------------------------------------


def test_visit_reminders_day_before_and_two_hours_before(world):  # type: ignore[no-untyped-def]
    case = open_case(world, due_at=end_of(2026, 12, 4))
    with freeze_time(at(2026, 11, 30, 9)):  # Monday; visit Tuesday 10:00
        assert reminders.visit_reminders_schedule(case=case, visit_at=at(2026, 12, 1, 10)) == 4
        assert reminders.visit_reminders_schedule(case=case, visit_at=at(2026, 12, 1, 10)) == 0
    key = f"case:{case.case_no}:visit:202612011000"
    rows = {n.dedupe_key: n for n in Notification.objects.all()}
    agent = world.agent_grid
    assert set(rows) == {
        f"{key}:day_before",
        f"{key}:2h",
        f"{key}:agent:agent:{agent.pk}:sms",
        f"{key}:agent:agent:{agent.pk}:inapp",
    }
    day_before, two_hours = rows[f"{key}:day_before"], rows[f"{key}:2h"]
    assert day_before.recipient_phone == str(case.resident_phone) and day_before.send_after == at(
        2026, 11, 30, 18
    )
    assert "明天10:00" in day_before.text and day_before.status == "pending"
    assert two_hours.send_after == at(2026, 12, 1, 8) and "约10:00上门" in two_hours.text
    agent_sms = rows[f"{key}:agent:agent:{agent.pk}:sms"]
    assert agent_sms.recipient_phone == phone(agent) and agent_sms.send_after == at(2026, 11, 30, 18)
    assert "明天10:00" in agent_sms.text and case.address in agent_sms.text
    # Rescheduled: the old reminders nobody has seen yet are cancelled: resident ×2, the agent's SMS and the
    # agent's in-app row held until 18:00 (it would otherwise show in the bell for the old time).
    with freeze_time(at(2026, 11, 30, 10)):
        assert reminders.visit_reminders_cancel(case=case) == 4
    assert Notification.objects.filter(status="cancelled").count() == 4
    assert rows[f"{key}:agent:agent:{agent.pk}:inapp"].channel == "inapp"
    assert Notification.objects.get(dedupe_key=f"{key}:agent:agent:{agent.pk}:inapp").status == "cancelled"


def test_a_visit_cancelled_after_the_bell_showed_it_keeps_the_in_app_row(world):  # type: ignore[no-untyped-def]
    case = open_case(world, due_at=end_of(2026, 12, 4))
    with freeze_time(at(2026, 11, 30, 9)):
        reminders.visit_reminders_schedule(case=case, visit_at=at(2026, 12, 1, 10))
    key = f"case:{case.case_no}:visit:202612011000"
    agent = world.agent_grid
    with freeze_time(at(2026, 11, 30, 19)):  # past 18:00: the bell already shows the agent's in-app row
        # the three SMS are still pending (no worker runs here) and are cancelled; the in-app row is not
        assert reminders.visit_reminders_cancel(case=case) == 3
    statuses = dict(Notification.objects.values_list("dedupe_key", "status"))
    assert statuses[f"{key}:agent:agent:{agent.pk}:inapp"] == "sent"  # already seen: left as it is
    assert statuses[f"{key}:2h"] == "cancelled"


def test_early_visit_gets_no_two_hour_sms_held_by_quiet_hours(world):  # type: ignore[no-untyped-def]
    case = open_case(world, due_at=end_of(2026, 12, 4))
    with freeze_time(at(2026, 11, 30, 9)):
        reminders.visit_reminders_schedule(case=case, visit_at=at(2026, 12, 1, 8, 30))  # 2 h before: 06:30
        reminders.visit_reminders_schedule(case=case, visit_at=at(2026, 12, 2, 9))  # held to 08:00: still 1 h
    assert not keys(f"case:{case.case_no}:visit:202612010830:2h")
    assert keys(f"case:{case.case_no}:visit:202612010830:day_before")
    assert Notification.objects.get(dedupe_key=f"case:{case.case_no}:visit:202612020900:2h").send_after == at(
        2026, 12, 2, 8
    )
    with freeze_time(
        at(2026, 11, 30, 20)
    ):  # agreed in the evening for tomorrow: the resident is told at once
        reminders.visit_reminders_schedule(case=case, visit_at=at(2026, 12, 1, 15))
    row = Notification.objects.get(dedupe_key=f"case:{case.case_no}:visit:202612011500:day_before")
    assert row.send_after == at(2026, 11, 30, 20)


def test_enqueue_many_caps_like_single_enqueue_across_calls(db, settings):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR = 3
    one, many = "+8613800138011", "+8613800138022"
    with freeze_time(at(2026, 11, 25, 10)):
        for i in range(10):
            notification_enqueue(
                dedupe_key=f"one{i}", template="overdue", context={}, recipient_phone=one, audience="staff"
            )
        for part in (range(7), range(7, 10)):
            notification_enqueue_many(
                messages=[
                    NotificationRequest(f"many{i}", "overdue", {}, recipient_phone=many, audience="staff")
                    for i in part
                ]
            )

    def times(phone: str) -> list[dt.datetime]:
        return list(
            Notification.objects.filter(recipient_phone=phone)
            .order_by("id")
            .values_list("send_after", flat=True)
        )

    assert times(many) == times(one)
    # staff alerts over the cap wait for one digest an hour later (notifications.digest), not 1 h per 3 alerts
    assert times(one)[:3] == [at(2026, 11, 25, 10)] * 3 and times(one)[3:] == [at(2026, 11, 25, 11)] * 7


# --- Celery tasks and beat ---------------------------------------------------------------------------


def test_tasks_run_the_sweeps_and_beat_schedules_them(world, settings):  # type: ignore[no-untyped-def]
    from config.celery_app import app
    from workflows import reminder_tasks

    case = open_case(world, due_at=end_of(2026, 11, 26))
    with freeze_time(at(2026, 11, 25, 8, 30)):
        assert reminder_tasks.reminder_sweep.apply().get()["due_soon"] == 2
        assert reminder_tasks.escalation_sweep.apply().get()["overdue"] == 0
        assert reminder_tasks.daily_digest.apply().get()["digest"] == 2
    assert keys(f"case:{case.case_no}:due_soon")
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in ("reminder_sweep", "escalation_sweep", "daily_digest"):
        task = f"workflows.reminder_tasks.{name}"
        assert task in scheduled and task in app.tasks
