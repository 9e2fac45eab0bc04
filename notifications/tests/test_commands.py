import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from notifications.models import Notification
from notifications.services import notification_enqueue

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("notifications_status", *args, stdout=out)
    return out.getvalue()


def test_status_empty_outbox():
    out = run()
    assert "pending: 0" in out
    assert "oldest pending: none" in out


def test_status_counts_and_oldest_age(no_publish):
    base = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
    with freeze_time(base):
        for i in range(3):
            notification_enqueue(
                dedupe_key=f"p{i}", template="due_soon", context={}, recipient_phone=f"1380013800{i}",
                audience="staff",
            )  # fmt: skip
        notification_enqueue(
            dedupe_key="later", template="due_soon", context={}, recipient_phone="13900139000",
            audience="staff", send_after=base + dt.timedelta(days=1),
        )  # fmt: skip
    Notification.objects.filter(dedupe_key="p1").update(status="sent")
    Notification.objects.filter(dedupe_key="p2").update(status="failed")
    with freeze_time(base + dt.timedelta(minutes=5)):
        out = run()
        data = json.loads(run("--json"))
    assert "pending: 2" in out
    assert "sent: 1" in out
    assert "failed: 1" in out
    assert "oldest pending: 300s" in out
    assert data["counts"] == {"pending": 2, "sending": 0, "sent": 1, "failed": 1, "cancelled": 0}
    assert data["held"] == 1
    assert data["oldest_pending_age_seconds"] == 300
