"""Proof of presence for the station's rating kiosk (``/sites/<code>/rate/``, 一次一评), and its limits.

Issue 33: anyone who knew a case number could rate another resident's case from home by guessing the four-digit
phone tail. A kiosk rating now needs proof that it is made *at the station*, one of:

* the station's **enrolled tablet**: station staff open ``/sites/<code>/rate/enroll/`` on it once; it keeps a
  signed cookie naming that site (``KIOSK_DEVICE_DAYS``), checked on every rating;
* the **现场评价码**, a 6-digit code that rotates every ``KIOSK_CODE_TTL_SECONDS`` (the previous one is still
  accepted, so a code read just before it changes works). It is derived from ``SECRET_KEY``, the site and the
  time window (nothing stored) and shown only to the station's logged-in staff (``/sites/<code>/rate/code/``,
  for the hall screen's staff browser or the window), never on a public page.

A resident rating from elsewhere uses the signed link of their completion SMS (``/rate/<token>/``) or ``/track/``.

Limits on top (``TRACK_RATE_LIMITS`` keys, ``core.ratelimit``): ``kiosk_case`` — wrong phone tails (or unknown
case numbers, answered alike) per case number: after N the case number is locked on this route for one period,
whoever asks; ``rate_ip`` and ``rate_agent`` — ratings of an agent alone (no case) per address and per agent.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from agency.models import Agent, Site
from core.exceptions import ApplicationError
from core.ratelimit import ratelimit_check_blocked, ratelimit_hit, ratelimit_record_failure
from residents.models import Rating
from residents.services import rating_create_kiosk

CODE_DIGITS = 6
DEVICE_COOKIE = "bb_kiosk"
DEVICE_SALT = "bangban.kiosk-device"
NO_PRESENCE = "请输入站内屏幕或窗口显示的现场评价码（不在现场请使用办结短信中的评价链接）。"
BAD_CODE = "现场评价码不正确或已过期，请查看站内屏幕上的最新评价码。"


def _ttl() -> int:
    return max(30, int(getattr(settings, "KIOSK_CODE_TTL_SECONDS", 600)))


def _code_for(site: Site, window: int) -> str:
    key = f"kiosk-code:{settings.SECRET_KEY}".encode()
    digest = hmac.new(key, f"{site.pk}:{site.code}:{window}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def kiosk_presence_code(site: Site, *, now: Any = None) -> tuple[str, int]:
    """The current code of ``site`` and the seconds until it changes."""
    ts = int((now or timezone.now()).timestamp())
    ttl = _ttl()
    return _code_for(site, ts // ttl), ttl - ts % ttl


def kiosk_code_valid(site: Site, code: str, *, now: Any = None) -> bool:
    """``code`` is the current or the previous window's code of ``site``."""
    text = "".join(ch for ch in str(code or "") if ch.isascii() and ch.isdigit())
    if len(text) != CODE_DIGITS:
        return False
    window = int((now or timezone.now()).timestamp()) // _ttl()
    return any(hmac.compare_digest(_code_for(site, w), text) for w in (window, window - 1))


# --- the enrolled tablet -----------------------------------------------------------------------------


def kiosk_device_enroll(response: HttpResponse, site: Site) -> None:
    """Mark the browser that made ``response``'s request as ``site``'s kiosk tablet (signed cookie)."""
    days = int(getattr(settings, "KIOSK_DEVICE_DAYS", 365))
    response.set_signed_cookie(
        DEVICE_COOKIE,
        site.code,
        salt=DEVICE_SALT,
        max_age=days * 86400,
        httponly=True,
        samesite="Lax",
        secure=not settings.DEBUG and getattr(settings, "SESSION_COOKIE_SECURE", False),
    )


def kiosk_device_site(request: HttpRequest) -> str:
    """The site code the request's enrolled-tablet cookie names ("" when none or forged)."""
    days = int(getattr(settings, "KIOSK_DEVICE_DAYS", 365))
    try:
        return str(
            request.get_signed_cookie(DEVICE_COOKIE, default="", salt=DEVICE_SALT, max_age=days * 86400)
        )
    except signing.BadSignature:
        return ""


# --- the rating ------------------------------------------------------------------------------------------


def _case_key(site: Site, case_no: str) -> str:
    return f"{site.pk}:{case_no.strip().upper()}"


def kiosk_rating_submit(
    *,
    site: Site,
    ip: str,
    enrolled: bool,
    presence_code: str = "",
    value: Any,
    case_no: str = "",
    phone_tail_digits: str = "",
    agent: Agent | None = None,
    comment: str = "",
    aspects: Any = None,
) -> Rating:
    """Check presence and the limits, then record the kiosk rating (``residents.services.rating_create_kiosk``)."""
    ratelimit_hit("lookup_ip", ip)
    if not enrolled:
        if not str(presence_code or "").strip():
            raise ApplicationError(NO_PRESENCE, {"field": "presence_code"}, status=400)
        if not kiosk_code_valid(site, presence_code):
            raise ApplicationError(BAD_CODE, {"field": "presence_code"}, status=400)
    if case_no.strip():
        key = _case_key(site, case_no)
        ratelimit_check_blocked("kiosk_case", key)
        try:
            return rating_create_kiosk(
                site=site,
                value=value,
                case_no=case_no,
                phone_tail_digits=phone_tail_digits,
                comment=comment,
                aspects=aspects,
            )
        except ApplicationError as exc:
            if exc.status == 404:  # unknown number or wrong tail, alike: counts against that number
                ratelimit_record_failure("kiosk_case", key)
            raise
    if agent is not None:
        if not enrolled:  # the enrolled tablet is the station's one address, rating after rating
            ratelimit_hit("rate_ip", ip)
        ratelimit_hit("rate_agent", str(agent.pk))
    return rating_create_kiosk(site=site, value=value, agent=agent, comment=comment, aspects=aspects)
