"""The Celery worker is SIGKILLed while it sends the SMS of case actions, then restarted: no SMS lost or sent
twice.

``tests/test_celery_real.py::test_worker_killed_mid_batch_each_sms_exactly_once`` kills the worker during a
batch of 1,000 directly enqueued rows. This variant drives the messages through the case API (intake →
resident SMS, assign → agent SMS), so the on-commit publishing of ``workflows.services`` is what is
interrupted, and compares the outbox with the SMS file line by line.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from notifications import delivery as outbox
from notifications.models import Notification
from notifications.tasks import publish_many
from tests.faults.celery_harness import Worker, clear_broker, read_sms, wait_for
from tests.faults.conftest import api_client, case_body, outbox_pairs, sent_pairs, worker_env_for
from workflows.models import Case

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker_env(tmp_path: Path, sms_file: Path, settings: Any, deliver_now: None) -> dict[str, str]:
    import os

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.SMS_BACKEND = "file"
    # The in-doubt check below runs here and must read the worker's file (as the beat sweep would).
    settings.SMS_FILE_PATH = str(sms_file)
    redis_url = os.environ["REDIS_URL"]
    clear_broker(redis_url)
    return worker_env_for(redis_url, tmp_path, sms_file)


def test_worker_killed_during_case_action_sends(worker_env, tmp_path: Path, sms_file: Path) -> None:
    from workflows.tests.factories import make_world

    world = make_world()
    world.agent_grid.phone = "+8613900139000"
    world.agent_grid.save()
    grid, staff = api_client(world.grid_worker), api_client(world.staff)
    n = 60
    # Cases first, with no worker running: their resident SMS wait in Redis.
    numbers = []
    for i in range(n):
        response = grid.post("/api/v1/cases/", case_body(world, i), format="json")
        assert response.status_code == 201, response.content
        numbers.append(response.json()["case_no"])

    worker = Worker(worker_env, tmp_path / "worker.log", concurrency=4).start()
    # Assignments while the worker drains the intake SMS: one more SMS (to the agent) per case.
    for case_no in numbers:
        response = staff.post(
            f"/api/v1/cases/{case_no}/assign/", {"agent": world.grid_worker.username}, format="json"
        )
        assert response.status_code == 200, response.content
        if len(read_sms(sms_file)) >= 30:
            break
    wait_for(lambda: len(read_sms(sms_file)) >= 30, timeout=60, what="sending under way")
    worker.kill9()
    at_kill = len(read_sms(sms_file))
    expected = Notification.objects.filter(channel="sms").count()
    assert at_kill < expected, "everything was sent before the kill; nothing was tested"
    in_doubt = Notification.objects.filter(status="sending").count()
    # The dead worker's claims expire (simulated "later", while no worker runs): the file backend can tell
    # whether each in-doubt SMS went out, so none is lost and none is repeated.
    settled = outbox.outbox_resolve_in_doubt(now=timezone.now() + dt.timedelta(minutes=10))
    assert sum(settled.values()) == in_doubt

    # The rest of the assignments happen while the worker is down.
    for case_no in numbers:
        if Case.objects.get(case_no=case_no).status == "new":
            response = staff.post(
                f"/api/v1/cases/{case_no}/assign/", {"agent": world.grid_worker.username}, format="json"
            )
            assert response.status_code == 200, response.content
    expected = Notification.objects.filter(channel="sms").count()

    restarted = Worker(worker_env, tmp_path / "worker2.log", concurrency=4).start()
    try:

        def settled_all() -> bool:
            done = Notification.objects.filter(channel="sms", status__in=["sent", "failed"]).count()
            if done < expected:
                later = timezone.now() + dt.timedelta(minutes=10)
                while ids := outbox.outbox_take_due(now=later, batch_size=500):
                    publish_many(ids)
            return done == expected

        wait_for(settled_all, timeout=120, interval=1, what=f"{expected} SMS rows settled")
        time.sleep(2)
    finally:
        restarted.stop()

    in_file = sent_pairs(sms_file)
    assert {k: c for k, c in in_file.items() if c > 1} == {}, "duplicate SMS"
    assert in_file == outbox_pairs(status="sent")
    assert Notification.objects.filter(channel="sms", status="sent").count() == expected == 2 * n
    print(
        f"worker killed after {at_kill}/{expected} SMS, {in_doubt} in doubt -> {settled}; all {expected} once"
    )


# --- Issue 18: a batch of login codes, the worker SIGKILLed mid-batch -------------------------------------

OTP_PHONES = [f"+861390013{i:04d}" for i in range(30)]


@pytest.fixture
def otp_stack(redis_server: Any, tmp_path: Path, sms_file: Path, settings: Any, deliver_now: None):
    """This process and a worker on a private Redis (broker + the limits' cache), sends that take 0.6 s, and
    the outbox's time bounds shortened for the test (production: lease 60 s, grace 60 s, sweep every 60 s)."""
    from tests.faults.celery_harness import broker_at

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(sms_file)
    settings.NOTIFICATIONS_SWEEP_GRACE = 5  # the rows enqueued here: re-published 5 s after due, not 60
    settings.TRACK_RATE_LIMITS = "otp_phone=10/h,otp_ip=1000/h"
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    env = worker_env_for(
        redis_server.url,
        tmp_path,
        sms_file,
        NOTIFICATIONS_CLAIM_TIMEOUT="10",
        NOTIFICATIONS_SWEEP_GRACE="5",
        NOTIFICATIONS_PUBLISH_LEASE="10",
        SMS_SLOW_SECONDS="0.3",
    )
    env["SMS_BACKEND"] = "tests.faults.slow_sms.SlowFileBackend"
    with broker_at(redis_server.url):
        yield env


def test_worker_killed_mid_otp_batch_every_phone_gets_one_code(
    otp_stack, tmp_path: Path, sms_file: Path
) -> None:
    from rest_framework.test import APIClient

    from notifications.tasks import sweep_outbox

    client = APIClient()
    for phone in OTP_PHONES:  # queued in Redis before any worker runs
        response = client.post("/api/v1/track/otp/", {"phone": phone}, format="json")
        assert response.status_code == 202, response.content
    worker = Worker(otp_stack, tmp_path / "worker.log", concurrency=4).start()
    wait_for(lambda: len(read_sms(sms_file)) >= 5, timeout=60, what="a few codes sent")
    worker.kill9()
    at_kill = len(read_sms(sms_file))
    in_flight = Notification.objects.filter(audience="otp", status="sending").count()
    assert at_kill < len(OTP_PHONES), "every code was sent before the kill; nothing was tested"
    assert in_flight > 0, "no send was in flight at the kill; nothing was tested"

    restarted = Worker(otp_stack, tmp_path / "worker2.log", concurrency=4).start()
    started = time.monotonic()
    try:

        def all_sent() -> bool:
            sweep_outbox.delay()  # what beat does every minute (here every 2 s, the lease being 10 s)
            return Notification.objects.filter(audience="otp", status="sent").count() == len(OTP_PHONES)

        wait_for(all_sent, timeout=120, interval=2, what="every code sent")
        recovered_in = time.monotonic() - started
        time.sleep(3)  # late duplicates (a redelivered message, a second sweep) would land by now
    finally:
        restarted.stop()

    per_phone = Counter(row["to"] for row in read_sms(sms_file))
    assert per_phone == Counter(OTP_PHONES), {p: n for p, n in per_phone.items() if n != 1}
    assert Notification.objects.filter(audience="otp").exclude(status="sent").count() == 0
    assert recovered_in < 120
    print(
        f"OTP batch: worker killed after {at_kill}/30 codes, {in_flight} in flight; all 30 once in {recovered_in:.0f}s"
    )


def test_production_recovery_bound_fits_an_otp_life() -> None:
    """The documented bound (docs/development.md, Reliability): a code in flight when its worker died is re-sent within the
    lease plus one sweep interval, about two minutes, inside its life; a live worker's send ends (hard time
    limit) before its lease does."""
    from django.conf import settings

    from notifications.conf import _DEFAULTS
    from notifications.tasks import SEND_TIME_LIMIT

    lease = _DEFAULTS["NOTIFICATIONS_CLAIM_TIMEOUT"]
    sweep_every = settings.CELERY_BEAT_SCHEDULE["notifications-sweep-outbox"]["schedule"]
    assert SEND_TIME_LIMIT < lease <= 60
    assert lease + sweep_every <= 120 < settings.TRACK_OTP_TTL_SECONDS
    assert _DEFAULTS["NOTIFICATIONS_SWEEP_GRACE"] + sweep_every <= 120  # a lost message of a pending row
