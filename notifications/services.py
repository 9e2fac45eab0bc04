"""Writes of the notifications app: the outbox.

Other apps call ``notification_enqueue`` inside their own transaction (the case change and its messages
commit or roll back together); sending happens after commit in ``notifications.tasks.send_notification``.
Tunables (all optional Django settings, defaults in ``_setting``):

- ``NOTIFICATIONS_QUIET_HOURS`` ``(21, 8)``: residents get no SMS from 21:00 to 08:00 local time
  (``TIME_ZONE``); messages are held until 08:00. OTP codes and staff messages are never held by quiet hours.
- ``NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR`` ``5``: per-recipient cap for non-OTP SMS; an SMS over the cap is
  scheduled one hour after the cap-th latest one instead of being dropped.
- ``NOTIFICATIONS_MAX_ATTEMPTS`` ``6``: sends tried before a row is ``failed``.
- ``NOTIFICATIONS_CLAIM_TIMEOUT`` ``60`` s: a worker's lease on a row it sends (> the send's 30 s hard limit); a dead
  worker's rows are settled by the next sweep (README, reliability); ``NOTIFICATIONS_PUBLISH_LEASE`` 120 s: a sweep's.
- ``NOTIFICATIONS_SWEEP_GRACE`` ``60`` s: a pending row is re-published by the sweep only this long after it
  was due (the on-commit publish normally gets there first).
- ``NOTIFICATIONS_SIGNATURE`` ``"帮办代办"``: the ``site_name`` used when the caller passes none.
- ``NOTIFICATIONS_TEMPLATE_CACHE_SECONDS`` ``60``: how long a process reuses a template text it read (an
  admin edit reaches other processes within this time; 0 reads the text for every message).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import json
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Window
from django.db.models.constants import OnConflict
from django.db.models.functions import RowNumber
from django.db.models.sql import InsertQuery
from django.utils import timezone

from core.exceptions import ApplicationError
from core.phones import normalize_phone
from core.prepared import PreparedQuery
from notifications.backends import OutgoingSms, PermanentSendError, RetryableSendError, get_backend
from notifications.backends.handoff import handoff_deliver, handoff_was_delivered
from notifications.models import MessageTemplate, Notification
from notifications.templates_registry import DEFAULTS_BY_CODE

logger = logging.getLogger(__name__)

_DEFAULTS: dict[str, Any] = {
    "NOTIFICATIONS_QUIET_HOURS": (21, 8),
    "NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR": 5,
    "NOTIFICATIONS_MAX_ATTEMPTS": 6,
    "NOTIFICATIONS_CLAIM_TIMEOUT": 60,
    "NOTIFICATIONS_PUBLISH_LEASE": 120,
    "NOTIFICATIONS_SWEEP_GRACE": 60,
    "NOTIFICATIONS_SIGNATURE": "帮办代办",
    "NOTIFICATIONS_TEMPLATE_CACHE_SECONDS": 60,
}

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _setting(name: str) -> Any:
    return getattr(settings, name, _DEFAULTS[name])


# --- Rendering --------------------------------------------------------------------------------------------


def _display(value: Any) -> str:
    """How one context value reads in a Chinese SMS."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{local.month}月{local.day}日{local:%H:%M}"
    if isinstance(value, dt.date):
        return f"{value.month}月{value.day}日"
    if isinstance(value, list | tuple):
        return "、".join(_display(v) for v in value)
    return str(value)


def prepare_context(context: dict[str, Any] | None) -> dict[str, str]:
    """Context as display strings (JSON-safe), plus ``site_name`` and ``track_url`` defaults."""
    out = {str(k): _display(v) for k, v in (context or {}).items()}
    out.setdefault("site_name", "")
    if not out["site_name"]:
        out["site_name"] = str(_setting("NOTIFICATIONS_SIGNATURE"))
    out.setdefault("site_url", settings.SITE_URL)
    out.setdefault("track_url", f"{settings.SITE_URL}/track/")
    return out


# Read on every message queued (every case event): compiled once per process (core.prepared).
_TEMPLATE_TEXT = PreparedQuery(lambda code: MessageTemplate.objects.filter(code=code).values_list("text")[:1])


@functools.cache
def _recent_sends(cap: int) -> PreparedQuery:
    """The latest ``cap`` SMS send times of a phone since a moment (OTP codes and dead rows do not count)."""
    return PreparedQuery(
        lambda phone, since: (
            Notification.objects.filter(
                recipient_phone=phone, channel=Notification.Channel.SMS, send_after__gt=since
            )
            .exclude(audience=Notification.Audience.OTP)
            .exclude(status__in=[Notification.Status.CANCELLED, Notification.Status.FAILED])
            .order_by("-send_after")
            .values_list("send_after")[:cap]
        )
    )


