"""Tunables of the notifications app: optional Django settings with their defaults.

- ``NOTIFICATIONS_QUIET_HOURS`` ``(21, 8)``: residents get no SMS from 21:00 to 08:00 local time
  (``TIME_ZONE``); messages are held until 08:00. OTP codes and staff messages are never held by quiet hours.
- ``NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR`` ``5``: per-recipient cap for non-OTP SMS; an SMS over the cap is
  scheduled one hour after the cap-th latest one instead of being dropped.
- ``NOTIFICATIONS_MAX_ATTEMPTS`` ``6``: sends tried before a row is ``failed``.
- ``NOTIFICATIONS_CLAIM_TIMEOUT`` ``60`` s: a worker's lease on a row it sends (> the send's 30 s hard limit); a dead
  worker's rows are settled by the next sweep (docs/development.md, Reliability); ``NOTIFICATIONS_PUBLISH_LEASE`` 120 s: a sweep's.
- ``NOTIFICATIONS_SWEEP_GRACE`` ``60`` s: a pending row is re-published by the sweep only this long after it
  was due (the on-commit publish normally gets there first).
- ``NOTIFICATIONS_SIGNATURE`` ``"帮办代办"``: the ``site_name`` used when the caller passes none.
- ``NOTIFICATIONS_TEMPLATE_CACHE_SECONDS`` ``60``: how long a process reuses a template text it read (an
  admin edit reaches other processes within this time; 0 reads the text for every message).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

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


def setting(name: str) -> Any:
    """The configured value of ``name`` (read at call time, so ``settings`` overrides in tests apply)."""
    return getattr(settings, name, _DEFAULTS[name])
