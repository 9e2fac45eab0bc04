"""预约上门: the schedule_visit service, its API action, the /m/ form, reminders and the resident sentence."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.exceptions import ApplicationError
from notifications.models import Notification
from residents.selectors import status_label
from workflows import case_closing, case_steps, selectors, services
from workflows.models import Case, CaseEvent
from workflows.tests.helpers import drive_to
from workflows.tests.test_api import client_for

pytestmark = pytest.mark.django_db


def _at(days: int, hour: int = 15) -> dt.datetime:
    """A local wall-clock time ``days`` from today (afternoon: clear of quiet hours)."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _visit_rows(case: Case, status: str | None = None) -> list[Notification]:
    qs = Notification.objects.filter(dedupe_key__startswith=f"case:{case.case_no}:visit:")
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("dedupe_key"))


def test_agent_schedules_visit_event_notice_and_reminders(world):
    case = drive_to(world, "assigned")
    when = _at(3)
    updated = case_steps.case_schedule_visit(actor=world.grid_worker, case=case, visit_at=when)
    assert updated.status == "assigned"
    case.refresh_from_db()
    assert case.visit_at == when
    event = CaseEvent.objects.filter(case=case, kind="visit_scheduled").get()
    assert event.public is True
    local = timezone.localtime(when)
    assert event.note == f"预约于{local.month}月{local.day}日 下午3:00上门"
    assert event.kind_label == "预约上门"
    notice = Notification.objects.get(template="visit_scheduled", recipient_phone="+8613800138000")
    assert f"{local.month}月{local.day}日" in notice.context["visit_date"]
    templates = {n.template for n in _visit_rows(case)}
    assert templates == {"visit_scheduled_day_before", "visit_scheduled_2h", "visit_due_tomorrow"}


def test_station_staff_may_schedule_in_awaiting_materials(world):
    case = drive_to(world, "awaiting_materials")
    case_steps.case_schedule_visit(actor=world.staff, case=case, visit_at=_at(2))
    case.refresh_from_db()
    assert case.visit_at == _at(2)
    assert "schedule_visit" in selectors.case_allowed_actions(user=world.staff, case=case)


@pytest.mark.parametrize(("role", "status"), [("town", 403), ("admin", 403), ("grid_worker2", 403)])
def test_other_roles_refused(world, role, status):
    case = drive_to(world, "assigned")
    with pytest.raises(ApplicationError) as exc:
        case_steps.case_schedule_visit(actor=getattr(world, role), case=case, visit_at=_at(2))
    assert exc.value.status == status
    case.refresh_from_db()
    assert case.visit_at is None and not _visit_rows(case)


def test_outside_scope_is_404(world):
    case = drive_to(world, "assigned")
    with pytest.raises(ApplicationError) as exc:
        case_steps.case_schedule_visit(actor=world.staff2, case=case, visit_at=_at(2))
    assert exc.value.status == 404


@pytest.mark.parametrize("status", ["new", "visited", "submitted", "completed"])
def test_wrong_status_is_409(world, status):
    case = drive_to(world, status)
    actor = world.staff
    with pytest.raises(ApplicationError) as exc:
        case_steps.case_schedule_visit(actor=actor, case=case, visit_at=_at(2))
    assert exc.value.status == 409
    assert exc.value.extra["status"] == status


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (lambda: timezone.now() - dt.timedelta(hours=1), "上门时间必须晚于现在。"),
        (lambda: timezone.now() + dt.timedelta(days=31), "上门时间不能晚于 30 天之后。"),
        (lambda: None, "请选择上门时间。"),
    ],
)
def test_validation_errors_in_chinese(world, when, message):
    case = drive_to(world, "assigned")
    with pytest.raises(ValidationError) as exc:
        case_steps.case_schedule_visit(actor=world.grid_worker, case=case, visit_at=when())
    assert exc.value.message_dict == {"visit_at": [message]}
    assert not CaseEvent.objects.filter(case=case, kind="visit_scheduled").exists()


def test_reschedule_cancels_old_reminders(world):
    case = drive_to(world, "assigned")
    case_steps.case_schedule_visit(actor=world.grid_worker, case=case, visit_at=_at(3))
    old = {n.dedupe_key for n in _visit_rows(case, Notification.Status.PENDING)}
    assert len(old) == 3  # the SMS reminders (the agent's in-app row is delivered on insert)
    case_steps.case_schedule_visit(actor=world.grid_worker, case=case, visit_at=_at(5))
    rows = {n.dedupe_key: n.status for n in _visit_rows(case)}
    assert {rows[k] for k in old} == {Notification.Status.CANCELLED}
    new = [k for k in rows if k not in old and ":visit:" in k and _at(5).strftime("%m%d") in k]
    assert {rows[k] for k in new if k.endswith(("2h", "day_before", "sms"))} == {Notification.Status.PENDING}
    assert len(new) == 4
    notes = list(CaseEvent.objects.filter(case=case, kind="visit_scheduled").values_list("note", flat=True))
    assert notes[-1].startswith("改约于")


def test_reschedule_withdraws_the_agents_held_in_app_reminder(world):
    from freezegun import freeze_time

    from notifications.selectors import inapp_for_user

    case = drive_to(world, "assigned")
    case_steps.case_schedule_visit(actor=world.grid_worker, case=case, visit_at=_at(3))
    held = [n for n in _visit_rows(case) if n.channel == Notification.Channel.INAPP]
    assert (
        len(held) == 1 and held[0].status == Notification.Status.SENT and held[0].send_after > timezone.now()
    )
    case_steps.case_schedule_visit(actor=world.grid_worker, case=case, visit_at=_at(5))
    held[0].refresh_from_db()
    assert held[0].status == Notification.Status.CANCELLED
    fresh = [n for n in _visit_rows(case) if n.channel == Notification.Channel.INAPP and n.pk != held[0].pk]
    assert len(fresh) == 1 and fresh[0].status == Notification.Status.SENT
    with freeze_time(held[0].send_after + dt.timedelta(minutes=1)):  # the old reminder's time comes
        assert held[0] not in list(inapp_for_user(world.grid_worker))
    with freeze_time(fresh[0].send_after + dt.timedelta(minutes=1)):  # the new one shows when due
        assert fresh[0] in list(inapp_for_user(world.grid_worker))