# Texts are read on every enqueue and edited rarely (in the admin): each process keeps what it read for
# NOTIFICATIONS_TEMPLATE_CACHE_SECONDS (0: read every time). An edit in the admin clears its own process's copy
# on commit; other processes (web workers, Celery) use it within those seconds. Issue 7: one statement less
# on every intake and transition.
_template_cache: dict[str, tuple[float, str | None]] = {}


def template_cache_clear() -> None:
    """Forget this process's cached template texts (after an edit)."""
    _template_cache.clear()


def _stored_template_text(code: str) -> str | None:
    seconds = float(_setting("NOTIFICATIONS_TEMPLATE_CACHE_SECONDS"))
    now = time.monotonic()
    if seconds > 0:
        hit = _template_cache.get(code)
        if hit is not None and now - hit[0] < seconds:
            return hit[1]
    rows = _TEMPLATE_TEXT.run(code=code)
    text = str(rows[0][0]) if rows and rows[0][0] else None
    if seconds > 0:
        _template_cache[code] = (now, text)
    return text


def template_text(code: str) -> str:
    """The staff-edited text for ``code``, else the built-in default, else a generic line."""
    stored = _stored_template_text(code)
    if stored:
        return stored
    default = DEFAULTS_BY_CODE.get(code)
    if default:
        return default.text
    logger.error("notifications: unknown message template %r, sending a generic text", code)
    return "【{site_name}】您有一条新的办件通知，详情请查询{track_url}"


def render(text: str, context: dict[str, str]) -> str:
    """Substitute ``{name}`` placeholders. Never raises: a missing value renders empty and is logged.

    Deliberately not ``str.format``: templates are edited in the admin, and ``{x.__class__}``-style
    attribute access must not be possible.
    """
    missing: list[str] = []

    def sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in context:
            return context[key]
        missing.append(key)
        return ""

    result = _PLACEHOLDER.sub(sub, text)
    if missing:
        logger.warning("notifications: placeholders without a value: %s", ", ".join(sorted(set(missing))))
    return result


def render_template(code: str, context: dict[str, Any] | None) -> str:
    return render(template_text(code), prepare_context(context))


# --- Scheduling rules -------------------------------------------------------------------------------------


def quiet_hours_release(moment: dt.datetime) -> dt.datetime:
    """``moment`` itself, or the next end of quiet hours (08:00 local) when it falls inside them."""
    start, end = _setting("NOTIFICATIONS_QUIET_HOURS")
    if start == end:  # e.g. (0, 0): no quiet hours configured
        return moment
    local = timezone.localtime(moment)
    if end <= local.hour < start:
        return moment
    release = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if local.hour >= start:
        release += dt.timedelta(days=1)
    # Re-localise: a DST shift (not in Asia/Shanghai, but TIME_ZONE is configurable) keeps wall-clock 08:00.
    return timezone.make_aware(release.replace(tzinfo=None), timezone.get_current_timezone())


def rate_capped(phone: str, moment: dt.datetime) -> dt.datetime:
    """Push ``moment`` so that ``phone`` gets at most N non-OTP SMS per hour (N = the cap setting).

    A soft cap: two enqueues racing for the same phone may both fit; that costs one extra SMS, not a loss.
    """
    cap = int(_setting("NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR"))
    if cap <= 0:
        return moment
    recent = [at for (at,) in _recent_sends(cap).run(phone=phone, since=moment - dt.timedelta(hours=1))]
    if len(recent) < cap:
        return moment
    return max(moment, recent[-1] + dt.timedelta(hours=1))


# --- Enqueue ----------------------------------------------------------------------------------------------


def normalize_dedupe_key(key: str) -> str:
    """Keys longer than the column keep a readable prefix and a hash of the whole (never a silent clash)."""
    key = str(key)
    if len(key) <= 191:
        return key
    return f"{key[:150]}#{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def _publish(notification_id: int) -> None:
    """Hand the row to Celery. Broker trouble is logged, never raised: the sweep re-publishes the row."""
    from notifications.tasks import send_notification

    try:
        send_notification.delay(notification_id)
    except Exception:  # noqa: BLE001 - any broker/transport error; the row stays pending for the sweep
        logger.warning("notifications: could not publish %s, the outbox sweep will retry", notification_id)


