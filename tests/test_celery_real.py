"""Real services: a ``celery -A config worker`` subprocess on Redis and PostgreSQL, SMS to the file backend.

Run: ``DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/5 pytest tests/test_celery_real.py``.
The worker reads the test database (``test_<name>``), so rows committed here are visible to it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from notifications import delivery
from notifications.models import Notification
from notifications.services import notification_enqueue
from notifications.tasks import publish_many, sweep_outbox
from tests.faults.celery_harness import (
    Worker,
    broker_unreachable,
    clear_broker,
    read_sms,
    wait_for,
    worker_database_url,
)

pytestmark = [
    pytest.mark.celery,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def sms_file(tmp_path: Path) -> Path:
    return tmp_path / "sms.jsonl"


@pytest.fixture
def worker_env(tmp_path: Path, sms_file: Path) -> dict[str, str]:
    redis_url = os.environ["REDIS_URL"]
    clear_broker(redis_url)
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=worker_database_url(),
        REDIS_URL=redis_url,
        SMS_BACKEND="file",
        SMS_FILE_PATH=str(sms_file),
        BANGBAN_VAR_DIR=str(tmp_path / "var"),
        CELERY_TASK_ALWAYS_EAGER="0",
    )
    return env


@pytest.fixture
def worker(worker_env, tmp_path):
    w = Worker(worker_env, tmp_path / "worker.log").start()
    yield w
    w.stop()


@pytest.fixture(autouse=True)
def _publish_to_real_broker(settings, sms_file):
    # This process publishes to the same Redis as the worker, and sends nothing itself; when it settles
    # in-doubt sends it must read the worker's SMS file, not the default one.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(sms_file)
    # Resident SMS are held 21:00-08:00 (Asia/Shanghai) at enqueue time; these tests check delivery, not
    # quiet hours (covered with frozen time in notifications/tests), so they must pass at any hour.
    settings.NOTIFICATIONS_QUIET_HOURS = (0, 0)


def enqueue(key: str, phone: str = "+8613800138000") -> Notification:
    return notification_enqueue(
        dedupe_key=key,
        template="due_soon",
        context={"case_no": key, "matter": "低保", "due_date": "12月3日", "site_name": "王庄村便民服务站"},
        recipient_phone=phone,
        audience="staff",
    )


def keys_in(sms_file: Path) -> Counter[str]:
    return Counter(m.group(0) for row in read_sms(sms_file) for m in [re.search(r"RK\d+", row["text"])] if m)


def sweep_as_if(later: dt.datetime) -> int:
    """What beat's ``sweep_outbox`` does when run at ``later`` (time travel without freezing the clock)."""
    delivery.outbox_resolve_in_doubt(now=later)
    published = 0
    while ids := delivery.outbox_take_due(now=later, batch_size=500):
        published += publish_many(ids)
    return published


def test_committed_notifications_reach_the_sms_file(worker, sms_file):
    with transaction.atomic():
        rows = [enqueue(f"RK{i}", phone=f"+86138001380{i:02d}") for i in range(3)]
    wait_for(lambda: len(read_sms(sms_file)) >= 3, timeout=30, what="3 SMS in the file")
    lines = read_sms(sms_file)
    assert sorted(row["to"] for row in lines) == sorted(r.recipient_phone for r in rows)
    assert all(row["text"].startswith("【帮办代办】王庄村便民服务站：RK") for row in lines)
    assert all(dt.datetime.fromisoformat(row["sent_at"]).tzinfo for row in lines)
    wait_for(
        lambda: Notification.objects.filter(status="sent").count() == 3, timeout=10, what="rows marked sent"
    )


def test_rolled_back_change_sends_nothing(worker, sms_file):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("RK1")
        raise RuntimeError("case change failed")
    with transaction.atomic():
        enqueue("RK2")
    wait_for(lambda: len(read_sms(sms_file)) >= 1, timeout=30, what="the committed SMS")
    time.sleep(1)
    assert keys_in(sms_file) == Counter({"RK2": 1})


