import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from notifications.backends import PermanentSendError, RetryableSendError
from notifications.delivery import notification_deliver, outbox_resolve_in_doubt
from notifications.models import Notification
from notifications.services import notification_enqueue
from notifications.tasks import send_notification, sweep_outbox

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SH)  # in the past: tasks run at real time


def make(key="k1", **kw) -> Notification:
    kw.setdefault("template", "due_soon")
    kw.setdefault("context", {"case_no": key, "matter": "低保"})
    kw.setdefault("recipient_phone", "+8613800138000")
    kw.setdefault("audience", "staff")
    return notification_enqueue(dedupe_key=key, **kw)


@pytest.fixture
def row(no_publish):
    with freeze_time(NOW):
        return make()


def test_send_marks_sent_with_text(sms, row):
    with freeze_time(NOW + dt.timedelta(seconds=5)):
        assert send_notification.apply(args=[row.pk]).get() == "sent"
    row.refresh_from_db()
    assert row.status == "sent"
    assert row.sent_at == NOW + dt.timedelta(seconds=5)
    assert row.attempts == 1
    assert [(m.to, m.text) for m in sms.sent] == [("+8613800138000", row.text)]
    assert sms.sent[0].message_id == f"bb-{row.pk}"


def test_send_twice_sends_once(sms, row):
    assert send_notification.apply(args=[row.pk]).get() == "sent"
    assert send_notification.apply(args=[row.pk]).get() == "skipped"
    assert len(sms.sent) == 1


def test_claimed_row_is_not_sent_by_a_second_worker(sms, row):
    Notification.objects.filter(pk=row.pk).update(status="sending")  # another worker holds the claim
    assert notification_deliver(notification_id=row.pk) == "skipped"
    assert sms.sent == []


def test_row_held_until_later_is_not_sent_early(sms, no_publish):
    with freeze_time(NOW):
        held = make("held", send_after=NOW + dt.timedelta(hours=2))
        assert notification_deliver(notification_id=held.pk) == "skipped"
    assert sms.sent == []


def test_cancelled_row_is_never_sent(sms, row):
    Notification.objects.filter(pk=row.pk).update(status="cancelled")
    assert notification_deliver(notification_id=row.pk) == "skipped"
    assert sms.sent == []


def test_retryable_error_then_success(sms, row):
    sms.script = [RetryableSendError("HTTP 503")]
    # Eager apply runs Celery's autoretry inline: first try fails, the retry succeeds.
    send_notification.apply(args=[row.pk])
    row.refresh_from_db()
    assert row.status == "sent"
    assert row.attempts == 2
    assert len(sms.sent) == 1


def test_retryable_error_backs_off_and_keeps_pending(sms, row):
    sms.script = [RetryableSendError("timeout")]
    with freeze_time(NOW), pytest.raises(RetryableSendError):
        notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert row.status == "pending"
    assert row.attempts == 1
    assert "timeout" in row.last_error
    # 30 s backoff + 60 s sweep grace: the sweep leaves it to Celery's own retry first.
    assert row.next_attempt_at == NOW + dt.timedelta(seconds=90)
    sms.script = [RetryableSendError("timeout")]
    with freeze_time(NOW + dt.timedelta(seconds=40)), pytest.raises(RetryableSendError):
        notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert row.next_attempt_at == NOW + dt.timedelta(seconds=40 + 60 + 60)


def test_unexpected_exception_is_retryable(sms, row):
    sms.script = [ValueError("boom")]
    with pytest.raises(RetryableSendError):
        notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert row.status == "pending"
    assert "ValueError" in row.last_error


def test_permanent_failure_marks_failed_with_error(sms, row):
    sms.script = [PermanentSendError("HTTP 400 invalid number")]
    assert send_notification.apply(args=[row.pk]).get() == "failed"
    row.refresh_from_db()
    assert row.status == "failed"
    assert "invalid number" in row.last_error
    assert row.next_attempt_at is None
    assert sms.sent == []


