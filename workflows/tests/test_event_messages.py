"""Issue 20: the resident SMS on transfer, withdrawal, a progress note for the resident and the appointment
loop (confirmed / declined with reason), the staff alert on a new request, and the check by reference.

Every test reads the outbox row's rendered text (what the gateway will send), not a mock's arguments.
"""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from agency.models import Agent
from agency.tests.factories import SiteMatterFactory
from core.exceptions import ApplicationError
from notifications.models import Notification
from residents import appointments
from residents.tests.track_helpers import private_cache  # noqa: F401
from workflows import case_closing, case_steps, services
from workflows.case_messages import snippet
from workflows.tests.helpers import drive_to

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]

RESIDENT = "+8613800138000"
FRIDAY = dt.date(2026, 11, 27)
MONDAY = dt.date(2026, 11, 30)


def texts(template: str, phone: str = RESIDENT) -> list[str]:
    rows = Notification.objects.filter(template=template, recipient_phone=phone).order_by("id")
    return [r.text for r in rows]


def test_transfer_to_another_station_tells_the_new_station_and_phone(world):
    world.station_b.phone = "0531-87776666"
    world.station_b.save()
    case = drive_to(world, "assigned")
    services.case_transfer(actor=world.staff, case=case, site=world.station_b, reason="户籍在邻村（内部）")
    [text] = texts("case_transferred")
    assert text.startswith(f"【帮办代办】{world.station_b.name}：")
    assert f"已转至{world.station_b.name}办理" in text and "0531-87776666" in text and case.case_no in text
    assert "户籍在邻村" not in text  # the reason is internal
    row = Notification.objects.get(template="case_transferred")
    assert row.audience == "resident"


def test_transfer_to_another_agent_only_sends_no_resident_transfer_sms(world):
    case = drive_to(world, "assigned")
    services.case_transfer(actor=world.staff, case=case, agent=world.agent_grid2, reason="调岗")
    assert texts("case_transferred") == []


def test_two_transfers_two_messages(world):
    case = drive_to(world, "new")
    case = services.case_transfer(actor=world.staff, case=case, site=world.station_b, reason="a")
    services.case_transfer(actor=world.town, case=case, site=world.station, reason="b")
    sent = texts("case_transferred")
    assert len(sent) == 2 and world.station_b.name in sent[0] and world.station.name in sent[1]


def test_withdrawn_tells_the_resident(world):
    world.station.phone = "0531-81112222"
    world.station.save()
    case = drive_to(world, "visited")
    case_closing.case_withdraw(actor=world.staff, case=case, reason="已自行到大厅办理")
    [text] = texts("case_withdrawn")
    assert text == (
        f"【帮办代办】{world.station.name}：{world.matter.name}({case.case_no})已撤回：已自行到大厅办理。"
        "再办请联系0531-81112222"
    )


def test_progress_note_marked_for_the_resident_is_sent_and_others_are_not(world):
    case = drive_to(world, "submitted")
    case_steps.case_progress(actor=world.grid_worker, case=case, note="内部：等科室盖章")
    assert texts("case_progress") == []
    case_steps.case_progress(
        actor=world.grid_worker, case=case, note="民政局已审核通过，下周可领取", notify_resident=True
    )
    [text] = texts("case_progress")
    assert f"({case.case_no})进展：民政局已审核通过，下周可领取。查询http" in text


def test_long_progress_note_is_cut_in_the_sms_not_in_the_timeline(world):
    case = drive_to(world, "submitted")
    note = "材料已报送区民政局社会救助科，" * 5
    case_steps.case_progress(actor=world.grid_worker, case=case, note=note, notify_resident=True)
    [text] = texts("case_progress")
    assert snippet(note) in text and snippet(note).endswith("…") and len(snippet(note)) == 30
    assert case.events.get(kind="progress").note == note.strip()