def _insert_unless_duplicate(row: Notification) -> bool:
    """``INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING id``: one statement, no savepoint; sets
    ``row.pk`` and returns True when inserted, False when the key already exists (also when a concurrent
    transaction inserted it first: PostgreSQL waits for that one, then skips)."""
    meta = Notification._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    query = InsertQuery(Notification, on_conflict=OnConflict.IGNORE)
    query.insert_values(fields, [row])
    compiler = query.get_compiler(connection=connection)
    statements = compiler.as_sql()
    assert len(statements) == 1
    sql, params = statements[0]
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {connection.ops.quote_name(str(meta.pk.column))}", params)
        inserted = cursor.fetchone()
    if inserted is None:
        return False
    row.pk = inserted[0]
    row._state.adding = False
    row._state.db = connection.alias
    return True


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
    dedupe_key = normalize_dedupe_key(dedupe_key)
    now = timezone.now()
    row = Notification(
        dedupe_key=dedupe_key,
        template=template,
        channel=channel,
        audience=audience,
        recipient_user_id=recipient_user_id,
    )
    prepared = prepare_context(context)
    row.context = prepared
    row.text = render(template_text(template), prepared)
    due = max(send_after or now, now)

    if channel == Notification.Channel.SMS:
        phone = normalize_phone(recipient_phone)
        row.recipient_phone = phone or str(recipient_phone or "")[:20]
        if phone is None:
            row.status = Notification.Status.FAILED
            row.last_error = "无效的手机号码"
        elif audience != Notification.Audience.OTP:
            due = rate_capped(phone, due)
            if audience == Notification.Audience.RESIDENT:
                due = quiet_hours_release(due)
    elif channel == Notification.Channel.HANDOFF:
        pass  # addressed by its context (region, authority), sent at once, never held
    elif recipient_user_id is None:
        row.status = Notification.Status.FAILED
        row.last_error = "站内/邮件通知缺少接收人"

    row.send_after = due
    if row.status == Notification.Status.PENDING:
        if channel == Notification.Channel.INAPP:
            # In-app delivery is the row itself: it shows in the bell once it is due.
            row.status = Notification.Status.SENT
            row.sent_at = due
        else:
            sweep_grace = dt.timedelta(seconds=int(_setting("NOTIFICATIONS_SWEEP_GRACE")))
            row.next_attempt_at = due + sweep_grace if due <= now else due
    row.full_clean(validate_unique=False)
    if not _insert_unless_duplicate(row):
        # the key was queued before (or just now by a concurrent twin): that row stands, nothing new is sent
        existing = Notification.objects.filter(dedupe_key=dedupe_key).first()
        if existing is None:  # pragma: no cover - ON CONFLICT skipped a row that is not there
            raise IntegrityError(f"outbox insert of {dedupe_key} skipped without a conflicting row")
        return existing

    if row.status == Notification.Status.PENDING and due <= now:
        row_id = row.pk
        transaction.on_commit(lambda: _publish(row_id))
    if row.status == Notification.Status.FAILED:
        logger.warning("notifications: %s not queued: %s", dedupe_key, row.last_error)
    return row


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
    claim_until = now + dt.timedelta(seconds=int(_setting("NOTIFICATIONS_CLAIM_TIMEOUT")))
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
    try:
        if row.channel == Notification.Channel.EMAIL:
            email = getattr(row.recipient_user, "email", "")
            if not email:
                raise PermanentSendError("接收人没有邮箱")
            send_mail("帮办代办通知", row.text, None, [email])
        elif row.channel == Notification.Channel.HANDOFF:
            handoff_deliver(row)  # every failure retryable: a hand-off is never given up
        else:
            get_backend().send(OutgoingSms(to=row.recipient_phone, text=row.text, message_id=f"bb-{row.pk}"))
    except PermanentSendError as exc:
        _finish(row, status=Notification.Status.FAILED, last_error=str(exc)[:2000], next_attempt_at=None)
        logger.warning("notifications: %s failed permanently: %s", row.dedupe_key, exc)
        return "failed"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if (
            row.attempts >= int(_setting("NOTIFICATIONS_MAX_ATTEMPTS"))
            and row.channel != Notification.Channel.HANDOFF
        ):
            _finish(row, status=Notification.Status.FAILED, last_error=error, next_attempt_at=None)
            logger.error(
                "notifications: %s failed after %s attempts: %s", row.dedupe_key, row.attempts, error
            )
            return "failed"
        retry_at = timezone.now() + dt.timedelta(
            seconds=backoff_seconds(row.attempts) + int(_setting("NOTIFICATIONS_SWEEP_GRACE"))
        )
        _finish(row, status=Notification.Status.PENDING, last_error=error, next_attempt_at=retry_at)
        raise RetryableSendError(error) from exc
    _finish(row, status=Notification.Status.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error="")
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
    lease_until = now + dt.timedelta(seconds=lease_seconds or _setting("NOTIFICATIONS_PUBLISH_LEASE"))
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
                try:
                    delivered = backend.was_delivered(message)
                except Exception:
                    logger.exception("notifications: was_delivered failed for %s", row.pk)
                if delivered is None and backend.deduplicates:
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
            row.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error"])
    if rows:
        logger.warning("notifications: resolved %s in-doubt sends: %s", len(rows), counts)
    return counts


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


