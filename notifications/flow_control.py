"""The providers' own flow control, applied here first (issue 27).

Both providers refuse a 验证码 SMS to one number under one signature beyond a few per minute, hour and day
(Alibaba Cloud ``isv.BUSINESS_LIMIT_CONTROL``: 1/min, 5/h, 10/day; Tencent Cloud ``LimitExceeded.*``: 1 per
30 s, 5/h, 10/day by default). A code the provider would refuse must not be promised to the resident: the
request is refused here with the same clear 429 as the project's own limits (``core.ratelimit``), counted
on the outbox itself (one indexed read of the phone's recent code rows). Notification SMS are never refused:
the per-phone cap (``NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR``, 5/h) defers them, well inside the providers'
per-template daily limits (Alibaba Cloud 50/day).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.ratelimit import too_many
from notifications.failover import backend_chain
from notifications.models import Notification

# (count, seconds) per provider for 验证码 templates to one number.
OTP_LIMITS: dict[str, tuple[tuple[int, int], ...]] = {
    "aliyun": ((1, 60), (5, 3600), (10, 86400)),
    "tencent": ((1, 30), (5, 3600), (10, 86400)),
}


def otp_limits() -> list[tuple[int, int]]:
    """The limits of every configured provider (a code may go through either)."""
    limits: list[tuple[int, int]] = []
    for name in backend_chain():
        limits.extend(OTP_LIMITS.get(name, ()))
    return limits


def otp_flow_control_check(*, phone: str, template: str = "otp_code") -> None:
    """Raise the 429 ``ApplicationError`` when a provider would refuse one more code to ``phone`` now."""
    limits = otp_limits()
    if not limits:
        return
    now = timezone.now()
    longest = max(seconds for _, seconds in limits)
    times = list(
        Notification.objects.filter(
            recipient_phone=phone,
            template=template,
            send_after__gt=now - dt.timedelta(seconds=longest),
        )
        .exclude(status__in=[Notification.Status.CANCELLED, Notification.Status.FAILED])
        .values_list("send_after", flat=True)
    )
    for count, seconds in sorted(limits, key=lambda item: item[1]):
        window = [t for t in times if t > now - dt.timedelta(seconds=seconds)]
        if len(window) >= count:
            retry_after = int((min(window) + dt.timedelta(seconds=seconds) - now).total_seconds()) + 1
            raise too_many("otp_phone", retry_after=max(1, retry_after))
