"""Queueing 好差评 upward records (the outbox's write side). Delivery: ``upward.delivery``."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from upward import payload as upward_payload
from upward.models import UpwardRecord

logger = logging.getLogger(__name__)

# residents.rating_events kinds → the record types of the payload
_KINDS = {"rating": "evaluation", "callback": "callback", "rectification": "rectification"}


def upward_enabled() -> bool:
    """Reporting is on when an endpoint is configured (``UPWARD_ENDPOINT_URL``)."""
    return bool(getattr(settings, "UPWARD_ENDPOINT_URL", ""))


def _publish(pk: int) -> None:
    """Hand the row to Celery. Broker trouble is logged, never raised: the sweep re-publishes the row."""
    from upward.tasks import send_upward_record

    try:
        send_upward_record.delay(pk)
    except Exception:  # noqa: BLE001 - any broker/transport error; the row stays pending for the sweep
        logger.warning("upward: could not publish record %s, the sweep will retry", pk)


@transaction.atomic
def upward_record_enqueue(*, kind: str, rating: Any, record: Any) -> UpwardRecord | None:
    """Queue the upward record of ``kind`` (``evaluation``/``callback``/``rectification``) in the caller's
    transaction; published on commit. Idempotent: a record id queued before returns that row, nothing new.

    ``None`` when reporting is off (no endpoint configured).
    """
    if not upward_enabled():
        return None
    rid = upward_payload.record_id(kind=kind, rating=rating, record=record)
    existing = UpwardRecord.objects.filter(record_id=rid).first()
    if existing is not None:
        return existing
    now = timezone.now()
    row = UpwardRecord(
        record_id=rid,
        kind=kind,
        rating=rating,
        site_id=rating.site_id,
        payload_version=upward_payload.PAYLOAD_VERSION,
        payload={"recordId": rid, **upward_payload.build(kind=kind, rating=rating)},
        status=UpwardRecord.Status.PENDING,
        created_at=now,
        # the on-commit publish sends it; the sweep looks only after the grace (broker down, worker gone)
        next_attempt_at=now + _seconds("UPWARD_SWEEP_GRACE"),
    )
    row.full_clean(validate_unique=False)
    # INSERT … ON CONFLICT DO NOTHING: a twin (retried request, concurrent transaction) is skipped, not an error
    UpwardRecord.objects.bulk_create([row], ignore_conflicts=True)
    stored = UpwardRecord.objects.get(record_id=rid)
    if stored.created_at == now:  # ours, not a concurrent twin's (that one publishes its own)
        pk = stored.pk
        transaction.on_commit(lambda: _publish(pk))
    return stored


def upward_on_rating_record(*, kind: str, rating: Any, record: Any) -> None:
    """The listener registered in ``residents.rating_events``: every rating, 追评, call-back, rectification."""
    upward_record_enqueue(kind=_KINDS[kind], rating=rating, record=record)


def _seconds(name: str) -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, name)))
