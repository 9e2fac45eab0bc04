"""Staff alerts over the per-phone cap fold into one digest; held messages are logged; recovered codes wiped."""

import datetime as dt
import json
import logging
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from notifications.backends import OutgoingSms, RetryableSendError
from notifications.backends.file import FileBackend
from notifications.delivery import OTP_SCRUBBED_TEXT, notification_deliver, outbox_resolve_in_doubt
from notifications.models import Notification
from notifications.services import notification_enqueue

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
DAY = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SH)
STATION_PHONE = "+8613800138000"


def alert(key: str, **kw) -> Notification:
    kw.setdefault("template", "due_soon")
    kw.setdefault("context", {"case_no": key, "matter": "低保"})
    kw.setdefault("recipient_phone", STATION_PHONE)
    kw.setdefault("audience", "staff")
    return notification_enqueue(dedupe_key=key, **kw)


def test_staff_alerts_over_the_cap_go_together_in_one_digest_within_the_hour(sms, no_publish, settings):
    settings.NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR = 2
    rows = []
    for minute in range(0, 50, 5):  # ten alerts in 50 minutes (a busy station)
        with freeze_time(DAY + dt.timedelta(minutes=minute)):
            rows.append(alert(f"BB{minute:02d}"))
    singles, held = rows[:2], rows[2:]
    assert all(r.send_after == DAY + dt.timedelta(minutes=5 * i) for i, r in enumerate(singles))
    slot = DAY + dt.timedelta(hours=1)
    # residents' rule would push the tenth alert to 14:00; the digest rule keeps every one within the hour
    assert {r.send_after for r in held} == {slot}
    for r in singles:
        with freeze_time(r.send_after):
            assert notification_deliver(notification_id=r.pk) == "sent"
    with freeze_time(slot):
        assert notification_deliver(notification_id=held[0].pk) == "sent"
        for r in held[1:]:  # the other alerts' own task messages find them already sent
            assert notification_deliver(notification_id=r.pk) == "skipped"
    assert len(sms.sent) == 3
    digest = sms.sent[-1].text
    assert digest.startswith("【帮办代办】8条提醒汇总")
    for r in held:
        assert r.dedupe_key in digest  # each alert's case number is in the one SMS: folded, not dropped
    assert Notification.objects.filter(status="sent").count() == 10


def test_a_failed_digest_puts_every_folded_alert_back(sms, no_publish, settings):
    settings.NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR = 1
    with freeze_time(DAY):
        first, a, b = alert("BB1"), alert("BB2"), alert("BB3")
        notification_deliver(notification_id=first.pk)
    sms.script = [RetryableSendError("gateway 503")]
    with freeze_time(a.send_after), pytest.raises(RetryableSendError):
        notification_deliver(notification_id=a.pk)
    assert set(Notification.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {
        "pending"
    }


def test_residents_keep_their_cap_and_quiet_hours(no_publish, settings):
    settings.NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR = 1
    with freeze_time(DAY):
        alert("r1", audience="resident")
        second = alert("r2", audience="resident")
        third = alert("r3", audience="resident")
    assert second.send_after == DAY + dt.timedelta(hours=1)
    assert third.send_after == DAY + dt.timedelta(hours=2)
    assert "_digest" not in second.context


def test_a_message_held_by_quiet_hours_is_logged_as_held(no_publish, caplog):
    caplog.set_level(logging.INFO, logger="notifications.services")
    with freeze_time(dt.datetime(2026, 11, 20, 21, 30, tzinfo=SH)):
        row = alert("night", audience="resident", template="case_received")
    assert row.status == "pending"
    held = [r.getMessage() for r in caplog.records if "held" in r.getMessage()]
    assert held == ["notifications: night to 138****8000 held: 免打扰时段，08:00 后发送"]


def test_a_message_sent_at_once_logs_no_hold(no_publish, caplog):
    caplog.set_level(logging.INFO, logger="notifications.services")
    with freeze_time(DAY):
        alert("day", audience="resident", template="case_received")
    assert not [r for r in caplog.records if "held" in r.getMessage()]


def test_status_does_not_contradict_itself_when_a_message_is_held(no_publish):
    with freeze_time(dt.datetime(2026, 11, 20, 22, 0, tzinfo=SH)):
        alert("night", audience="resident", template="case_received")
        out = StringIO()
        call_command("notifications_status", stdout=out)
        data = StringIO()
        call_command("notifications_status", "--json", stdout=data)
    text = out.getvalue()
    assert "pending: 1 (due now: 0, held for later: 1)" in text
    assert "oldest pending: none due (1 held, not yet due)" in text
    assert "first due at 2026-11-21T08:00:00+08:00" in text
    payload = json.loads(data.getvalue())
    assert payload["counts"]["pending"] == 1 and payload["held"] == 1
    assert payload["oldest_pending_age_seconds"] is None
    assert payload["held_until"] == "2026-11-21T00:00:00+00:00"  # UTC, like oldest_pending_at


def test_a_recovered_code_is_wiped_once_confirmed_sent(settings, tmp_path, no_publish):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    with freeze_time(DAY):
        otp = notification_enqueue(
            dedupe_key="otp:9",
            template="otp_code",
            context={"code": "493817"},
            recipient_phone=STATION_PHONE,
            audience="otp",
        )
    # the worker sent it (the file proves it) and was killed before recording the outcome
    FileBackend().send(OutgoingSms(to=otp.recipient_phone, text=otp.text, message_id=f"bb-{otp.pk}"))
    Notification.objects.filter(pk=otp.pk).update(
        status="sending", claimed_at=DAY, next_attempt_at=DAY + dt.timedelta(seconds=60), attempts=1
    )
    with freeze_time(DAY + dt.timedelta(minutes=5)):
        assert outbox_resolve_in_doubt()["sent"] == 1
    otp.refresh_from_db()
    assert otp.status == "sent"
    assert "493817" not in otp.text and otp.text == OTP_SCRUBBED_TEXT and otp.context == {}
