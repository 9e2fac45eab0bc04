"""Reads of the notifications app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Min, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from notifications.models import Notification
from notifications.outbox import normalize_dedupe_key
from notifications.templates_registry import DEFAULTS_BY_CODE


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
    held_rows = Notification.objects.filter(status=Notification.Status.PENDING, send_after__gt=now)
    held_stats = held_rows.aggregate(n=Count("id"), first=Min("send_after"))
    held = held_stats["n"]
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
        "held_until": held_stats["first"],  # when the first held row falls due (None: nothing held)
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
    """The keys among ``keys`` whose message was sent (status ``sent``), in one query.

    For callers that must not repeat a message already delivered (e.g. a reminder ladder): they ask the
    outbox, not the model. Keys are given as they were enqueued; a long one is looked up under its stored
    (normalised) form and returned as given.
    """
    stored = {normalize_dedupe_key(key): key for key in keys}
    if not stored:
        return set()
    sent = Notification.objects.filter(dedupe_key__in=list(stored), status=Notification.Status.SENT)
    return {stored[key] for key in sent.values_list("dedupe_key", flat=True)}


def queued_dedupe_keys(keys: Iterable[str]) -> set[str]:
    """The keys among ``keys`` (already normalised) that have an outbox row in any status, in one query."""
    wanted = set(keys)
    if not wanted:
        return set()
    return set(Notification.objects.filter(dedupe_key__in=wanted).values_list("dedupe_key", flat=True))


def _counted_sms() -> QuerySet[Notification]:
    """The rows that count towards the per-phone SMS cap: SMS that are or will be sent (no OTP codes, no
    cancelled or failed rows). One definition for the single and the batch read below."""
    return (
        Notification.objects.filter(channel=Notification.Channel.SMS)
        .exclude(audience=Notification.Audience.OTP)
        .exclude(status__in=[Notification.Status.CANCELLED, Notification.Status.FAILED])
    )


def recent_sms_schedule(
    *, phones: Iterable[str], since: dt.datetime, cap: int
) -> dict[str, list[dt.datetime]]:
    """Each phone's ``cap`` latest counted SMS send times after ``since``, sorted: the input of
    ``outbox.capped_due``. One query (one phone, every case event: a plain indexed read)."""
    wanted = set(phones)
    if cap <= 0 or not wanted:
        return {}
    schedule: dict[str, list[dt.datetime]] = {}
    if len(wanted) == 1:
        (phone,) = wanted
        times = list(
            _counted_sms()
            .filter(recipient_phone=phone, send_after__gt=since)
            .order_by("-send_after")
            .values_list("send_after", flat=True)[:cap]
        )
        if times:
            schedule[phone] = sorted(times)
        return schedule
    for phone, at in (
        _counted_sms()
        .filter(recipient_phone__in=wanted, send_after__gt=since)
        # Only each phone's ``cap`` latest times matter to the cap (its cap-th latest one).
        .annotate(
            latest=Window(RowNumber(), partition_by=F("recipient_phone"), order_by=F("send_after").desc())
        )
        .filter(latest__lte=cap)
        .values_list("recipient_phone", "send_after")
    ):
        schedule.setdefault(phone, []).append(at)
    for times in schedule.values():
        times.sort()
    return schedule


def provider_stats(*, since: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per SMS provider (issue 27): sent, delivered, undelivered and failed by reason, waiting for a report,
    and the receipt lag (report received − sent: average and maximum seconds). ``since``: rows created after."""
    rows = Notification.objects.filter(channel=Notification.Channel.SMS).exclude(provider="")
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    stats: dict[str, dict[str, Any]] = {}

    def entry(provider: str) -> dict[str, Any]:
        return stats.setdefault(
            provider,
            {
                "provider": provider,
                "sent": 0,
                "delivered": 0,
                "waiting": 0,
                "failed": 0,
                "failed_by_reason": {},
                "receipt_lag_avg_seconds": None,
                "receipt_lag_max_seconds": None,
            },
        )

    for r in rows.values("provider", "status", "delivery_state").annotate(n=Count("id")):
        e = entry(r["provider"])
        if r["status"] == Notification.Status.SENT:
            e["sent"] += r["n"]
        if r["delivery_state"] == Notification.DeliveryState.DELIVERED:
            e["delivered"] += r["n"]
        elif r["delivery_state"] == Notification.DeliveryState.ACCEPTED:
            e["waiting"] += r["n"]
    failed = rows.filter(
        Q(status=Notification.Status.FAILED) | Q(delivery_state=Notification.DeliveryState.UNDELIVERED)
    )
    for f in failed.values("provider", "delivery_reason").annotate(n=Count("id")):
        e = entry(f["provider"])
        reason = f["delivery_reason"] or "发送失败"
        e["failed"] += f["n"]
        e["failed_by_reason"][reason] = e["failed_by_reason"].get(reason, 0) + f["n"]
    lag = ExpressionWrapper(F("receipt_at") - F("sent_at"), output_field=DurationField())
    for g in (
        rows.filter(receipt_at__isnull=False, sent_at__isnull=False)
        .values("provider")
        .annotate(avg=Avg(lag), max=Max(lag))
    ):
        e = entry(g["provider"])
        e["receipt_lag_avg_seconds"] = int(g["avg"].total_seconds()) if g["avg"] is not None else None
        e["receipt_lag_max_seconds"] = int(g["max"].total_seconds()) if g["max"] is not None else None
    return [stats[name] for name in sorted(stats)]


def case_sms_deliveries(*, case_no: str) -> list[dict[str, Any]]:
    """The resident SMS of one case with their delivery state, oldest first (staff case page)."""
    rows = (
        Notification.objects.filter(
            dedupe_key__startswith=f"case:{case_no}:",
            channel=Notification.Channel.SMS,
            audience=Notification.Audience.RESIDENT,
        )
        .order_by("send_after", "id")
        .values(
            "template",
            "status",
            "delivery_state",
            "delivery_reason",
            "provider",
            "send_after",
            "sent_at",
            "delivered_at",
        )
    )
    out = []
    for r in rows:
        default = DEFAULTS_BY_CODE.get(r["template"])
        out.append(
            {**r, "label": default.name if default else r["template"], "state": delivery_label(dict(r))}
        )
    return out


def delivery_label(row: dict[str, Any]) -> str:
    """One row's delivery state as staff read it."""
    status, state = row["status"], row["delivery_state"]
    if state == Notification.DeliveryState.DELIVERED:
        return "已送达"
    if state == Notification.DeliveryState.UNDELIVERED:
        return f"未送达（{row['delivery_reason'] or '原因未知'}）"
    if status == Notification.Status.FAILED:
        return "发送失败"
    if status == Notification.Status.CANCELLED:
        return "已取消"
    if state == Notification.DeliveryState.ACCEPTED:
        return "已提交服务商，等待回执"
    if status == Notification.Status.SENT:
        return "已发送"
    return "待发送"
