"""Residents' sign-in: one-time SMS codes (OTP) and the resident tokens they buy; codes and tokens are stored
only as keyed digests."""

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, F
from django.db.models.functions import Cast
from django.utils import timezone

from core.exceptions import ApplicationError
from core.phones import is_mainland_mobile, parse_phone
from core.prepared import PreparedQuery
from core.ratelimit import (
    ratelimit_check_blocked,
    ratelimit_hit,
    ratelimit_record_failure,
    ratelimit_reset,
)
from notifications.flow_control import otp_flow_control_check
from notifications.services import notification_enqueue
from residents.models import (
    OtpCode,
    ResidentToken,
)
from workflows.feedback_links import feedback_link_case as feedback_link_case
from workflows.feedback_links import feedback_link_token as feedback_link_token
from workflows.feedback_links import feedback_link_url as feedback_link_url

logger = logging.getLogger(__name__)

OTP_DIGITS = 6
SIGNATURE = "帮办代办"
NOT_MOBILE = "验证码只能发送到中国大陆手机号码（11位，1开头），不支持固定电话和境外号码。"


def _digest(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 keyed with SECRET_KEY: codes and tokens are stored only as this digest."""
    key = f"{purpose}:{settings.SECRET_KEY}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _phone_or_400(raw: str | None, *, field: str = "phone") -> str:
    number = parse_phone(raw)
    if number is None:
        raise ApplicationError("请输入正确的手机号码。", {"field": field}, status=400)
    return str(number.as_e164)


# --- SMS codes and tokens ---


def otp_request(*, phone: str, ip: str) -> None:
    """Send a fresh 6-digit code to ``phone``. Same effect whether or not the phone has
    cases (no enumeration).

    Rate-limited per IP and per phone (``otp_ip``, ``otp_phone``); the SMS goes out at once
    (audience ``otp``).
    """
    e164 = _phone_or_400(phone)
    if not is_mainland_mobile(parse_phone(e164)):  # before any limit is counted or SMS queued
        raise ApplicationError(NOT_MOBILE, {"field": "phone"}, status=400)
    ratelimit_hit("otp_ip", ip)
    ratelimit_hit("otp_phone", e164)
    otp_flow_control_check(phone=e164)  # issue 27: what the SMS provider would refuse, refused here first
    code = f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"
    now = timezone.now()
    ttl = int(settings.TRACK_OTP_TTL_SECONDS)
    with transaction.atomic():
        otp = OtpCode(
            phone=e164,
            code_hash=_digest(f"{e164}:{code}", purpose="otp"),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=ttl),
        )
        otp.full_clean()
        otp.save()
        notification_enqueue(
            dedupe_key=f"otp:{otp.pk}:{otp.code_hash[:16]}",
            template="otp_code",
            context={"code": code, "minutes": max(1, ttl // 60), "site_name": SIGNATURE},
            recipient_phone=e164,
            audience="otp",
        )


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: dt.datetime


def otp_verify(*, phone: str, code: str, ip: str) -> IssuedToken:
    """Check a code; on success mark it used and issue a resident token.

    Wrong codes count per phone and per IP (``verify_phone``, ``verify_ip``): after N within the period every
    verify for that phone/IP answers 429 for one period, even with the right code.
    """
    e164 = _phone_or_400(phone)
    ratelimit_check_blocked("verify_ip", ip)
    ratelimit_check_blocked("verify_phone", e164)
    code = "".join(ch for ch in str(code or "") if ch.isdigit())
    digest = _digest(f"{e164}:{code}", purpose="otp")
    now = timezone.now()
    issued: IssuedToken | None = None
    with transaction.atomic():
        candidates = list(
            OtpCode.objects.select_for_update(of=("self",))
            .filter(phone=e164, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")[:10]
        )
        match = next((o for o in candidates if hmac.compare_digest(o.code_hash, digest)), None)
        if match is not None and len(code) == OTP_DIGITS:
            match.used_at = now
            match.save(update_fields=["used_at"])
            issued = token_issue(phone=e164, now=now)
        else:
            OtpCode.objects.filter(pk__in=[o.pk for o in candidates]).update(attempts=_attempts_plus_one())
    if issued is not None:
        ratelimit_reset("verify_phone", e164)
        return issued
    # The Nth wrong code is still answered "wrong" (400); from then on, for one period, every verify of this
    # phone/IP answers 429 (CONTRACT §2) — checked at the top of the next call.
    ratelimit_record_failure("verify_ip", ip)
    ratelimit_record_failure("verify_phone", e164)
    raise ApplicationError("验证码错误或已过期。", {"field": "code"}, status=400)


def _attempts_plus_one() -> Any:
    return F("attempts") + 1


def token_issue(*, phone: str, now: dt.datetime) -> IssuedToken:
    raw = secrets.token_urlsafe(32)
    expires_at = now + dt.timedelta(seconds=int(settings.TRACK_TOKEN_TTL_SECONDS))
    row = ResidentToken(
        token_hash=_digest(raw, purpose="resident-token"), phone=phone, created_at=now, expires_at=expires_at
    )
    row.full_clean()
    row.save()
    return IssuedToken(token=raw, expires_at=expires_at)


def resident_token_phone(token: str | None) -> str | None:
    """The E.164 phone a live token belongs to, or ``None`` (unknown, expired or revoked)."""
    if not token:
        return None
    rows = _TOKEN_PHONE.run(token_hash=_digest(token, purpose="resident-token"), now=timezone.now())
    return str(rows[0][0]) if rows else None


# Every resident request checks its token: compiled once per process (core.prepared); the phone is stored
# in E.164, read as text.
_TOKEN_PHONE = PreparedQuery(
    lambda token_hash, now: (
        ResidentToken.objects.filter(token_hash=token_hash, revoked_at__isnull=True, expires_at__gt=now)
        .annotate(phone_text=Cast("phone", CharField()))
        .values_list("phone_text")[:1]
    )
)


def resident_token_revoke(*, token: str) -> None:
    """Log out: the token stops working at once."""
    ResidentToken.objects.filter(
        token_hash=_digest(token, purpose="resident-token"), revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
