"""Delivery of outbox rows (called by ``notifications.tasks``): claim, send once, retry, settle in-doubt sends.

See ``notifications.tasks`` for the guarantees these functions implement.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from notifications import digest
from notifications.backends import OutgoingSms, PermanentSendError, RetryableSendError, get_backend
from notifications.backends.handoff import handoff_deliver, handoff_was_delivered
from notifications.conf import setting
from notifications.failover import sms_send
from notifications.models import Notification
from notifications.receipts import sms_refused

logger = logging.getLogger("notifications.services")  # the logger name operators have always filtered on


# --- Delivery (called by notifications.tasks) ---------------------------------------------------------


def backoff_seconds(attempts: int) -> int:
    """Upper bound of the Celery retry countdown after ``attempts`` tries (30 s, 60 s, … capped at 10 min)."""
    return int(min(600, 30 * 2 ** max(0, attempts - 1)))


OTP_SCRUBBED_TEXT = "【验证码已发送，内容不留存】"


def _finish(row: Notification, **fields: Any) -> bool:
    """Record the outcome, but only if our claim still holds (the in-doubt sweep may have taken over).

    A login code is secret: once its row is final (sent or failed) the code is wiped from the outbox, so the
    table and the admin never hold usable codes.
    """
    if row.audience == Notification.Audience.OTP and fields.get("status") in {
        Notification.Status.SENT,
        Notification.Status.FAILED,
    }:
        fields.update(text=OTP_SCRUBBED_TEXT, context={})
    updated = Notification.objects.filter(
        pk=row.pk, status=Notification.Status.SENDING, claimed_at=row.claimed_at
    ).update(**fields)
    return bool(updated)


def notification_deliver(*, notification_id: int) -> str:
    """Claim the row and send it once. Returns ``sent``, ``failed`` or ``skipped``.

    Raises ``RetryableSendError`` after putting the row back to ``pending`` with a backoff, so the task
    retries it. ``skipped`` means another worker holds or held it, or it is not due / not pending: the
    conditional UPDATE below is the only gate, which makes duplicate task messages harmless.
    """
    now = timezone.now()
    claim_until = now + dt.timedelta(seconds=int(setting("NOTIFICATIONS_CLAIM_TIMEOUT")))
    claimed = Notification.objects.filter(
        pk=notification_id, status=Notification.Status.PENDING, send_after__lte=now
    ).update(
        status=Notification.Status.SENDING,
        claimed_at=now,
        next_attempt_at=claim_until,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return "skipped"
    row = Notification.objects.select_related("recipient_user").get(pk=notification_id)
    text, folded = digest.digest_claim(row)  # staff alerts over the cap go together in one SMS
    outcome: dict[str, Any] = {}
    try:
        if row.channel == Notification.Channel.EMAIL:
            email = getattr(row.recipient_user, "email", "")
            if not email:
                raise PermanentSendError("接收人没有邮箱")
            send_mail("帮办代办通知", row.text, None, [email])
        elif row.channel == Notification.Channel.HANDOFF:
            handoff_deliver(row)  # every failure retryable: a hand-off is never given up
        else:
            outcome = sms_send(row, text=text)  # the backend for this try, failover (notifications.failover)
    except PermanentSendError as exc:
        digest.digest_settle(row=row, folded=folded, sent=False, retry_at=None)
        finished = _finish(
            row, status=Notification.Status.FAILED, last_error=str(exc)[:2000], next_attempt_at=None
        )
        logger.warning("notifications: %s failed permanently: %s", row.dedupe_key, exc)
        if finished and row.channel == Notification.Channel.SMS:
            sms_refused(notification_id=row.pk, reason=exc.reason or "发送被拒")
        return "failed"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if (
            row.attempts >= int(setting("NOTIFICATIONS_MAX_ATTEMPTS"))
            and row.channel != Notification.Channel.HANDOFF
        ):
            digest.digest_settle(row=row, folded=folded, sent=False, retry_at=None)
            _finish(row, status=Notification.Status.FAILED, last_error=error, next_attempt_at=None)
            logger.error(
                "notifications: %s failed after %s attempts: %s", row.dedupe_key, row.attempts, error
            )
            return "failed"
        retry_at = timezone.now() + dt.timedelta(
            seconds=backoff_seconds(row.attempts) + int(setting("NOTIFICATIONS_SWEEP_GRACE"))
        )
        digest.digest_settle(row=row, folded=folded, sent=False, retry_at=retry_at)
        _finish(row, status=Notification.Status.PENDING, last_error=error, next_attempt_at=retry_at)
        raise RetryableSendError(error) from exc
    digest.digest_settle(row=row, folded=folded, sent=True, retry_at=None)
    _finish(
        row,
        status=Notification.Status.SENT,
        sent_at=timezone.now(),
        next_attempt_at=None,
        last_error="",
        **outcome,
    )
    return "sent"


# --- Sweeps (called by notifications.tasks) -------------------------------------------------------------


def outbox_take_due(
    *, now: dt.datetime | None = None, batch_size: int = 500, lease_seconds: int | None = None
) -> list[int]:
    """Ids of pending rows due for (re)publishing, leased (``NOTIFICATIONS_PUBLISH_LEASE``) so a concurrent
    sweep skips them. Reads only ``status='pending' AND next_attempt_at <= now`` through the index; on PostgreSQL
    two sweeps take disjoint rows (``SKIP LOCKED``); elsewhere they may overlap (the send claim makes it harmless).
    """
    now = now or timezone.now()
    lease_until = now + dt.timedelta(seconds=lease_seconds or setting("NOTIFICATIONS_PUBLISH_LEASE"))
    if connection.vendor == "postgresql":
        # One statement per batch: pick, lock (skipping rows a concurrent sweep holds) and lease.
        table = Notification._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET next_attempt_at = %s WHERE id IN ("  # noqa: S608 - table name from the model
                f" SELECT id FROM {table} WHERE status = %s AND next_attempt_at <= %s"
                " ORDER BY next_attempt_at LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id",
                [lease_until, Notification.Status.PENDING, now, batch_size],
            )
            return [row[0] for row in cursor.fetchall()]
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Notification.Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("id", flat=True)[:batch_size]
        )
        if ids:
            Notification.objects.filter(pk__in=ids).update(next_attempt_at=lease_until)
    return ids


def outbox_release(*, ids: Iterable[int]) -> None:
    """Make leased rows due again at once (their publish failed)."""
    Notification.objects.filter(pk__in=list(ids), status=Notification.Status.PENDING).update(
        next_attempt_at=timezone.now()
    )


def outbox_resolve_in_doubt(*, now: dt.datetime | None = None, batch_size: int = 500) -> dict[str, int]:
    """Settle rows whose worker claimed them and vanished (killed, OOM, host lost) — *in-doubt* sends.

    A claim older than ``NOTIFICATIONS_CLAIM_TIMEOUT`` (longer than the send task's hard time limit) means
    the worker is gone, but the backend call may or may not have happened. Policy:

    - the backend can tell (``was_delivered``): delivered → ``sent``; not delivered → ``pending`` (re-sent);
    - the backend deduplicates on the message id (gateway with ``client_msg_id``) → ``pending`` (re-sent,
      the gateway drops the twin);
    - otherwise → ``failed`` with an explanatory error, *not* re-sent: at-most-once, because a second SMS
      to a resident is worse than an operator seeing one failed row in ``notifications_status``.
    """
    now = now or timezone.now()
    counts = {"sent": 0, "pending": 0, "failed": 0}
    backend = get_backend()
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Notification.Status.SENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")[:batch_size]
        )
        for row in rows:
            delivered: bool | None = None
            if row.channel == Notification.Channel.SMS:
                message = OutgoingSms(to=row.recipient_phone, text=row.text, message_id=f"bb-{row.pk}")
                sender = get_backend(row.provider) if row.provider else backend  # the one this try used
                try:
                    delivered = sender.was_delivered(message)
                except Exception:
                    logger.exception("notifications: was_delivered failed for %s", row.pk)
                if delivered is None and sender.deduplicates:
                    delivered = False
            elif row.channel == Notification.Channel.HANDOFF:
                delivered = handoff_was_delivered(row)  # not delivered → re-sent under the same message id
            if delivered:
                row.status, row.sent_at, row.next_attempt_at = Notification.Status.SENT, row.claimed_at, None
                row.last_error = "发送进程中断；已确认送达"
            elif delivered is False:
                row.status, row.next_attempt_at = Notification.Status.PENDING, now
                row.last_error = "发送进程中断；确认未送达，重新发送"
            else:
                row.status, row.next_attempt_at = Notification.Status.FAILED, None
                row.last_error = "发送进程中断，无法确认是否已送达；为避免重复短信不再重发"
            counts[row.status] += 1
            fields = ["status", "sent_at", "next_attempt_at", "last_error"]
            if row.audience == Notification.Audience.OTP and row.status != Notification.Status.PENDING:
                # final (sent or failed): the code is wiped as on the normal path (_finish)
                row.text, row.context = OTP_SCRUBBED_TEXT, {}
                fields += ["text", "context"]
            row.save(update_fields=fields)
    if rows:
        logger.warning("notifications: resolved %s in-doubt sends: %s", len(rows), counts)
    return counts
