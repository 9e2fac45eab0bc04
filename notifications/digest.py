"""Staff alerts over the per-phone cap: folded into one digest SMS when they fall due, never dropped.

``outbox.staff_digest_due`` gives every staff alert over the cap the send time of the digest already waiting
for that phone and flags it (``outbox.DIGEST_FLAG``). When the first of them is delivered, ``digest_claim``
claims the phone's other flagged alerts that are due, and the one SMS carries them all; ``digest_settle``
records the outcome on every folded row (sent with the digest, or back to pending when the send failed).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.utils import timezone

from notifications.conf import setting
from notifications.failover import sends_templates
from notifications.models import Notification
from notifications.outbox import DIGEST_FLAG

DIGEST_MAX_ITEMS = 20  # one SMS of a sane length; the rest go in the next digest at once


def _foldable(row: Notification) -> bool:
    return (
        row.channel == Notification.Channel.SMS
        and row.audience == Notification.Audience.STAFF
        and bool((row.context or {}).get(DIGEST_FLAG))
        # a provider sends registered templates only: the alerts then go one by one at the digest's time
        and not sends_templates(row.attempts)
    )


def digest_claim(row: Notification) -> tuple[str, list[int]]:
    """The text to send for ``row`` (claimed by the caller) and the ids of the other alerts folded into it."""
    if not _foldable(row):
        return row.text, []
    now = timezone.now()
    candidates = list(
        Notification.objects.filter(
            channel=Notification.Channel.SMS,
            audience=Notification.Audience.STAFF,
            status=Notification.Status.PENDING,
            recipient_phone=row.recipient_phone,
            send_after__lte=now,
            context__has_key=DIGEST_FLAG,
        )
        .exclude(pk=row.pk)
        .order_by("send_after", "id")
        .values_list("id", "text")[: DIGEST_MAX_ITEMS - 1]
    )
    texts, folded = [row.text], []
    for pk, text in candidates:
        # the same conditional claim as a single send: a row another worker took meanwhile is left to it
        if Notification.objects.filter(pk=pk, status=Notification.Status.PENDING).update(
            status=Notification.Status.SENDING,
            claimed_at=row.claimed_at,
            next_attempt_at=row.next_attempt_at,
            attempts=F("attempts") + 1,
        ):
            folded.append(pk)
            texts.append(text)
    if not folded:
        return row.text, []
    signature = setting("NOTIFICATIONS_SIGNATURE")
    lines = "\n".join(f"{i}. {_unsigned(text, signature)}" for i, text in enumerate(texts, start=1))
    return f"【{signature}】{len(texts)}条提醒汇总（本手机号每小时提醒较多，合并发送）：\n{lines}", folded


def _unsigned(text: str, signature: str) -> str:
    prefix = f"【{signature}】"
    return text[len(prefix) :] if text.startswith(prefix) else text


def digest_settle(*, row: Notification, folded: list[int], sent: bool, retry_at: dt.datetime | None) -> None:
    """Record the digest's outcome on the folded rows (still under ``row``'s claim)."""
    if not folded:
        return
    rows = Notification.objects.filter(
        pk__in=folded, status=Notification.Status.SENDING, claimed_at=row.claimed_at
    )
    if sent:
        rows.update(
            status=Notification.Status.SENT,
            sent_at=timezone.now(),
            next_attempt_at=None,
            last_error=f"并入汇总短信 bb-{row.pk} 发送",
        )
    else:  # back in the outbox: the next send (or the sweep) folds them again
        rows.update(
            status=Notification.Status.PENDING, next_attempt_at=retry_at or timezone.now(), claimed_at=None
        )
