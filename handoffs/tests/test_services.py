"""全省通办/跨省通办 hand-offs: the handed_off state, the outbound message (retried, never lost), the return,
the reminder, and who may do it."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from core.exceptions import ApplicationError
from handoffs.models import Handoff
from handoffs.services import handoff_record_reference, handoff_remind_due, handoff_return, handoff_send
from notifications.backends.base import PermanentSendError, RetryableSendError
from notifications.backends.handoff import HandoffBackend, OutgoingHandoff
from notifications.delivery import notification_deliver, outbox_resolve_in_doubt
from notifications.models import Notification
from workflows.tests.helpers import assert_flow_in_step, drive_to

pytestmark = pytest.mark.django_db


class FlakyBackend(HandoffBackend):
    """Fails ``failures`` times (retryable, then permanent), then records."""

    failures = 0
    sent: list[OutgoingHandoff] = []

    def send(self, message: OutgoingHandoff) -> None:
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise (PermanentSendError if FlakyBackend.failures % 2 else ConnectionError)("平台不可用")
        FlakyBackend.sent.append(message)


@pytest.fixture
def flaky(settings):
    settings.HANDOFF_BACKEND = "handoffs.tests.test_services.FlakyBackend"
    FlakyBackend.failures, FlakyBackend.sent = 0, []
    return FlakyBackend


def send(world, case=None, **kw):
    case = case or drive_to(world, "visited")
    params = {
        "region": "河南省郑州市",
        "authority": "金水区公安分局",
        "channel": "window",
        "scope": "cross_province",
    }
    params.update(kw)
    return handoff_send(actor=world.grid_worker, case=case, **params)


def _deliver(row: Notification) -> str:
    Notification.objects.filter(pk=row.pk).update(send_after=timezone.now() - dt.timedelta(seconds=1))
    try:
        return notification_deliver(notification_id=row.pk)
    except RetryableSendError:
        return "retry"


def test_hand_off_waits_in_handed_off_with_its_outbound_message(world):
    handoff = send(world, materials_sent=["户口簿", "出生医学证明"])
    case = handoff.case
    case.refresh_from_db()
    assert case.status == "handed_off"
    assert_flow_in_step(case)  # the handling step waits for the outcome
    row = Notification.objects.get(dedupe_key=f"handoff:{handoff.pk}:send")
    assert row.channel == "handoff" and row.status == "pending"
    assert row.context["region"] == "河南省郑州市" and row.context["materials"] == "户口簿、出生医学证明"
    event = case.events.get(kind="handed_off")
    assert "跨省通办" in event.note and "跨省专窗" in event.note


def test_materials_default_to_the_matters_list(world):
    handoff = send(world)
    assert handoff.materials_sent == list(world.matter.materials)


def test_failed_sends_stay_pending_and_are_retried_never_given_up(world, flaky, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    flaky.failures = 5  # more failures than the SMS limit, permanent ones among them
    row = Notification.objects.get(dedupe_key=f"handoff:{send(world).pk}:send")
    for _ in range(5):
        assert _deliver(row) == "retry"
        row.refresh_from_db()
        assert row.status == "pending" and row.last_error
    out = StringIO()
    call_command("notifications_status", "--json", stdout=out)
    status = json.loads(out.getvalue())
    assert status["counts"]["pending"] >= 1 and status["handoff_pending"] == 1
    out = StringIO()
    call_command("notifications_status", stdout=out)
    assert "hand-offs waiting to go out (异地转办): 1" in out.getvalue()
    assert _deliver(row) == "sent"
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 6
    assert [m.message_id for m in flaky.sent] == [f"bb-handoff-{row.pk}"]
    assert flaky.sent[0].payload["authority"] == "金水区公安分局"


def test_file_backend_writes_one_line_and_in_doubt_send_is_resent(world, settings, tmp_path):
    settings.HANDOFF_BACKEND = "file"
    settings.HANDOFF_FILE_PATH = str(tmp_path / "handoffs.jsonl")
    row = Notification.objects.get(dedupe_key=f"handoff:{send(world).pk}:send")
    # a worker claimed it and vanished before sending: the sweep puts it back (the id keeps it one hand-off)
    Notification.objects.filter(pk=row.pk).update(
        status="sending", claimed_at=timezone.now(), next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert outbox_resolve_in_doubt()["pending"] == 1
    assert _deliver(row) == "sent"
    lines = (tmp_path / "handoffs.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["message_id"] == f"bb-handoff-{row.pk}"


def test_reference_then_completed_outcome(world):
    handoff = send(world)
    handoff_record_reference(actor=world.grid_worker, case=handoff.case, reference_no="ZZ-2026-0001")
    handoff.refresh_from_db()
    assert handoff.reference_no == "ZZ-2026-0001"
    case = handoff_return(actor=world.staff, case=handoff.case, outcome="completed", result="户口已登记")
    assert case.status == "completed" and case.reference_no == "ZZ-2026-0001"
    assert_flow_in_step(case)  # feedback window, as after any completion
    handoff.refresh_from_db()
    assert handoff.outcome == "completed" and handoff.returned_at is not None
    assert case.events.filter(kind="handoff_returned").count() == 1


def test_refused_outcome_rejects_the_case(world):
    handoff = send(world)
    case = handoff_return(actor=world.staff, case=handoff.case, outcome="refused", result="不符合条件")
    assert case.status == "rejected"
    assert_flow_in_step(case)


def test_who_and_when(world):
    case = drive_to(world, "assigned")
    with pytest.raises(ApplicationError) as exc:
        send(world, case=case)
    assert exc.value.status == 409
    case = drive_to(world, "visited")
    for user, status in ((world.volunteer, 403), (world.outsider, 404)):
        with pytest.raises(ApplicationError) as exc:
            handoff_send(actor=user, case=case, region="r", authority="a", channel="mail")
        assert exc.value.status == status
    assert not Handoff.objects.exists()


def test_the_hand_off_reminds_the_station_when_nothing_comes_back(world, settings):
    settings.HANDOFF_REMIND_WORKING_DAYS = 2
    with freeze_time("2026-12-01 02:00:00"):  # Tuesday
        handoff = send(world)
    with freeze_time("2026-12-03 15:00:00"):  # 23:00 local on the second working day: not late yet
        assert handoff_remind_due() == 0
    with freeze_time("2026-12-04 01:00:00"):
        assert handoff_remind_due() == 1
        assert handoff_remind_due() == 0  # once per reminder
    with freeze_time("2026-12-07 04:00:00"):  # Monday noon: the next reminder is due at the end of Monday
        assert handoff_remind_due() == 0
    with freeze_time("2026-12-08 01:00:00"):
        assert handoff_remind_due() == 1
    keys = list(Notification.objects.filter(template="handoff_remind").values_list("dedupe_key", flat=True))
    case_no = handoff.case.case_no
    assert keys == [
        f"case:{case_no}:handoff:{handoff.pk}:remind:2",
        f"case:{case_no}:handoff:{handoff.pk}:remind:1",
    ]
    handoff_return(actor=world.staff, case=handoff.case, outcome="completed", result="已办结")
    with freeze_time("2026-12-10 04:00:00"):
        assert handoff_remind_due() == 0


def test_api(world, client):
    case = drive_to(world, "visited")
    client.force_login(world.grid_worker)
    url = f"/api/v1/cases/{case.case_no}/handoff/"
    bad = client.post(
        url, {"region": "x", "authority": "y", "channel": "pigeon"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "channel" in bad.json()
    ok = client.post(
        url,
        {"region": "河北省", "authority": "省平台", "channel": "platform"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "handed_off"
    ref = client.post(url + "reference/", {"reference_no": "HB-1"}, content_type="application/json")
    assert ref.status_code == 200 and ref.json()["reference_no"] == "HB-1"
    done = client.post(
        url + "return/", {"outcome": "completed", "result": "已办结"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"
    again = client.post(
        url + "return/", {"outcome": "completed", "result": "已办结"}, content_type="application/json"
    )
    assert again.status_code == 409


def test_page_sends_records_reference_and_outcome(world, client):
    case = drive_to(world, "visited")
    client.force_login(world.grid_worker)
    url = f"/m/handoffs/{case.case_no}/"
    assert "转交外地办理" in client.get(f"/m/cases/{case.case_no}/").content.decode()
    page = client.get(url)
    assert page.status_code == 200 and "转出" in page.content.decode()
    bad = client.post(url, {"op": "send", "region": "", "authority": "x", "channel": "mail"})
    assert bad.status_code == 400
    sent = client.post(
        url,
        {
            "op": "send",
            "region": "山东省济南市",
            "authority": "历下区医保局",
            "channel": "mail",
            "materials_sent": ["户口簿"],
        },
    )
    assert sent.status_code == 302
    case.refresh_from_db()
    assert case.status == "handed_off"
    assert client.post(url, {"op": "reference", "reference_no": "JN-9"}).status_code == 302
    assert client.post(url, {"op": "return", "outcome": "completed", "result": "已办结"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "completed" and case.reference_no == "JN-9"
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
