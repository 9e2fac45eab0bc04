"""Planning and writing outbox rows: the one definition of what a queued message looks like.

Both enqueue paths (``services.notification_enqueue`` for one message in the caller's transaction and
``services.notification_enqueue_many`` for a sweep's batch) go through the same two steps:

1. ``plan_row`` (pure: no database, no clock): the dedupe key normalised (``normalize_dedupe_key``), the
   phone normalised (``normalized_phone``), the per-phone SMS cap (``capped_due`` on the phone's recent
   schedule), quiet hours (``quiet_hours_release``) and from those the row's status, ``send_after`` and
   ``next_attempt_at``. The callers only read its inputs (template text, recent schedule) and pick how the
   row is published.
2. ``outbox_insert``: ``INSERT … ON CONFLICT (dedupe_key) DO NOTHING`` (a key queued before, also by a
   concurrent transaction, is skipped, never an error), returning the ids of the rows it inserted.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.utils import timezone

from core.phones import normalize_phone
from notifications.conf import setting
from notifications.models import Notification
from notifications.rendering import prepare_context, render
from notifications.sms_text import compose, fit_context

DEDUPE_KEY_MAX = 191  # Notification.dedupe_key max_length (utf8mb4-safe unique index width)
TEMPLATE_MAX = 64  # Notification.template max_length
INVALID_PHONE = "无效的手机号码"
NO_RECIPIENT = "站内/邮件通知缺少接收人"


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


@dataclass(frozen=True)
class OutboxRules:
    """The scheduling settings, read once per enqueue call so the plan itself reads nothing."""

    quiet_hours: tuple[int, int]
    per_phone_per_hour: int
    sweep_grace: dt.timedelta

    @classmethod
    def current(cls) -> OutboxRules:
        start, end = setting("NOTIFICATIONS_QUIET_HOURS")
        return cls(
            quiet_hours=(int(start), int(end)),
            per_phone_per_hour=int(setting("NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR")),
            sweep_grace=dt.timedelta(seconds=int(setting("NOTIFICATIONS_SWEEP_GRACE"))),
        )


# --- The rules, one definition each -----------------------------------------------------------------------


def normalize_dedupe_key(key: str) -> str:
    """Keys longer than the column keep a readable prefix and a hash of the whole (never a silent clash)."""
    key = str(key)
    if len(key) <= DEDUPE_KEY_MAX:
        return key
    return f"{key[:150]}#{hashlib.sha256(key.encode()).hexdigest()[:40]}"


@functools.lru_cache(maxsize=4096)
def normalized_phone(raw: str) -> str | None:
    """E.164 of ``raw`` or None (``core.phones.normalize_phone``), memoised: a sweep's batch repeats the same
    few staff numbers thousands of times and parsing costs far more than the lookup."""
    return normalize_phone(raw)


def quiet_hours_release(moment: dt.datetime, quiet_hours: tuple[int, int] | None = None) -> dt.datetime:
    """``moment`` itself, or the next end of quiet hours (08:00 local) when it falls inside them."""
    start, end = quiet_hours if quiet_hours is not None else setting("NOTIFICATIONS_QUIET_HOURS")
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


def capped_due(times: Sequence[dt.datetime], moment: dt.datetime, cap: int) -> dt.datetime:
    """Push ``moment`` so the phone gets at most ``cap`` non-OTP SMS per hour.

    ``times``: the phone's scheduled send times, sorted, holding at least its ``cap`` latest ones after
    ``moment - 1 h`` (``selectors.recent_sms_schedule``). Over the cap the message goes one hour after the
    cap-th latest one. A soft cap: two enqueues racing for one phone may both fit (one extra SMS, no loss).
    """
    if cap <= 0 or len(times) - bisect.bisect_right(times, moment - dt.timedelta(hours=1)) < cap:
        return moment
    return max(moment, times[-cap] + dt.timedelta(hours=1))


DIGEST_FLAG = "_digest"  # context key of a staff alert held by the cap (notifications.digest folds them)


def staff_digest_due(times: Sequence[dt.datetime], moment: dt.datetime, cap: int) -> tuple[dt.datetime, bool]:
    """Staff alerts' own rule: ``(when, folded)``. Under the cap an alert goes at ``moment``; over it, it joins
    the digest already waiting for that phone (the earliest send time scheduled after ``moment``), or opens one
    where the cap allows the next SMS. A busy station's phone so gets at most ``cap`` single alerts and one
    digest per hour, and no alert waits more than an hour (the residents' rule pushes each further back)."""
    due = capped_due(times, moment, cap)
    if due == moment:
        return moment, False
    waiting = times[bisect.bisect_right(times, moment) :]
    return (min(waiting[0], due) if waiting else due), True


def hold_reason(message: NotificationRequest, row: Mapping[str, Any], now: dt.datetime) -> str | None:
    """Why a planned row waits although the caller wanted it now (for the log), or None when it does not."""
    requested = max(message.send_after or now, now)
    due = row["send_after"]
    if row["status"] != Notification.Status.PENDING or row["channel"] == Notification.Channel.INAPP:
        return None
    if due <= requested:
        return None
    local = timezone.localtime(due)
    if message.audience == Notification.Audience.RESIDENT and quiet_hours_release(requested) != requested:
        return f"免打扰时段，{local:%H:%M} 后发送"
    if row["context"].get(DIGEST_FLAG):
        return f"本手机号每小时提醒已达上限，{local:%H:%M} 合并为一条汇总发送"
    return f"本手机号每小时短信已达上限，{local:%H:%M} 后发送"


_CHANNELS = frozenset(Notification.Channel.values)  # computed once: ``.values`` builds a new list per call
_AUDIENCES = frozenset(Notification.Audience.values)


def _validate(message: NotificationRequest) -> None:
    """The caller's arguments a database would reject later, and less clearly (both paths, before planning)."""
    if message.channel not in _CHANNELS:
        raise ValidationError({"channel": f"未知的渠道 {message.channel!r}"})
    if message.audience not in _AUDIENCES:
        raise ValidationError({"audience": f"未知的对象 {message.audience!r}"})
    if len(message.template) > TEMPLATE_MAX:
        raise ValidationError({"template": "模板代码过长"})


# --- The plan -----------------------------------------------------------------------------------------------


def plan_row(
    message: NotificationRequest,
    *,
    text: str,
    now: dt.datetime,
    rules: OutboxRules,
    schedule: dict[str, list[dt.datetime]],
    publish: Literal["on_commit", "sweep"],
) -> dict[str, Any]:
    """The outbox row (column → value) for ``message``. Pure: everything it needs is passed in.

    ``text``: the message's template text; ``schedule``: recent SMS send times per E.164 phone, sorted
    (the plan adds this message's time, so a batch counts its own rows towards the cap). ``publish``: how
    the caller hands due rows to a worker: ``on_commit`` publishes the row itself, so the sweep looks at it
    only ``sweep_grace`` after it was due; ``sweep`` leaves it to the outbox sweep at once.
    """
    _validate(message)
    context = prepare_context(message.context)
    if message.channel == Notification.Channel.SMS:
        # issue 27: the provider's variable rules and the deployment's signature (notifications.sms_text)
        context = fit_context(context)
        body = compose(message.template, text, context)
    else:
        body = render(text, context)
    row: dict[str, Any] = {
        "dedupe_key": normalize_dedupe_key(message.dedupe_key),
        "channel": message.channel,
        "audience": message.audience,
        "recipient_phone": "",
        "recipient_user_id": message.recipient_user_id,
        "template": message.template,
        "context": context,
        "text": body,
        "status": Notification.Status.PENDING,
        "attempts": 0,
        "last_error": "",
        "next_attempt_at": None,
        "claimed_at": None,
        "sent_at": None,
        "read_at": None,
        "created_at": now,
    }
    due = max(message.send_after or now, now)
    if message.channel == Notification.Channel.SMS:
        raw = str(message.recipient_phone or "")
        phone = normalized_phone(raw)
        row["recipient_phone"] = phone or raw[:20]
        if phone is None:
            row["status"], row["last_error"] = Notification.Status.FAILED, INVALID_PHONE
        elif message.audience == Notification.Audience.STAFF:
            times = schedule.setdefault(phone, [])
            due, folded = staff_digest_due(times, due, rules.per_phone_per_hour)
            if folded:  # delivery folds the phone's due alerts carrying the flag into one SMS (digest.py)
                row["context"] = {**context, DIGEST_FLAG: True}
            bisect.insort(times, due)
        elif message.audience != Notification.Audience.OTP:
            times = schedule.setdefault(phone, [])
            due = quiet_hours_release(capped_due(times, due, rules.per_phone_per_hour), rules.quiet_hours)
            bisect.insort(times, due)
    elif message.channel == Notification.Channel.HANDOFF:
        pass  # addressed by its context (region, authority), sent at once, never held
    elif message.recipient_user_id is None:
        row["status"], row["last_error"] = Notification.Status.FAILED, NO_RECIPIENT
    row["send_after"] = due
    if row["status"] == Notification.Status.PENDING:
        if message.channel == Notification.Channel.INAPP:
            # In-app delivery is the row itself: it shows in the bell once it is due.
            row["status"], row["sent_at"] = Notification.Status.SENT, due
        elif publish == "on_commit" and due <= now:
            row["next_attempt_at"] = due + rules.sweep_grace
        else:
            row["next_attempt_at"] = due
    return row


def is_due_for_publish(row: Mapping[str, Any], now: dt.datetime) -> bool:
    """A planned row a worker should send now (pending, not in-app, due)."""
    return (
        row["status"] == Notification.Status.PENDING
        and row["channel"] != Notification.Channel.INAPP
        and row["send_after"] <= now
    )


# --- The writer --------------------------------------------------------------------------------------------

COLUMNS = (
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
_COLS = ", ".join(COLUMNS)  # constants only: no user input reaches these statements
_SQL_STAGE = f"CREATE TEMP TABLE _outbox_batch ON COMMIT DROP AS SELECT {_COLS} FROM notifications_notification WITH NO DATA"  # noqa: S608
_SQL_COPY = f"COPY _outbox_batch ({_COLS}) FROM STDIN"
_SQL_MERGE = f"INSERT INTO notifications_notification ({_COLS}) SELECT {_COLS} FROM _outbox_batch ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key, id"  # noqa: S608
# Above this many rows PostgreSQL gets COPY (see outbox_insert); below, the one-statement INSERT is cheaper.
COPY_THRESHOLD = 50


def _db() -> Any:
    """The default connection's wrapper itself, not the ``django.db.connection`` proxy: the insert compiler
    reads the connection some 25 times per row and each proxy read costs a thread-local lookup."""
    return connections[DEFAULT_DB_ALIAS]


def _fields() -> list[Field[Any, Any]]:
    """The model fields behind ``COLUMNS``, in that order."""
    by_column = {field.column: field for field in Notification._meta.concrete_fields}
    return [by_column[column] for column in COLUMNS]


def _insert_statement(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """One ``INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key, id`` for ``rows``."""
    connection = _db()
    meta = Notification._meta
    fields = _fields()
    objs: list[Model] = [Notification(**row) for row in rows]
    query = InsertQuery(Notification, on_conflict=OnConflict.IGNORE)
    query.insert_values(fields, objs)
    statements = query.get_compiler(connection=connection).as_sql()
    assert len(statements) == 1
    sql, params = statements[0]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {quote('dedupe_key')}, {quote(str(meta.pk.column))}", params)
        return {str(key): int(pk) for key, pk in cursor.fetchall()}


def _copy_and_merge(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """PostgreSQL: ``COPY`` into a transaction-local temporary table, then one merging INSERT.

    From plain tuples: Django's client-side parameter binding quotes a 10,000-row insert in Python and
    building the model instances costs as much again, both several times the insert itself.
    """
    connection = _db()
    with connection.cursor() as cursor:
        cursor.execute(_SQL_STAGE)
        with cursor.cursor.copy(_SQL_COPY) as copy:
            for row in rows:
                values = dict(row, context=json.dumps(row["context"], ensure_ascii=False))
                copy.write_row([values[c] for c in COLUMNS])
        cursor.execute(_SQL_MERGE)
        inserted = {str(key): int(pk) for key, pk in cursor.fetchall()}
        cursor.execute("DROP TABLE _outbox_batch")
    return inserted


def outbox_insert(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Write planned rows (``plan_row``) in the caller's transaction; ``{dedupe_key: id}`` of those inserted.

    ``ON CONFLICT (dedupe_key) DO NOTHING``: a key already queued (also by a concurrent transaction, which
    PostgreSQL waits for and then skips) is left as it is and missing from the result; duplicates are
    recognised by the unique column, never by an error's text, and need no savepoint. A single message
    (every case event) is one statement; a large batch on PostgreSQL goes through ``COPY``.
    """
    if not rows:
        return {}
    connection = _db()
    if connection.vendor == "postgresql" and len(rows) > COPY_THRESHOLD:
        return _copy_and_merge(rows)
    fields = _fields()
    chunk = max(1, connection.ops.bulk_batch_size(fields, list(rows)))
    inserted: dict[str, int] = {}
    for start in range(0, len(rows), chunk):
        inserted.update(_insert_statement(rows[start : start + chunk]))
    return inserted
