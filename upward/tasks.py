"""Celery tasks of the 好差评 upward outbox (guarantees: ``upward.delivery``)."""

from __future__ import annotations

import logging

from celery import shared_task

from upward import delivery
from upward.delivery import RetryableUpwardError

logger = logging.getLogger(__name__)


@shared_task(
    name="upward.tasks.send_upward_record",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(RetryableUpwardError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,  # then the sweep carries on (the row stays pending): a record is never given up
    soft_time_limit=20,
    time_limit=30,  # below UPWARD_CLAIM_TIMEOUT: only a dead worker's claim ever runs out
    ignore_result=True,
)
def send_upward_record(record_pk: int) -> str:
    """Send upward record ``record_pk`` (idempotent: the claim lets one worker send a row)."""
    return delivery.upward_record_deliver(record_pk=int(record_pk))


@shared_task(
    name="upward.tasks.sweep_upward", acks_late=True, soft_time_limit=50, time_limit=58, ignore_result=True
)
def sweep_upward(batch_size: int = 500, max_batches: int = 20) -> int:
    """Every minute: re-publish due pending rows (broker was down, backoff over, a worker died)."""
    published = 0
    for _ in range(max_batches):
        ids = delivery.upward_take_due(batch_size=batch_size)
        for position, pk in enumerate(ids):
            try:
                send_upward_record.delay(pk)
            except Exception:  # noqa: BLE001 - broker down: the rows stay pending for the next sweep
                logger.warning(
                    "upward: broker unavailable, %s rows left for the next sweep", len(ids) - position
                )
                delivery.upward_release(ids=ids[position:])
                return published
            published += 1
        if len(ids) < batch_size:
            break
    return published
