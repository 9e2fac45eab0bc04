"""Writes of the notifications app: enqueue (one message or a batch), cancel, mark read.

Other apps call ``notification_enqueue`` inside their own transaction (the case change and its messages
commit or roll back together); sending happens after commit in ``notifications.tasks.send_notification``.
Sweeps queue many messages at once with ``notification_enqueue_many``. Both plan each row with
``notifications.outbox.plan_row`` and write it with ``notifications.outbox.outbox_insert``: one set of rules
(dedupe key, phone, per-phone cap, quiet hours, status), one writer. They differ only in what they read up
front and in how due rows reach a worker (a publish per row on commit, or one outbox-sweep kick per batch).

The modules behind it, each imported from where it is defined: ``conf`` (tunables and their defaults),
``rendering`` (texts), ``outbox`` (plan and writer, ``NotificationRequest``, quiet hours), ``delivery`` (claim,
send, retry, in-doubt sweep), ``staff`` (the staff-message builder), ``selectors`` (reads).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.exceptions import ApplicationError
from core.masking import mask_phone
from notifications import selectors
from notifications.models import Notification
from notifications.outbox import (
    NotificationRequest,
    OutboxRules,
    hold_reason,
    is_due_for_publish,
    normalize_dedupe_key,
    normalized_phone,
    outbox_insert,
    plan_row,
)
from notifications.rendering import template_text, template_texts

logger = logging.getLogger(__name__)


# --- Publishing (module attributes on purpose: tests and fault drills replace them) -----------------------


def _publish(notification_id: int) -> None:
    """Hand the row to Celery. Broker trouble is logged, never raised: the sweep re-publishes the row."""
    from notifications.tasks import send_notification

    try:
        send_notification.delay(notification_id)
    except Exception:  # noqa: BLE001 - any broker/transport error; the row stays pending for the sweep
        logger.warning("notifications: could not publish %s, the outbox sweep will retry", notification_id)


def _kick_outbox_sweep() -> None:
    """One broker message for a whole batch: the outbox sweep publishes the due rows it finds."""
    from notifications.tasks import sweep_outbox

    try:
        sweep_outbox.delay()
    except Exception:  # noqa: BLE001 - broker down: the periodic sweep finds the rows within a minute
        logger.warning("notifications: could not kick the outbox sweep; the periodic sweep will publish")


# --- Enqueue ------------------------------------------------------------------------------------------------


# No savepoint of its own: callers enqueue inside their transaction and let errors end it; a twin racing on
# the same dedupe key is absorbed by the insert's ON CONFLICT, not by an error.
@transaction.atomic(savepoint=False)
def notification_enqueue(
    *,
    dedupe_key: str,
    template: str,
    context: dict[str, Any],
    recipient_phone: str = "",
    recipient_user_id: int | None = None,
    channel: str = "sms",
    audience: str = "resident",
    send_after: dt.datetime | None = None,
) -> Notification:
    """Queue one message in the caller's transaction; sent after commit. Idempotent on ``dedupe_key``.

    ``audience``: ``resident`` (quiet hours apply), ``staff`` or ``otp`` (sent at once, never held).
    A second call with the same ``dedupe_key`` (also concurrently, from another transaction) returns the
    existing row and queues nothing. ``send_after`` delays the message (e.g. a visit reminder); quiet hours
    and the per-recipient cap may push it further. Only a message due now is published on commit; a held
    one is picked up by the outbox sweep when due. An invalid phone yields a ``failed`` row, never an error
    in the caller's transaction.
    """
    message = NotificationRequest(
        dedupe_key=dedupe_key,
        template=template,
        context=context,
        recipient_phone=recipient_phone,
        recipient_user_id=recipient_user_id,
        channel=channel,
        audience=audience,
        send_after=send_after,
    )
    now = timezone.now()
    rules = OutboxRules.current()
    phone = normalized_phone(str(recipient_phone or "")) if channel == Notification.Channel.SMS else None
    schedule: dict[str, list[dt.datetime]] = {}
    if phone and audience != Notification.Audience.OTP:
        # The cap looks back one hour from when the message would go at the earliest.
        since = max(send_after or now, now) - dt.timedelta(hours=1)
        schedule = selectors.recent_sms_schedule(phones=[phone], since=since, cap=rules.per_phone_per_hour)
    planned = plan_row(
        message, text=template_text(template), now=now, rules=rules, schedule=schedule, publish="on_commit"
    )
    row = Notification(**planned)
    row.full_clean(validate_unique=False)  # caller input: refused here, not as a database error later
    inserted = outbox_insert([planned])
    if not inserted:
        # the key was queued before (or just now by a concurrent twin): that row stands, nothing new is sent
        existing = Notification.objects.filter(dedupe_key=planned["dedupe_key"]).first()
        if existing is None:  # pragma: no cover - ON CONFLICT skipped a row that is not there
            raise IntegrityError(
                f"outbox insert of {planned['dedupe_key']} skipped without a conflicting row"
            )
        return existing
    row.pk = inserted[planned["dedupe_key"]]
    row._state.adding = False
    row._state.db = connection.alias

    if is_due_for_publish(planned, now):
        row_id = row.pk
        transaction.on_commit(lambda: _publish(row_id))
    if row.status == Notification.Status.FAILED:
        logger.warning("notifications: %s not queued: %s", row.dedupe_key, row.last_error)
    elif reason := hold_reason(message, planned, now):  # said in the log, so a quiet console is explained
        logger.info(
            "notifications: %s to %s held: %s", row.dedupe_key, mask_phone(row.recipient_phone), reason
        )
    return row


@transaction.atomic
def notification_enqueue_many(*, messages: Iterable[NotificationRequest], publish: bool = True) -> int:
    """Batch ``notification_enqueue``: the same plan and writer, a fixed number of queries per call instead
    of several per message.

    Rows are inserted with ``ON CONFLICT (dedupe_key) DO NOTHING``, so a concurrent twin sweep inserts
    nothing twice. Values are built by code, so the per-row ``full_clean`` of ``notification_enqueue`` (which
    also reads the recipient user) is skipped: at 10,000 rows it would dominate; ``plan_row`` still checks
    channel, audience and template. Instead of one publish per row, due rows get ``next_attempt_at = now``
    and one ``sweep_outbox`` task is published on commit (the periodic outbox sweep is the backstop).
    Returns the number of rows this call tried to insert (keys not queued before).
    """
    batch: dict[str, NotificationRequest] = {}
    for message in messages:
        batch.setdefault(normalize_dedupe_key(message.dedupe_key), message)
    if not batch:
        return 0
    existing = selectors.queued_dedupe_keys(batch)
    todo = [m for key, m in batch.items() if key not in existing]
    if not todo:
        return 0

    now = timezone.now()
    rules = OutboxRules.current()
    texts = template_texts(m.template for m in todo)
    capped = {
        phone
        for m in todo
        if m.channel == Notification.Channel.SMS and m.audience != Notification.Audience.OTP
        if (phone := normalized_phone(str(m.recipient_phone or "")))
    }
    since = min([now, *(m.send_after for m in todo if m.send_after)]) - dt.timedelta(hours=1)
    schedule = selectors.recent_sms_schedule(phones=capped, since=since, cap=rules.per_phone_per_hour)
    rows = [
        plan_row(m, text=texts[m.template], now=now, rules=rules, schedule=schedule, publish="sweep")
        for m in todo
    ]
    outbox_insert(rows)
    held = sum(1 for m, row in zip(todo, rows, strict=True) if hold_reason(m, row, now))
    if held:
        logger.info(
            "notifications: %s of %s messages held (免打扰时段 / 每小时上限), sent when due", held, len(rows)
        )
    if publish and any(is_due_for_publish(row, now) for row in rows):
        transaction.on_commit(_kick_outbox_sweep)
    return len(rows)


@transaction.atomic
def notifications_cancel(*, dedupe_key_prefix: str) -> int:
    """Cancel the messages whose key starts with the prefix that nobody has seen yet (e.g. a rescheduled
    visit's reminders): pending SMS, and in-app rows held for later (an in-app row is ``sent`` on insert but
    shows in the bell only from ``send_after``)."""
    if not dedupe_key_prefix:
        raise ApplicationError("取消通知需要指定去重键前缀", {})
    unseen = Q(status=Notification.Status.PENDING) | Q(
        channel=Notification.Channel.INAPP, status=Notification.Status.SENT, send_after__gt=timezone.now()
    )
    return (
        Notification.objects.filter(dedupe_key__startswith=dedupe_key_prefix)
        .filter(unseen)
        .update(status=Notification.Status.CANCELLED, next_attempt_at=None)
    )


# --- In-app ----------------------------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, user: Any, notification_id: int) -> Notification:
    """Mark one of the user's in-app notifications read (idempotent). Someone else's answers 404."""
    row = Notification.objects.filter(
        pk=notification_id, recipient_user=user, channel=Notification.Channel.INAPP
    ).first()
    if row is None:
        raise ApplicationError("通知不存在", {"id": notification_id}, status=404)
    if row.read_at is None:
        row.read_at = timezone.now()
        row.save(update_fields=["read_at"])
    return row


@transaction.atomic
def notifications_mark_all_read(*, user: Any) -> int:
    return Notification.objects.filter(
        recipient_user=user, channel=Notification.Channel.INAPP, read_at__isnull=True
    ).update(read_at=timezone.now())