def test_broker_down_row_stays_pending_then_sweep_delivers_once(worker, sms_file):
    with broker_unreachable(), transaction.atomic():
        row = enqueue("RK77")  # the caller's transaction still commits
    row.refresh_from_db()
    assert row.status == "pending"
    time.sleep(2)
    assert read_sms(sms_file) == []
    # Broker back. A sweep a minute later re-publishes it; a second, concurrent-ish sweep must not double it.
    later = timezone.now() + dt.timedelta(minutes=2)
    assert sweep_as_if(later) == 1
    sweep_outbox.apply()  # the real beat task at real time: the row is leased, nothing more to publish
    wait_for(lambda: keys_in(sms_file)["RK77"] >= 1, timeout=30, what="RK77 delivered")
    time.sleep(2)
    assert keys_in(sms_file) == Counter({"RK77": 1})
    row.refresh_from_db()
    assert row.status == "sent"


@pytest.mark.slow
def test_worker_killed_mid_batch_each_sms_exactly_once(worker, worker_env, sms_file, tmp_path):
    n = 1000
    with transaction.atomic():
        for i in range(n):
            # distinct phones: the per-recipient cap is not what this test is about
            enqueue(f"RK{i:04d}", phone=f"+86138{i:08d}")
    wait_for(lambda: len(read_sms(sms_file)) >= 150, timeout=60, what="the batch under way")
    worker.kill9()
    before = sum(keys_in(sms_file).values())
    assert before < n, "the worker finished before it was killed; nothing was tested"

    # The rows the dead worker had claimed are in doubt. The sweep settles them once their claim has
    # expired (NOTIFICATIONS_CLAIM_TIMEOUT); here "later" is simulated, and done while no worker runs, because
    # a live worker's claims must never be treated as expired.
    in_doubt = Notification.objects.filter(status="sending").count()
    settled_in_doubt = delivery.outbox_resolve_in_doubt(now=timezone.now() + dt.timedelta(minutes=10))
    assert sum(settled_in_doubt.values()) == in_doubt
    print(f"killed after {before} SMS; in doubt: {in_doubt} -> {settled_in_doubt}")

    restarted = Worker(worker_env, tmp_path / "worker2.log").start()
    try:
        # Messages the dead worker had prefetched sit unacked in Redis for the visibility timeout (1 h):
        # the outbox sweep re-publishes their still-pending rows (pending rows only: claims stay untouched).
        def settled() -> bool:
            done = Notification.objects.filter(status__in=["sent", "failed"]).count()
            if done < n:
                later = timezone.now() + dt.timedelta(minutes=10)
                while ids := delivery.outbox_take_due(now=later, batch_size=500):
                    publish_many(ids)
            return done == n

        wait_for(settled, timeout=180, interval=1, what=f"all {n} rows settled")
        time.sleep(2)
    finally:
        restarted.stop()

    counts = keys_in(sms_file)
    duplicates = {k: c for k, c in counts.items() if c > 1}
    assert duplicates == {}
    assert len(counts) == n
    assert Notification.objects.filter(status="sent").count() == n


# --- Through the case API (workflows) --------------------------------------------------------------------


def _post_case(world) -> dict:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=world.grid_worker)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(
        "/api/v1/cases/",
        {
            "site": world.station.code,
            "matter": world.matter.code,
            "resident_name": "王秀英",
            "resident_phone": "+86 138-0013-8000",
            "address": "幸福村3组12号",
            "description": "开具居住证明",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def _resident_sms(sms_file: Path, case_no: str) -> list[dict]:
    return [r for r in read_sms(sms_file) if r["to"] == "+8613800138000" and case_no in r["text"]]


@pytest.fixture
def world(worker_env):
    from workflows.tests.factories import make_world

    return make_world()


def test_case_created_through_api_sends_resident_sms(world, worker, sms_file):
    case_no = _post_case(world)["case_no"]
    wait_for(lambda: _resident_sms(sms_file, case_no), timeout=30, what="the case-received SMS")
    time.sleep(1)
    assert len(_resident_sms(sms_file, case_no)) == 1


def test_case_created_with_broker_down_arrives_once_after_sweep(world, worker, sms_file):
    with broker_unreachable():
        case_no = _post_case(world)["case_no"]  # 201 although the broker is unreachable
    assert Notification.objects.filter(dedupe_key__contains=case_no, status="pending").exists()
    time.sleep(2)
    assert _resident_sms(sms_file, case_no) == []
    sweep_as_if(timezone.now() + dt.timedelta(minutes=2))
    wait_for(lambda: _resident_sms(sms_file, case_no), timeout=30, what="the case-received SMS")
    sweep_outbox.apply()
    time.sleep(2)
    assert len(_resident_sms(sms_file, case_no)) == 1
