"""Races that only a real database shows (SQLite serialises writers): run with DATABASE_URL=postgres://..."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from notifications.delivery import notification_deliver, outbox_take_due
from notifications.models import Notification
from notifications.services import notification_enqueue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_threads(n: int, target) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list = []

    def run(i: int) -> None:
        try:
            barrier.wait(5)
            results[i] = target(i)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    return results


def test_concurrent_enqueue_same_key_makes_one_row(no_publish):
    def enqueue(i: int) -> int:
        with transaction.atomic():
            row = notification_enqueue(
                dedupe_key="case:BB1:received", template="case_received", context={"case_no": "BB1", "n": i},
                recipient_phone="13800138000",
            )  # fmt: skip
            time.sleep(0.3)  # hold the transaction open: the twins' inserts wait on the unique index
        return row.pk

    pks = in_threads(6, enqueue)
    assert Notification.objects.count() == 1
    assert set(pks) == {Notification.objects.get().pk}


def test_concurrent_delivery_sends_once(sms, no_publish):
    row = notification_enqueue(
        dedupe_key="k", template="due_soon", context={}, recipient_phone="13800138000", audience="staff"
    )
    outcomes = in_threads(8, lambda i: notification_deliver(notification_id=row.pk))
    assert sorted(outcomes) == ["sent"] + ["skipped"] * 7
    assert len(sms.sent) == 1


def test_concurrent_sweeps_take_disjoint_rows(no_publish):
    past = timezone.now() - dt.timedelta(minutes=5)
    Notification.objects.bulk_create(
        Notification(
            dedupe_key=f"s{i}",
            template="due_soon",
            recipient_phone=f"+86138001{i:05d}",
            send_after=past,
            next_attempt_at=past,
            audience="staff",
        )
        for i in range(400)
    )
    batches = in_threads(4, lambda i: outbox_take_due(batch_size=150))
    taken = [pk for batch in batches for pk in batch]
    assert len(taken) == len(set(taken)) == 400
