"""Fixed-window rate limits on Django's cache (atomic ``add`` + ``incr``; Redis in production).

Limits come from ``settings.TRACK_RATE_LIMITS`` (CONTRACT §2): a comma list of ``key=N/period`` where the
period is ``s``, ``m`` or ``h``, optionally with a count (``15m``). Keys left out keep their defaults; a
malformed entry is ignored (logged) rather than breaking the endpoint.

Two shapes of limit are offered:

* ``ratelimit_hit`` counts an attempt and refuses once more than N happened in the window (code sends,
  quick lookups);
* ``ratelimit_check_blocked`` / ``ratelimit_record_failure`` count only failures; after N failures in the
  window the identity is blocked for one whole period (wrong OTP codes).

Identities (phones, IPs) are hashed before they become cache keys so no personal data sits in the cache.

**When the counter store is down** (Redis stopped, unreachable, timing out) the limits cannot be read, and a
limit that cannot be read must not fail open: every limited call answers 503 ``ApplicationError`` with a
Chinese message and ``extra.retry_after`` (the API turns it into a ``Retry-After`` header), instead of a 500
or an unlimited pass. Nothing is sent meanwhile, so an OTP flood during the outage gets no code at all.
(The alternative, queueing the code in the outbox, would not reach the resident sooner: the Celery broker
is the same Redis, so the SMS would leave only after the outage, likely after the 5-minute code expired.)
"""

import contextlib
import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from core.exceptions import ApplicationError

logger = logging.getLogger(__name__)

DEFAULT_LIMITS = (
    "otp_phone=5/h,otp_ip=30/h,verify_phone=5/15m,verify_ip=20/15m,lookup_ip=30/m,"
    # issue 33: wrong phone tails per case number on the kiosk; ratings of an agent alone per address/agent
    "kiosk_case=3/h,rate_ip=10/h,rate_agent=20/h"
)

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}
_ENTRY_RE = re.compile(r"^\s*([a-z_]+)\s*=\s*(\d+)\s*/\s*(\d*)\s*([smh])\s*$")


@dataclass(frozen=True)
class Limit:
    """At most ``count`` events per ``period`` seconds."""

    count: int
    period: int


def parse_limits(spec: str) -> dict[str, Limit]:
    """``"otp_phone=5/h,verify_phone=5/15m"`` → ``{"otp_phone": Limit(5, 3600), ...}``.

    Bad entries are skipped (logged)."""
    limits: dict[str, Limit] = {}
    for raw in (spec or "").split(","):
        if not raw.strip():
            continue
        match = _ENTRY_RE.match(raw.lower())
        if not match:
            logger.warning("TRACK_RATE_LIMITS: ignoring malformed entry %r", raw)
            continue
        key, count, multiplier, unit = match.groups()
        period = (int(multiplier) if multiplier else 1) * _UNIT_SECONDS[unit]
        if period <= 0:
            logger.warning("TRACK_RATE_LIMITS: ignoring zero period in %r", raw)
            continue
        limits[key] = Limit(count=int(count), period=period)
    return limits


def get_limit(key: str) -> Limit:
    """The limit for ``key``: the setting's value, else the contract's default."""
    configured = parse_limits(getattr(settings, "TRACK_RATE_LIMITS", "") or "")
    if key in configured:
        return configured[key]
    defaults = parse_limits(DEFAULT_LIMITS)
    if key not in defaults:
        raise KeyError(f"unknown rate-limit key {key!r}")
    return defaults[key]


STORE_DOWN_RETRY_AFTER = 30
STORE_DOWN_MESSAGE = "验证服务暂时不可用，请稍后再试。"


def _store_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError]  # socket errors, builtin ConnectionError/TimeoutError
    try:
        import redis

        errors.append(redis.exceptions.RedisError)  # ConnectionError, TimeoutError, BusyLoadingError …
    except ImportError:  # pragma: no cover - redis is a dependency; the embedded default uses locmem
        pass
    return tuple(errors)


_STORE_ERRORS = _store_errors()


@contextlib.contextmanager
def _store(key: str) -> Iterator[None]:
    """Turn a counter-store failure into 503 (never a 500, never an unlimited pass)."""
    try:
        yield
    except _STORE_ERRORS as exc:
        logger.warning(
            "rate limit %s: counter store unavailable (%s); refusing with 503", key, type(exc).__name__
        )
        raise ApplicationError(
            STORE_DOWN_MESSAGE, {"limit": key, "retry_after": STORE_DOWN_RETRY_AFTER}, status=503
        ) from exc


def _ident_hash(ident: str) -> str:
    # Keyed with SECRET_KEY so cache contents do not reveal phone numbers by brute force.
    return hashlib.sha256(f"{settings.SECRET_KEY}:{ident}".encode()).hexdigest()[:32]


def _counter_key(key: str, ident: str) -> str:
    return f"rl:c:{key}:{_ident_hash(ident)}"


def _block_key(key: str, ident: str) -> str:
    return f"rl:b:{key}:{_ident_hash(ident)}"


def _incr(cache_key: str, period: int) -> int:
    """Atomically count one event in the window that starts with the first event."""
    counter = getattr(cache, "count", None)
    if counter is not None:  # core.cache.RedisCache: one round trip instead of two
        return int(counter(cache_key, period))
    cache.add(cache_key, 0, timeout=period)
    try:
        return int(cache.incr(cache_key))
    except ValueError:
        # The window expired between add() and incr(): start a new one.
        cache.add(cache_key, 1, timeout=period)
        return 1


def too_many(key: str, *, retry_after: int) -> ApplicationError:
    return ApplicationError(
        "操作过于频繁，请稍后再试。", {"limit": key, "retry_after": retry_after}, status=429
    )


def ratelimit_hit(key: str, ident: str) -> None:
    """Count one attempt for ``ident`` under ``key``; raise 429 ``ApplicationError`` beyond the limit."""
    if not ident:
        return
    limit = get_limit(key)
    with _store(key):
        count = _incr(_counter_key(key, ident), limit.period)
    if count > limit.count:
        raise too_many(key, retry_after=limit.period)


def ratelimit_check_blocked(key: str, ident: str) -> None:
    """Raise 429 while ``ident`` is blocked under ``key`` (after too many failures)."""
    if not ident:
        return
    with _store(key):
        blocked = cache.get(_block_key(key, ident))
    if blocked:
        raise too_many(key, retry_after=get_limit(key).period)


def ratelimit_record_failure(key: str, ident: str) -> bool:
    """Count one failure; at N failures in the window block ``ident`` for one period.

    Returns True when ``ident`` is now blocked."""
    if not ident:
        return False
    limit = get_limit(key)
    with _store(key):
        failures = _incr(_counter_key(key, ident), limit.period)
        if failures >= limit.count:
            cache.set(_block_key(key, ident), 1, timeout=limit.period)
            cache.delete(_counter_key(key, ident))
            return True
    return False


def ratelimit_reset(key: str, ident: str) -> None:
    """Forget the counter (not an active block) for ``ident``, e.g. after a correct code."""
    if not ident:
        return
    try:
        cache.delete(_counter_key(key, ident))
    except _STORE_ERRORS:
        # the caller already succeeded (a token was issued); a stale failure count only makes the limit
        # stricter for its window, so it is not worth undoing that success with a 503
        logger.warning("rate limit %s: counter store unavailable; counter not reset", key)
