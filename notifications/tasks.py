"""Celery tasks of the outbox (the Viewflow timer tick lives in ``workflows.timer_tasks``, the holiday-calendar
alert in ``notifications.calendar_tasks``).

Delivery guarantees (the design in one place):

- **Publish after commit.** ``notification_enqueue`` writes the row in the caller's transaction and
  publishes ``send_notification(id)`` on commit. If the broker is down the publish is logged and dropped;
  the row stays ``pending`` and ``sweep_outbox`` (every minute) re-publishes rows that are still pending a
  minute after they were due. Nothing depends on a message surviving in Redis.
- **One sender per row.** ``send_notification`` first *claims* the row with one conditional UPDATE
  (``pending`` → ``sending``, ``claimed_at``, ``attempts + 1``). Only the worker whose UPDATE matched sends;
  a duplicate message (sweep + on-commit publish, broker redelivery after ``acks_late``, two workers) finds
  the row no longer pending and does nothing. A ``sent`` row is never sent again.
- **A worker killed mid-send.** Its row stays ``sending`` under a lease of ``NOTIFICATIONS_CLAIM_TIMEOUT``
  (60 s; longer than this task's hard time limit, so a live worker always finishes first). The first sweep
  after the lease ends (beat: every minute) treats it as *in doubt*: back to ``pending`` and re-sent at once
  when that cannot duplicate (the backend proves it did not deliver, or deduplicates on the message id), marked
  ``sent`` when the backend proves it did, otherwise ``failed`` — at-most-once for a row whose backend call
  may have happened. So a code in flight when its worker died reaches the phone within lease + one sweep
  interval (~2 min), well inside its 5-minute life, and not from the broker's redelivery (visibility
  timeout 3600 s), whose late copy finds the row settled and does nothing. At-least-once (retry until sent
  or attempts run out) holds for everything that certainly did not reach the backend (broker down, worker
  killed before claiming, retryable errors): such rows are pending and the sweep re-publishes them a
  minute after they were due (``NOTIFICATIONS_SWEEP_GRACE``).
- **Retries.** Retryable errors (timeouts, 5xx, network) put the row back to ``pending`` and Celery retries
  with exponential backoff and full jitter (``autoretry_for``); the row's ``next_attempt_at`` is set past
  the longest backoff, so the sweep is only a backstop. Permanent errors (4xx) end in ``failed`` with
  ``last_error`` kept. ``NOTIFICATIONS_MAX_ATTEMPTS`` bounds both paths.
"""

from __future__ import annotations

import logging

from celery import shared_task

from notifications import delivery
from notifications.backends import RetryableSendError
from notifications.receipts import receipts_pull_configured

logger = logging.getLogger(__name__)

# A send is one gateway call (SMS_GATEWAY_TIMEOUT 5 s) and two UPDATEs; the hard limit stays below the lease
# (NOTIFICATIONS_CLAIM_TIMEOUT, 60 s by default) so only a dead worker's lease ever expires.
SEND_SOFT_TIME_LIMIT = 20
SEND_TIME_LIMIT = 30


@shared_task(
    name="notifications.tasks.send_notification",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(RetryableSendError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=SEND_SOFT_TIME_LIMIT,
    time_limit=SEND_TIME_LIMIT,
    ignore_result=True,
)
def send_notification(notification_id: int) -> str:
    """Send outbox row ``notification_id`` at most once (see the module docstring). Idempotent."""
    return delivery.notification_deliver(notification_id=int(notification_id))


def publish_many(ids: list[int]) -> int:
    """Publish ``send_notification`` for each id; on a broker error release the rest and stop."""
    published = 0
    for position, notification_id in enumerate(ids):
        try:
            send_notification.delay(notification_id)
        except Exception:  # noqa: BLE001 - broker down: the rows stay pending for the next sweep
            logger.warning(
                "notifications: broker unavailable, %s rows left for the next sweep", len(ids) - position
            )
            delivery.outbox_release(ids=ids[position:])
            break
        published += 1
    return published


@shared_task(
    name="notifications.tasks.sweep_outbox",
    acks_late=True,
    soft_time_limit=50,
    time_limit=58,
    ignore_result=True,
)
def sweep_outbox(batch_size: int = 1000, max_batches: int = 50) -> dict[str, int]:
    """Every minute: settle in-doubt claims, then re-publish due pending rows in batches.

    Selects only due rows (``(status, next_attempt_at)`` index); safe to run twice at once (rows are
    leased under ``SKIP LOCKED`` and the send claim stops any duplicate).
    """
    in_doubt = delivery.outbox_resolve_in_doubt(batch_size=batch_size)
    published = 0
    for _ in range(max_batches):
        ids = delivery.outbox_take_due(batch_size=batch_size)
        if not ids:
            break
        sent = publish_many(ids)
        published += sent
        if sent < len(ids) or len(ids) < batch_size:
            break
    if published:
        logger.info("notifications: sweep re-published %s rows", published)
    return {"published": published, **{f"in_doubt_{k}": v for k, v in in_doubt.items()}}


@shared_task(
    name="notifications.tasks.release_quiet_hours",
    acks_late=True,
    soft_time_limit=280,
    time_limit=300,
    ignore_result=True,
)
def release_quiet_hours() -> dict[str, int]:
    """08:00 local: the night's held resident SMS all fall due at once; drain them in bigger batches."""
    return sweep_outbox(batch_size=1000, max_batches=100)


@shared_task(
    name="notifications.tasks.pull_sms_receipts",
    acks_late=True,
    soft_time_limit=100,
    time_limit=120,
    ignore_result=True,
)
def pull_sms_receipts() -> dict[str, int]:
    """Every 2 minutes: pull delivery reports from the configured providers (issue 27). Idempotent: a report
    recorded before changes nothing (``notifications.receipts.receipt_record``)."""
    return receipts_pull_configured()
