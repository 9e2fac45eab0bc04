"""Redis (broker and cache) dies during intake and during sending: nothing is lost, nothing is sent twice.

A private ``redis-server`` (``RedisServer``, no persistence) is the broker of this process and of a real
``celery -A config worker``; it is SIGKILLed mid-run and restarted empty on the same port, so every queued
message is gone, as after a real crash. The outbox (PostgreSQL) is what must carry the work through: each
case is saved while Redis is down, and after recovery the outbox sweep re-publishes what was lost. The
check compares the outbox with the SMS file line by line: every ``sent`` row appears exactly once, no line
appears that has no row.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from notifications import delivery, services
from notifications.models import Notification
from notifications.tasks import publish_many
from tests.faults.celery_harness import RedisServer, Worker, broker_at, read_sms, wait_for
from tests.faults.conftest import api_client, case_body, outbox_pairs, sent_pairs, worker_env_for
from workflows.models import Case

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def stack(redis_server: RedisServer, tmp_path: Path, sms_file: Path, settings: Any, deliver_now: None):
    """This process and a worker both on the private Redis (broker and cache)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(sms_file)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    env = worker_env_for(redis_server.url, tmp_path, sms_file)
    with broker_at(redis_server.url):
        worker = Worker(env, tmp_path / "worker.log", concurrency=2).start()
        try:
            yield worker
        finally:
            worker.stop()


RESTARTS: list[str] = []


def supervise(worker: Worker) -> None:
    """What the deployment's process supervisor does (docker-compose ``restart: unless-stopped``).

    Observed with celery/kombu 5.7 + redis-py 8.1: when Redis dies under it, the worker may exit with
    "Unrecoverable error: AttributeError(... 'hostname')" raised in kombu's restore-unacked-on-close path,
    instead of reconnecting. It must be restarted; the outbox makes that lossless.
    """
    assert worker.proc is not None
    if worker.proc.poll() is not None:
        RESTARTS.append(f"worker exited with {worker.proc.returncode}")
        worker.start()


def sweep_until_settled(expected: int, worker: Worker, timeout: float = 120) -> None:
    """Run the outbox sweep (as beat would, "later") until ``expected`` SMS rows are settled."""

    def settled() -> bool:
        supervise(worker)
        done = Notification.objects.filter(channel="sms", status__in=["sent", "failed"]).count()
        if done < expected:
            later = timezone.now() + dt.timedelta(minutes=10)
            while ids := delivery.outbox_take_due(now=later, batch_size=500):
                if publish_many(ids) < len(ids):
                    break
        return done >= expected

    wait_for(settled, timeout=timeout, interval=1, what=f"{expected} SMS rows settled")
    time.sleep(2)  # anything still in flight would show up as a duplicate below


def assert_each_sent_once(sms_file: Path) -> None:
    in_file = sent_pairs(sms_file)
    assert {k: n for k, n in in_file.items() if n > 1} == {}, "duplicate SMS"
    assert in_file == outbox_pairs(status="sent"), "the SMS file and the outbox disagree"
    assert not Notification.objects.filter(channel="sms").exclude(status="sent").exists()


def test_redis_killed_during_intake(stack: Worker, redis_server: RedisServer, sms_file: Path) -> None:
    from workflows.tests.factories import make_world

    RESTARTS.clear()
    world = make_world()
    client = api_client(world.grid_worker)

    def intake(first: int, n: int) -> list[str]:
        numbers = []
        for i in range(first, first + n):
            started = time.monotonic()
            response = client.post("/api/v1/cases/", case_body(world, i), format="json")
            assert response.status_code == 201, response.content
            assert time.monotonic() - started < 10, "intake hung on the dead broker"
            numbers.append(response.json()["case_no"])
        return numbers

    before = intake(0, 10)
    wait_for(lambda: len(read_sms(sms_file)) >= 10, timeout=30, what="SMS of the first 10 cases")

    redis_server.kill()
    during = intake(10, 10)  # broker and cache down: the cases are still saved, their SMS stay pending
    pending = Notification.objects.filter(dedupe_key__in=[f"case:{n}:received" for n in during])
    assert sorted(pending.values_list("status", flat=True)) == ["pending"] * 10

    redis_server.start()  # same port, empty: whatever was queued is gone
    after = intake(20, 10)

    sweep_until_settled(30, stack)
    numbers = before + during + after
    assert Case.objects.filter(case_no__in=numbers, process__isnull=False).count() == 30
    received = Notification.objects.filter(dedupe_key__in=[f"case:{n}:received" for n in numbers])
    assert received.filter(status="sent").count() == 30
    assert_each_sent_once(sms_file)
    print(
        f"intake: worker restarts {RESTARTS}; {len(numbers)} cases, {sum(sent_pairs(sms_file).values())} SMS, each once"
    )


def test_redis_killed_during_sending(stack: Worker, redis_server: RedisServer, sms_file: Path) -> None:
    RESTARTS.clear()
    n = 300
    with transaction.atomic():
        for i in range(n):
            services.notification_enqueue(
                dedupe_key=f"fault:redis:{i}",
                template="due_soon",
                context={"case_no": f"RK{i:04d}", "matter": "低保", "due_date": "12月3日"},
                recipient_phone=f"+86137{i:08d}",
                audience="staff",
            )
    wait_for(lambda: len(read_sms(sms_file)) >= 40, timeout=60, what="sending under way")
    redis_server.kill()
    at_kill = len(read_sms(sms_file))
    time.sleep(3)  # the worker notices the outage; the rows it had claimed still finish in PostgreSQL
    redis_server.start()
    assert at_kill < n, "everything was sent before Redis died; nothing was tested"

    sweep_until_settled(n, stack, timeout=150)
    assert_each_sent_once(sms_file)
    assert len(read_sms(sms_file)) == n
    print(
        f"sending: worker restarts {RESTARTS}; Redis killed after {at_kill}/{n} SMS; after recovery {n} sent, each once"
    )