def test_same_time_twice_keeps_reminders(world):
    case = drive_to(world, "assigned")
    case_steps.case_schedule_visit(actor=world.grid_worker, case=case, visit_at=_at(3))
    case_steps.case_schedule_visit(actor=world.grid_worker, case=case, visit_at=_at(3))
    assert len(_visit_rows(case, Notification.Status.PENDING)) == 3


def test_visit_cancels_outstanding_reminders(world):
    case = drive_to(world, "assigned")
    case_steps.case_schedule_visit(actor=world.grid_worker, case=case, visit_at=_at(3))
    case_steps.case_visit(actor=world.grid_worker, case=case, note="", materials_missing=[])
    rows = [n for n in _visit_rows(case) if n.channel == "sms"]
    assert len(rows) == 3 and {n.status for n in rows} == {Notification.Status.CANCELLED}


def test_api_schedule_visit(world):
    case = drive_to(world, "assigned")
    when = _at(4)
    client = client_for(world.grid_worker)
    detail = client.get(f"/api/v1/cases/{case.case_no}/").json()
    assert "schedule_visit" in detail["actions"] and detail["visit_at"] is None
    res = client.post(
        f"/api/v1/cases/{case.case_no}/schedule_visit/", {"visit_at": when.isoformat()}, format="json"
    )
    assert res.status_code == 200, res.json()
    body = res.json()
    assert dt.datetime.fromisoformat(body["visit_at"]) == when
    assert body["timeline"][-1]["kind"] == "visit_scheduled"


def test_api_schedule_visit_errors(world):
    case = drive_to(world, "assigned")
    url = f"/api/v1/cases/{case.case_no}/schedule_visit/"
    res = client_for(world.grid_worker).post(url, {"visit_at": "明天"}, format="json")
    assert res.status_code == 400 and "visit_at" in res.json()
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    res = client_for(world.grid_worker).post(url, {"visit_at": past}, format="json")
    assert res.status_code == 400 and res.json()["visit_at"] == ["上门时间必须晚于现在。"]
    res = client_for(world.town).post(url, {"visit_at": _at(2).isoformat()}, format="json")
    assert res.status_code == 403
    res = client_for(world.staff2).post(url, {"visit_at": _at(2).isoformat()}, format="json")
    assert res.status_code == 404


def test_mobile_page_form(client, world):
    case = drive_to(world, "assigned")
    client.force_login(world.grid_worker)
    page = client.get(f"/m/cases/{case.case_no}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="datetime-local"' in html and "预约上门" in html
    when = timezone.localtime(_at(2, hour=10))
    res = client.post(
        f"/m/cases/{case.case_no}/schedule_visit/",
        {"schedule_visit-visit_at": when.strftime("%Y-%m-%dT%H:%M")},
    )
    assert res.status_code == 302
    case.refresh_from_db()
    assert case.visit_at == when
    page = client.get(f"/m/cases/{case.case_no}/").content.decode()
    assert 'id="case-visit-at"' in page and f"{when.month}月{when.day}日 10:00" in page
    home = client.get("/m/").content.decode()
    assert f"预约上门 {when.month}月{when.day}日 10:00" in home


def test_mobile_page_form_bad_input(client, world):
    case = drive_to(world, "assigned")
    client.force_login(world.grid_worker)
    url = f"/m/cases/{case.case_no}/schedule_visit/"
    assert client.post(url, {"schedule_visit-visit_at": "not a date"}).status_code == 400
    past = timezone.localtime(timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    res = client.post(url, {"schedule_visit-visit_at": past})
    assert res.status_code == 400 and "上门时间必须晚于现在。" in res.content.decode()
    case.refresh_from_db()
    assert case.visit_at is None


def test_resident_status_sentence_uses_visit_time(world):
    case = drive_to(world, "assigned")
    before = status_label(case)
    assert "将联系您并上门办理" in before
    when = _at(3)
    case = case_steps.case_schedule_visit(actor=world.grid_worker, case=case, visit_at=when)
    local = timezone.localtime(when)
    agent = world.agent_grid
    assert (
        status_label(case)
        == f"已受理，{agent.get_kind_display()}{agent.name}将于{local.month}月{local.day}日上门。"
    )
    # a time that has passed no longer promises anything
    assert status_label(case, now=when + dt.timedelta(hours=1)) == before


@pytest.mark.parametrize("ending", ["reject", "withdraw", "transfer"])
def test_reject_withdraw_transfer_cancel_the_visit_reminders(world, ending):
    case = drive_to(world, "assigned")
    case_steps.case_schedule_visit(actor=world.grid_worker, case=case, visit_at=_at(3))
    if ending == "reject":
        case_closing.case_reject(actor=world.staff, case=case, reason="不符合条件")
    elif ending == "withdraw":
        case_closing.case_withdraw(actor=world.staff, case=case, reason="群众撤回")
    else:
        services.case_transfer(actor=world.staff, case=case, agent=world.agent_grid2, reason="换人")
        case.refresh_from_db()
        assert case.visit_at is None  # the new agent makes their own appointment
    rows = [n for n in _visit_rows(case) if n.channel == "sms"]
    assert len(rows) == 3 and {n.status for n in rows} == {Notification.Status.CANCELLED}