def test_retries_exhausted_marks_failed(sms, row, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    sms.script = [RetryableSendError(f"503 #{i}") for i in range(10)]
    send_notification.apply(args=[row.pk])
    row.refresh_from_db()
    assert row.status == "failed"
    assert row.attempts == 3
    assert "503 #2" in row.last_error
    assert sms.sent == []


# --- sweep ---------------------------------------------------------------------------------------


@pytest.fixture
def published(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr("notifications.tasks.send_notification.delay", calls.append)
    return calls


def test_sweep_republishes_only_due_pending_rows(no_publish, published):
    with freeze_time(NOW):
        fresh = make("fresh")  # due now, sweep waits a minute for the on-commit publish
        held = make("held", send_after=NOW + dt.timedelta(hours=1))
        sent = make("sent")
        Notification.objects.filter(pk=sent.pk).update(status="sent", next_attempt_at=None)
    with freeze_time(NOW + dt.timedelta(seconds=30)):
        assert sweep_outbox()["published"] == 0
    with freeze_time(NOW + dt.timedelta(seconds=61)):
        assert sweep_outbox()["published"] == 1
        assert published == [fresh.pk]
        # leased: a second sweep right after does not publish it again
        assert sweep_outbox()["published"] == 0
    with freeze_time(NOW + dt.timedelta(hours=1, seconds=1)):
        sweep_outbox()
    assert published[0] == fresh.pk
    assert held.pk in published[1:]  # released when due (fresh is re-published too: its lease ran out)


def test_sweep_works_in_batches(no_publish, published):
    with freeze_time(NOW):
        rows = [make(f"b{i}", recipient_phone=f"+861380013800{i}") for i in range(7)]
    with freeze_time(NOW + dt.timedelta(minutes=2)):
        result = sweep_outbox(batch_size=3, max_batches=2)
    assert result["published"] == 6
    with freeze_time(NOW + dt.timedelta(minutes=2)):
        sweep_outbox(batch_size=3)
    assert sorted(published) == sorted(r.pk for r in rows)


def test_sweep_with_broker_down_releases_rows(no_publish, monkeypatch):
    def boom(*a, **k):
        raise ConnectionRefusedError

    monkeypatch.setattr("notifications.tasks.send_notification.delay", boom)
    with freeze_time(NOW):
        row = make()
    with freeze_time(NOW + dt.timedelta(minutes=2)):
        assert sweep_outbox()["published"] == 0
    row.refresh_from_db()
    assert row.status == "pending"
    assert row.next_attempt_at == NOW + dt.timedelta(minutes=2)  # due again at once, not leased


def test_sweep_then_task_delivers_exactly_once(sms, no_publish, monkeypatch):
    monkeypatch.setattr(
        "notifications.tasks.send_notification.delay", lambda pk: send_notification.apply(args=[pk])
    )
    with freeze_time(NOW):
        row = make()
    with freeze_time(NOW + dt.timedelta(minutes=2)):
        sweep_outbox()
        sweep_outbox()
        send_notification.apply(args=[row.pk])  # the original message arriving late
    assert len(sms.sent) == 1


# --- in-doubt claims -----------------------------------------------------------------------------


def _stuck(row: Notification, claimed: dt.datetime) -> None:
    Notification.objects.filter(pk=row.pk).update(
        status="sending", claimed_at=claimed, next_attempt_at=claimed + dt.timedelta(seconds=180), attempts=1
    )


def test_in_doubt_unknown_backend_is_failed_not_resent(sms, row):
    _stuck(row, NOW)
    with freeze_time(NOW + dt.timedelta(seconds=100)):
        assert outbox_resolve_in_doubt() == {"sent": 0, "pending": 0, "failed": 0}  # claim still live
    with freeze_time(NOW + dt.timedelta(seconds=181)):
        assert outbox_resolve_in_doubt()["failed"] == 1
    row.refresh_from_db()
    assert row.status == "failed"
    assert "不再重发" in row.last_error


def test_in_doubt_file_backend_checks_the_file(settings, tmp_path, no_publish):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    with freeze_time(NOW):
        delivered = make("delivered")
        lost = make("lost")
    from notifications.backends import OutgoingSms
    from notifications.backends.file import FileBackend

    FileBackend().send(OutgoingSms(to=delivered.recipient_phone, text=delivered.text, message_id="x"))
    _stuck(delivered, NOW)
    _stuck(lost, NOW)
    with freeze_time(NOW + dt.timedelta(minutes=5)):
        assert outbox_resolve_in_doubt() == {"sent": 1, "pending": 1, "failed": 0}
        delivered.refresh_from_db()
        lost.refresh_from_db()
        assert delivered.status == "sent"
        assert lost.status == "pending"
        assert send_notification.apply(args=[lost.pk]).get() == "sent"
    lines = (tmp_path / "sms.jsonl").read_text().splitlines()
    assert len(lines) == 2


def test_beat_schedule_names_registered_tasks(settings):
    from config.celery_app import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        if entry["task"].startswith("notifications."):
            assert entry["task"] in app.tasks


def test_quiet_hours_end_to_end_held_overnight_sent_at_8(sms, no_publish, monkeypatch):
    from notifications.tasks import release_quiet_hours

    monkeypatch.setattr(
        "notifications.tasks.send_notification.delay", lambda pk: send_notification.apply(args=[pk])
    )
    night = dt.datetime(2026, 11, 18, 23, 0, tzinfo=SH)
    with freeze_time(night):
        row = make("night", audience="resident", template="result_ready")
    with freeze_time(night.replace(day=19, hour=7, minute=59)):
        assert release_quiet_hours.apply().get()["published"] == 0
        assert notification_deliver(notification_id=row.pk) == "skipped"  # a stray message cannot send early
    assert sms.sent == []
    with freeze_time(night.replace(day=19, hour=8, minute=0)):
        assert release_quiet_hours.apply().get()["published"] == 1
    row.refresh_from_db()
    assert row.status == "sent"
    assert row.sent_at == night.replace(day=19, hour=8, minute=0)
    assert len(sms.sent) == 1


def test_otp_code_is_wiped_from_the_outbox_once_sent(sms, no_publish):
    otp = notification_enqueue(
        dedupe_key="otp:1",
        template="otp_code",
        context={"code": "493817"},
        recipient_phone="+8613800138000",
        audience="otp",
    )
    assert "493817" in otp.text
    assert notification_deliver(notification_id=otp.pk) == "sent"
    assert "493817" in sms.sent[0].text  # the resident got the code
    otp.refresh_from_db()
    assert "493817" not in otp.text and otp.context == {}