# --- Batch enqueue (reminder and escalation sweeps) -----------------------------------------------------


@dataclass(frozen=True)
class NotificationRequest:
    """One message for ``notification_enqueue_many``: the same arguments as ``notification_enqueue``."""

    dedupe_key: str
    template: str
    context: dict[str, Any]
    recipient_phone: str = ""
    recipient_user_id: int | None = None
    channel: str = "sms"
    audience: str = "resident"
    send_after: dt.datetime | None = None


_E164_CN = re.compile(r"^\+861[3-9]\d{9}$")


def _kick_outbox_sweep() -> None:
    """One broker message for a whole batch: the outbox sweep publishes the due rows it finds."""
    from notifications.tasks import sweep_outbox

    try:
        sweep_outbox.delay()
    except Exception:  # noqa: BLE001 - broker down: the periodic sweep finds the rows within a minute
        logger.warning("notifications: could not kick the outbox sweep; the periodic sweep will publish")


_OUTBOX_COLUMNS = (
    "dedupe_key",
    "channel",
    "audience",
    "recipient_phone",
    "recipient_user_id",
    "template",
    "context",
    "text",
    "status",
    "attempts",
    "last_error",
    "send_after",
    "next_attempt_at",
    "claimed_at",
    "sent_at",
    "read_at",
    "created_at",
)


_COLS = ", ".join(_OUTBOX_COLUMNS)  # constants only: no user input reaches these statements
_SQL_STAGE = f"CREATE TEMP TABLE _outbox_batch ON COMMIT DROP AS SELECT {_COLS} FROM notifications_notification WITH NO DATA"  # noqa: S608
_SQL_COPY = f"COPY _outbox_batch ({_COLS}) FROM STDIN"
_SQL_MERGE = f"INSERT INTO notifications_notification ({_COLS}) SELECT {_COLS} FROM _outbox_batch ON CONFLICT (dedupe_key) DO NOTHING"  # noqa: S608


