"""Reads of the notifications app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from notifications.models import Notification


def inapp_for_user(user: Any) -> QuerySet[Notification]:
    """The user's in-app notifications that are due, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(
        recipient_user=user,
        channel=Notification.Channel.INAPP,
        status=Notification.Status.SENT,  # not the ones withdrawn before they were due (notifications_cancel)
        send_after__lte=timezone.now(),
    ).order_by("-send_after", "-id")


def unread_count(user: Any) -> int:
    return inapp_for_user(user).filter(read_at__isnull=True).count()


def outbox_status() -> dict[str, Any]:
    """Counts by status (every status present, zeros included) and the oldest due pending row."""
    counts = dict.fromkeys(Notification.Status.values, 0)
    for row in Notification.objects.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    now = timezone.now()
    # A row held for quiet hours or a cap is not late: age counts from when it became due.
    oldest = Notification.objects.filter(status=Notification.Status.PENDING, send_after__lte=now).aggregate(
        oldest=Min("send_after")
    )["oldest"]
    held = Notification.objects.filter(status=Notification.Status.PENDING, send_after__gt=now).count()
    age: dt.timedelta | None = (now - oldest) if oldest else None
    # issue 15: outbound hand-offs share the outbox; operators see how many wait to reach the other region
    handoffs = Notification.objects.filter(
        channel=Notification.Channel.HANDOFF,
        status__in=[Notification.Status.PENDING, Notification.Status.SENDING],
    ).count()
    return {
        "handoff_pending": handoffs,
        "counts": counts,
        "held": held,
        "oldest_pending_at": oldest,
        "oldest_pending_age_seconds": int(age.total_seconds()) if age is not None else None,
    }


def outbox_recent_failures(limit: int = 5) -> list[dict[str, Any]]:
    """The latest ``failed`` rows with their kept error, for operators (no phone numbers or texts)."""
    rows = (
        Notification.objects.filter(status=Notification.Status.FAILED)
        .order_by("-id")
        .values("dedupe_key", "attempts", "last_error")[:limit]
    )
    return [dict(row) for row in rows]


def sent_dedupe_keys(keys: Iterable[str]) -> set[str]:
    """The keys among ``keys`` whose message was sent (one query): for a follow-up that must only follow a
    message that really went out."""
    wanted = list(keys)
    if not wanted:
        return set()
    return set(
        Notification.objects.filter(dedupe_key__in=wanted, status=Notification.Status.SENT).values_list(
            "dedupe_key", flat=True
        )
    )
