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
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from notifications import services as outbox
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
