"""Delivery reports (回执) of the SMS providers, recorded per outbox row, and what a failure means (issue 27).

A report comes pulled (``sms_receipts_pull``: Tencent ``PullSmsSendStatus``, Alibaba ``QuerySendDetails``)
or pushed to our callback (``notifications.receipt_views``). Either way ``receipt_record`` is the one writer:

- a row's first *final* report (delivered / undelivered) stands; a repeat, or a report arriving after it
  out of order, changes nothing (``duplicate``);
- a report is matched by the provider's message id, else by our own id (``bb-<row id>``: Alibaba's
  ``OutId``, Tencent's ``SessionContext``), so one that arrives before the send's answer was recorded is
  not lost;
- an undelivered report with a permanent carrier reason (空号, 停机, 黑名单 …) — or a send the provider
  refused outright (``sms_refused``) — alerts the case's agent or station once (in-app: "居民短信未送达
  （原因），请电话联系") when the message matters to a case (``ALERT_TEMPLATES``). The outbox does not know
  cases: the app that does registers the alert (``register_undelivered_handler``, workflows at startup).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications.models import Notification

logger = logging.getLogger("notifications.sms")

# The messages whose loss a case worker must hear about (the resident relies on them).
ALERT_TEMPLATES = frozenset({"case_received", "result_ready", "rectification_done", "otp_code"})

# Carrier status codes of a delivery report that no resend changes, with the reason staff read. These are the
# codes Chinese carriers commonly report through both providers; SMS_PERMANENT_RECEIPT_CODES adds to them.
PERMANENT_RECEIPT_CODES: dict[str, str] = {
    "MN:0001": "空号",
    "MK:0001": "空号",
    "IC:0001": "空号",
    "UNDELIV": "空号",
    "MK:0005": "停机",
    "MK:0012": "停机",
    "MN:0017": "停机",
    "IB:0008": "黑名单",
    "DB:0141": "黑名单",
    "MK:0008": "黑名单",
    "REJECTD": "内容被拒",
    "MI:0024": "内容被拒",
}
# Words in a report's description that mark the same (providers also describe the reason in Chinese).
PERMANENT_WORDS = ("空号", "停机", "销号", "黑名单", "拒收")

UndeliveredHandler = Callable[[Notification, str], None]
_handlers: list[UndeliveredHandler] = []


def register_undelivered_handler(handler: UndeliveredHandler) -> None:
    """Called with (row, reason) once per row whose message did not reach the resident for good."""
    if handler not in _handlers:
        _handlers.append(handler)


def permanent_reason(code: str, description: str = "") -> str:
    """The reason of a permanent failure, or "" when the failure may be temporary (关机, 信号 …)."""
    codes = {**PERMANENT_RECEIPT_CODES, **dict(getattr(settings, "SMS_PERMANENT_RECEIPT_CODES", {}) or {})}
    if code in codes:
        return str(codes[code])
    for word in PERMANENT_WORDS:
        if word in (description or ""):
            return word
    return ""


def _alert(row: Notification, reason: str) -> None:
    if row.template not in ALERT_TEMPLATES:
        return
    for handler in list(_handlers):
        try:
            handler(row, reason)
        except Exception:
            logger.exception("notifications: undelivered handler failed for %s", row.pk)


@transaction.atomic
def sms_refused(*, notification_id: int, reason: str) -> None:
    """A send the provider refused for good (number invalid, blacklisted, content refused): recorded as
    undelivered with its reason; staff are alerted when it matters to a case."""
    row = Notification.objects.select_for_update().get(pk=notification_id)
    if row.delivery_state == Notification.DeliveryState.UNDELIVERED:
        return
    row.delivery_state = Notification.DeliveryState.UNDELIVERED
    row.delivery_reason = reason[:64]
    row.receipt_at = timezone.now()
    row.save(update_fields=["delivery_state", "delivery_reason", "receipt_at"])
    _alert(row, reason)


def _find(provider: str, provider_message_id: str, our_id: str) -> Notification | None:
    match = Q()
    if provider_message_id:
        match |= Q(provider_message_id=provider_message_id)
    if our_id.startswith("bb-") and our_id[3:].isdigit():
        match |= Q(pk=int(our_id[3:]))
    if not match:
        return None
    return (
        Notification.objects.select_for_update()
        .filter(match, channel=Notification.Channel.SMS, provider=provider)
        .first()
    )


@transaction.atomic
def receipt_record(
    *,
    provider: str,
    provider_message_id: str = "",
    our_id: str = "",
    delivered: bool,
    code: str = "",
    description: str = "",
    at: dt.datetime | None = None,
) -> str:
    """Record one delivery report. Returns ``recorded``, ``duplicate`` or ``unknown`` (no such message)."""
    row = _find(provider, provider_message_id, our_id)
    if row is None:
        logger.info(
            "notifications: %s report for unknown message %s/%s", provider, provider_message_id, our_id
        )
        return "unknown"
    if row.delivery_state in {Notification.DeliveryState.DELIVERED, Notification.DeliveryState.UNDELIVERED}:
        return "duplicate"
    now = timezone.now()
    reason = (
        "" if delivered else (permanent_reason(code, description) or (description or code or "未送达")[:64])
    )
    row.delivery_state = (
        Notification.DeliveryState.DELIVERED if delivered else Notification.DeliveryState.UNDELIVERED
    )
    row.delivery_code = code[:32]
    row.delivery_reason = reason[:64]
    row.delivered_at = at or now
    row.receipt_at = now
    if provider_message_id and not row.provider_message_id:
        row.provider_message_id = provider_message_id[:64]
    row.save(
        update_fields=[
            "delivery_state",
            "delivery_code",
            "delivery_reason",
            "delivered_at",
            "receipt_at",
            "provider_message_id",
        ]
    )
    if not delivered and permanent_reason(code, description):
        _alert(row, reason)
    return "recorded"


# --- Pulling reports (notifications.tasks.pull_sms_receipts) ---------------------------------------------


def parse_report_time(value: Any) -> dt.datetime | None:
    """``2026-12-07 15:04:05`` (Beijing time, both providers) → aware datetime."""
    if not value:
        return None
    try:
        naive = dt.datetime.strptime(str(value)[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return timezone.make_aware(naive, timezone.get_current_timezone())


def tencent_pull() -> int:
    """Record every report Tencent Cloud has queued for us (each report is handed out once)."""
    from notifications.providers.tencent import TencentSmsBackend

    recorded = 0
    backend = TencentSmsBackend()
    for _ in range(20):  # at most 2,000 reports per run; the rest come next run
        statuses = backend.pull_statuses(limit=100)
        for s in statuses:
            outcome = receipt_record(
                provider="tencent",
                provider_message_id=str(s.get("serial_no") or ""),
                our_id=str(s.get("session_context") or ""),
                delivered=str(s.get("report_status")) == "SUCCESS",
                code=str(s.get("description") or ""),
                description=str(s.get("description") or ""),
                at=parse_report_time(s.get("user_receive_time")),
            )
            recorded += outcome == "recorded"
        if len(statuses) < 100:
            break
    return recorded


def aliyun_pull(*, older_than: int = 60, batch: int = 200) -> int:
    """Ask Alibaba Cloud about rows still waiting for a report (sent more than ``older_than`` s ago, less
    than two days: the provider keeps details for a limited time)."""
    from notifications.providers.aliyun import AliyunSmsBackend

    now = timezone.now()
    waiting = list(
        Notification.objects.filter(
            provider="aliyun",
            delivery_state=Notification.DeliveryState.ACCEPTED,
            sent_at__lte=now - dt.timedelta(seconds=older_than),
            sent_at__gte=now - dt.timedelta(days=2),
        )
        .exclude(provider_message_id="")
        .order_by("sent_at")
        .values_list("pk", "recipient_phone", "provider_message_id", "sent_at")[:batch]
    )
    backend = AliyunSmsBackend()
    recorded = 0
    for pk, phone, biz_id, sent_at in waiting:
        day = timezone.localtime(sent_at).strftime("%Y%m%d")
        for detail in backend.send_details(phone=phone, day=day, biz_id=biz_id):
            status = int(detail.get("SendStatus") or 1)  # 1 waiting, 2 failed, 3 delivered
            if status == 1:
                continue
            outcome = receipt_record(
                provider="aliyun",
                provider_message_id=biz_id,
                our_id=str(detail.get("OutId") or f"bb-{pk}"),
                delivered=status == 3,
                code=str(detail.get("ErrCode") or ""),
                at=parse_report_time(detail.get("ReceiveDate")),
            )
            recorded += outcome == "recorded"
    return recorded


def receipts_pull_configured() -> dict[str, int]:
    """Pull the reports of every configured provider backend (``SMS_BACKEND`` / ``SMS_FALLBACK_BACKEND``)."""
    from notifications.failover import backend_chain

    pulls = {"aliyun": aliyun_pull, "tencent": tencent_pull}
    counts: dict[str, int] = {}
    for name in backend_chain():
        if name in pulls:
            try:
                counts[name] = pulls[name]()
            except Exception:
                logger.warning("notifications: pulling %s reports failed", name, exc_info=True)
                counts[name] = -1
    return counts