def test_progress_notify_via_api_and_page(world):
    case = drive_to(world, "submitted")
    api = APIClient()
    api.force_authenticate(world.grid_worker)
    response = api.post(
        f"/api/v1/cases/{case.case_no}/progress/", {"note": "已受理", "notify_resident": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert len(texts("case_progress")) == 1
    page = Client()
    page.force_login(world.grid_worker)
    page.post(f"/m/cases/{case.case_no}/progress/", {"progress-note": "无通知"})
    page.post(
        f"/m/cases/{case.case_no}/progress/", {"progress-note": "审批中", "progress-notify_resident": "on"}
    )
    assert case.events.filter(kind="progress").count() == 3
    assert len(texts("case_progress")) == 2 and "审批中" in texts("case_progress")[-1]


def test_resident_progress_sms_waits_for_quiet_hours(world):
    case = drive_to(world, "submitted")
    with freeze_time("2026-12-03 14:30:00"):  # 22:30 in Shanghai
        case_steps.case_progress(actor=world.grid_worker, case=case, note="已审批", notify_resident=True)
        row = Notification.objects.get(template="case_progress")
    assert timezone.localtime(row.send_after).hour == 8


# --- appointments -------------------------------------------------------------------------------------------


@pytest.fixture
def offered(world):
    SiteMatterFactory(site=world.station, matter=world.matter)
    world.station.phone = "0531-85550000"
    world.station.save()
    return world


def book(world, **kw):
    params = {
        "site": world.station,
        "matter": world.matter,
        "date": MONDAY,
        "half_day": "am",
        "resident_name": "张秀英",
        "resident_phone": "138 0013 8000",
        "today": FRIDAY,
    }
    params.update(kw)
    return appointments.appointment_request(**params)


def test_new_request_alerts_station_staff(offered):
    appt = book(offered)
    staff_agent = Agent.objects.get(user=offered.staff)
    rows = Notification.objects.filter(template="appointment_requested")
    assert [r.recipient_user_id for r in rows] == [offered.staff.pk]
    assert rows[0].recipient_phone == str(staff_agent.phone)
    assert rows[0].audience == "staff"
    assert rows[0].text == (
        f"【帮办代办】{offered.station.name}：新预约{appt.ref}：11月30日上午{offered.matter.name}，尾号8000，请及时确认。"
    )
    assert "张秀英" not in rows[0].text and "13800138000" not in rows[0].text


def test_confirmed_tells_the_resident_with_case_number(offered):
    appt = book(offered)
    done = appointments.appointment_confirm(actor=offered.staff, appointment_id=appt.pk)
    [text] = texts("appointment_confirmed")
    assert text == (
        f"【帮办代办】{offered.station.name}：预约{appt.ref}已确认：请于11月30日上午到站办理{offered.matter.name}，"
        f"办件编号{done.case.case_no}。"
    )


def test_declined_tells_the_resident_the_reason(offered):
    appt = book(offered, half_day="pm")
    appointments.appointment_decline(
        actor=offered.staff, appointment_id=appt.pk, reason="该事项需本人到镇大厅办理"
    )
    [text] = texts("appointment_declined")
    assert text == (
        f"【帮办代办】{offered.station.name}：预约{appt.ref}(11月30日下午{offered.matter.name})未受理："
        "该事项需本人到镇大厅办理。咨询0531-85550000"
    )


def test_check_by_reference_api(offered):
    appt = book(offered)
    api = APIClient()
    url = "/api/v1/track/appointments/"
    ok = api.get(url, {"ref": appt.ref.lower(), "phone_tail": "8000"})
    assert ok.status_code == 200
    assert ok.json()["status"] == "requested" and ok.json()["date"] == "2026-11-30"
    assert "resident_name" not in ok.json() and "张" not in ok.content.decode()
    wrong_tail = api.get(url, {"ref": appt.ref, "phone_tail": "1234"})
    unknown = api.get(url, {"ref": "YYZZZZZZZZ", "phone_tail": "8000"})
    assert wrong_tail.status_code == unknown.status_code == 404
    assert wrong_tail.json() == unknown.json()
    appointments.appointment_decline(actor=offered.staff, appointment_id=appt.pk, reason="名额已满")
    declined = api.get(url, {"ref": appt.ref, "phone_tail": "8000"}).json()
    assert declined["status"] == "declined" and declined["decline_reason"] == "名额已满"


def test_check_by_reference_page(offered):
    appt = book(offered)
    appointments.appointment_confirm(actor=offered.staff, appointment_id=appt.pk)
    appt.refresh_from_db()
    client = Client()
    blank = client.get("/appointments/check/", {"ref": appt.ref})
    assert blank.status_code == 200 and "预约号" in blank.content.decode()
    page = client.get("/appointments/check/", {"ref": appt.ref, "phone_tail": "8000"})
    html = page.content.decode()
    assert page.status_code == 200 and "已确认" in html and appt.case.case_no in html
    miss = client.get("/appointments/check/", {"ref": appt.ref, "phone_tail": "0000"})
    assert miss.status_code == 404 and "未找到该预约" in miss.content.decode()


def test_lookup_is_rate_limited(offered, settings):
    settings.TRACK_RATE_LIMITS = "lookup_ip=2/m"
    appt = book(offered)
    api = APIClient()
    codes = [
        api.get("/api/v1/track/appointments/", {"ref": appt.ref, "phone_tail": "8000"}).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]


def test_lookup_rejects_garbage(offered):
    with pytest.raises(ApplicationError) as err:
        appointments.appointment_quick_lookup(ref="", tail="12")
    assert err.value.status == 404
