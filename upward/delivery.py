"""Delivery of upward records (called by ``upward.tasks``): claim, send, record the receipt, retry, sweep.

The SMS outbox's semantics (``notifications.tasks``), for an endpoint that deduplicates on the record id:

- **One sender per row**: a conditional UPDATE ``pending`` → ``sending`` claims it; a duplicate task message
  finds it claimed or settled and does nothing.
- **Retryable trouble** (timeout, no connection, 5xx, 429, unreadable answer): back to ``pending`` with
  ``next_attempt_at`` past the task's exponential backoff; never given up (a rating must reach the province).
- **Final answers**: accepted / duplicate → ``accepted``; refused → ``refused`` with the endpoint's reason;
  each writes the record's ``UpwardReceipt``.
- **A worker killed mid-send**: the claim runs out (``UPWARD_CLAIM_TIMEOUT``) and the sweep puts the row back to
  ``pending``; re-sending cannot duplicate, the endpoint answers ``duplicate`` for a record it holds.
"""

from __future__ import annotations

import datetime as dt
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from notifications.delivery import backoff_seconds
from upward import payload as upward_payload
from upward.models import UpwardReceipt, UpwardRecord

logger = logging.getLogger(__name__)


class RetryableUpwardError(Exception):
    """The endpoint could not be reached or did not answer finally: the task retries with backoff."""


def _post(row: UpwardRecord) -> upward_payload.Answer:
    """POST the record; every transport failure is a retryable answer, never raised."""
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting (http/https)
        str(settings.UPWARD_ENDPOINT_URL),
        data=upward_payload.encode(row.payload),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": row.record_id,
            "X-Payload-Version": row.payload_version,
            **({"Authorization": f"Bearer {settings.UPWARD_TOKEN}"} if settings.UPWARD_TOKEN else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=float(settings.UPWARD_TIMEOUT)) as response:  # noqa: S310
            return upward_payload.parse_answer(response.status, response.read(65536))
    except urllib.error.HTTPError as exc:
        return upward_payload.parse_answer(exc.code, exc.read(65536))
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections, bad URL
        return upward_payload.Answer("retry", reason=f"{type(exc).__name__}: {exc}"[:2000])


def _finish(row: UpwardRecord, **fields: object) -> bool:
    """Write the outcome only while our claim holds (the sweep may have taken an expired claim back)."""
    return bool(
        UpwardRecord.objects.filter(
            pk=row.pk, status=UpwardRecord.Status.SENDING, claimed_at=row.claimed_at
        ).update(**fields)
    )


def upward_record_deliver(*, record_pk: int) -> str:
    """Claim the row and send it. Returns ``accepted``, ``refused`` or ``skipped``; raises
    ``RetryableUpwardError`` after putting the row back to ``pending`` with a backoff."""
    now = timezone.now()
    claimed = UpwardRecord.objects.filter(pk=record_pk, status=UpwardRecord.Status.PENDING).update(
        status=UpwardRecord.Status.SENDING,
        claimed_at=now,
        next_attempt_at=now + dt.timedelta(seconds=int(settings.UPWARD_CLAIM_TIMEOUT)),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return "skipped"
    row = UpwardRecord.objects.get(pk=record_pk)
    answer = _post(row)
    if answer.outcome == "retry":
        retry_at = timezone.now() + dt.timedelta(
            seconds=backoff_seconds(row.attempts) + int(settings.UPWARD_SWEEP_GRACE)
        )
        _finish(row, status=UpwardRecord.Status.PENDING, last_error=answer.reason, next_attempt_at=retry_at)
        logger.warning(
            "upward: %s not accepted yet (attempt %s): %s", row.record_id, row.attempts, answer.reason
        )
        raise RetryableUpwardError(answer.reason)
    with transaction.atomic():
        answered = timezone.now()
        final = UpwardRecord.Status.REFUSED if answer.outcome == "refused" else UpwardRecord.Status.ACCEPTED
        if not _finish(
            row, status=final, last_error=answer.reason, next_attempt_at=None, answered_at=answered
        ):
            return "skipped"
        receipt = UpwardReceipt(
            record=row,
            outcome=answer.outcome,
            receipt_no=answer.receipt,
            reason=answer.reason if answer.outcome == "refused" else "",
            http_status=answer.status,
            received_at=answered,
        )
        receipt.full_clean(exclude=["record"])
        receipt.save()
    if final == UpwardRecord.Status.REFUSED:
        logger.error("upward: %s refused: %s", row.record_id, answer.reason)
    return str(final)


def upward_take_due(*, batch_size: int = 500, now: dt.datetime | None = None) -> list[int]:
    """Ids of due pending rows, leased (``UPWARD_SWEEP_GRACE``) so a concurrent sweep skips them; expired
    claims (a dead worker's) go back to ``pending`` first. PostgreSQL: ``SKIP LOCKED``."""
    now = now or timezone.now()
    lease_until = now + dt.timedelta(seconds=int(settings.UPWARD_SWEEP_GRACE))
    with transaction.atomic():
        UpwardRecord.objects.filter(status=UpwardRecord.Status.SENDING, next_attempt_at__lte=now).update(
            status=UpwardRecord.Status.PENDING,
            next_attempt_at=now,
            last_error="上报进程中断，重新上报（对方按记录编号去重）",
        )
        due = UpwardRecord.objects.filter(status=UpwardRecord.Status.PENDING, next_attempt_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("next_attempt_at").values_list("id", flat=True)[:batch_size])
        if ids:
            UpwardRecord.objects.filter(pk__in=ids).update(next_attempt_at=lease_until)
    return ids


def upward_release(*, ids: Iterable[int]) -> None:
    """Make leased rows due again at once (their publish failed)."""
    UpwardRecord.objects.filter(pk__in=list(ids), status=UpwardRecord.Status.PENDING).update(
        next_attempt_at=timezone.now()
    )