def _insert_ignoring_conflicts(rows: list[dict[str, Any]]) -> None:
    """``INSERT … ON CONFLICT (dedupe_key) DO NOTHING`` for many rows (dicts of ``_OUTBOX_COLUMNS``), inside
    the caller's transaction.

    On PostgreSQL through ``COPY`` into a transaction-local temporary table, from plain tuples: Django's
    client-side parameter binding quotes a 10,000-row ``bulk_create`` in Python and building the model
    instances costs as much again, both several times the insert itself.
    """
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create(
            [Notification(**row) for row in rows], batch_size=1000, ignore_conflicts=True
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(_SQL_STAGE)
        with cursor.cursor.copy(_SQL_COPY) as copy:
            for row in rows:
                row["context"] = json.dumps(row["context"], ensure_ascii=False)
                copy.write_row([row[c] for c in _OUTBOX_COLUMNS])
        cursor.execute(_SQL_MERGE)
        cursor.execute("DROP TABLE _outbox_batch")


@transaction.atomic
def notification_enqueue_many(*, messages: Iterable[NotificationRequest], publish: bool = True) -> int:
    """Batch ``notification_enqueue``: same rules (dedupe, quiet hours, per-recipient cap, invalid phone →
    ``failed`` row), a fixed number of queries per call instead of several per message.

    Rows are inserted with ``ON CONFLICT (dedupe_key) DO NOTHING`` (``_insert_ignoring_conflicts``), so a
    concurrent twin sweep inserts nothing twice. Values are built by code (lengths bounded here), so the
    per-row ``full_clean`` of ``notification_enqueue`` is skipped: at 10,000 rows it would dominate.
    Instead of one publish per row, due rows get ``next_attempt_at = now`` and one ``sweep_outbox`` task
    is published on commit (the periodic outbox sweep is the backstop). Returns the number of rows this
    call tried to insert (new keys).
    """
    batch: dict[str, NotificationRequest] = {}
    for message in messages:
        batch.setdefault(message.dedupe_key, message)
    if not batch:
        return 0
    existing = set(
        Notification.objects.filter(dedupe_key__in=list(batch)).values_list("dedupe_key", flat=True)
    )
    todo = [m for key, m in batch.items() if key not in existing]
    if not todo:
        return 0

    codes = {m.template for m in todo}
    texts = dict(MessageTemplate.objects.filter(code__in=codes).values_list("code", "text"))
    for code in codes - texts.keys():
        texts[code] = template_text(code)  # built-in default (no query) or the generic line

    now = timezone.now()
    cap = int(_setting("NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR"))
    phones: dict[str, str | None] = {}
    for m in todo:
        if m.channel == Notification.Channel.SMS and m.recipient_phone not in phones:
            raw = str(m.recipient_phone or "")
            phones[raw] = raw if _E164_CN.match(raw) else normalize_phone(raw)
    # Recent schedule of every capped phone in the batch, in one query (the cap is applied in Python and
    # also counts the rows of this batch).
    schedule: dict[str, list[dt.datetime]] = {}
    capped = {p for p in phones.values() if p}
    if cap > 0 and capped:
        earliest = min((m.send_after or now) for m in todo) if todo else now
        earliest = min(earliest, now) - dt.timedelta(hours=1)
        for known_phone, at in (
            Notification.objects.filter(
                recipient_phone__in=capped, channel=Notification.Channel.SMS, send_after__gt=earliest
            )
            .exclude(audience=Notification.Audience.OTP)
            .exclude(status__in=[Notification.Status.CANCELLED, Notification.Status.FAILED])
            # Only each phone's ``cap`` latest times matter to ``cap_for`` (its cap-th latest one).
            .annotate(
                latest=Window(RowNumber(), partition_by=F("recipient_phone"), order_by=F("send_after").desc())
            )
            .filter(latest__lte=cap)
            .values_list("recipient_phone", "send_after")
        ):
            schedule.setdefault(known_phone, []).append(at)

    for times in schedule.values():
        times.sort()

    def cap_for(phone: str, moment: dt.datetime) -> dt.datetime:
        """``rate_capped`` on the sorted in-memory schedule: one bisect per message (an agent may get
        hundreds of reminders in one batch)."""
        times = schedule.get(phone, [])
        if cap <= 0 or len(times) - bisect.bisect_right(times, moment - dt.timedelta(hours=1)) < cap:
            return moment
        return max(moment, times[-cap] + dt.timedelta(hours=1))

    rows: list[dict[str, Any]] = []
    publish_needed = False
    for m in todo:
        prepared = prepare_context(m.context)
        row: dict[str, Any] = {
            "dedupe_key": m.dedupe_key[:191],
            "channel": m.channel,
            "audience": m.audience,
            "recipient_phone": "",
            "recipient_user_id": m.recipient_user_id,
            "template": m.template[:64],
            "context": prepared,
            "text": render(texts[m.template], prepared),
            "status": Notification.Status.PENDING,
            "attempts": 0,
            "last_error": "",
            "next_attempt_at": None,
            "claimed_at": None,
            "sent_at": None,
            "read_at": None,
            "created_at": now,
        }
        due = max(m.send_after or now, now)
        if m.channel == Notification.Channel.SMS:
            phone = phones[str(m.recipient_phone or "")]
            row["recipient_phone"] = phone or str(m.recipient_phone or "")[:20]
            if phone is None:
                row["status"], row["last_error"] = Notification.Status.FAILED, "无效的手机号码"
            elif m.audience != Notification.Audience.OTP:
                due = cap_for(phone, due)
                if m.audience == Notification.Audience.RESIDENT:
                    due = quiet_hours_release(due)
                bisect.insort(schedule.setdefault(phone, []), due)
        elif m.recipient_user_id is None:
            row["status"], row["last_error"] = Notification.Status.FAILED, "站内/邮件通知缺少接收人"
        row["send_after"] = due
        if row["status"] == Notification.Status.PENDING:
            if m.channel == Notification.Channel.INAPP:
                row["status"], row["sent_at"] = Notification.Status.SENT, due
            else:
                row["next_attempt_at"] = due
                publish_needed = publish_needed or due <= now
        rows.append(row)
    _insert_ignoring_conflicts(rows)
    if publish and publish_needed:
        transaction.on_commit(_kick_outbox_sweep)
    return len(rows)
