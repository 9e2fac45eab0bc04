import datetime as dt

import pytest
from django.core.cache import cache
from freezegun import freeze_time

from core.exceptions import ApplicationError
from core.ratelimit import (
    Limit,
    get_limit,
    parse_limits,
    ratelimit_check_blocked,
    ratelimit_hit,
    ratelimit_record_failure,
    ratelimit_reset,
)


@pytest.fixture(autouse=True)
def _cache(request, settings):
    """Local-memory cache (frozen time governs its expiry; parallel workers share no Redis counters), except
    for tests marked ``redis``, which use the configured Redis cache."""
    if request.node.get_closest_marker("redis") is None:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


def test_parse_limits_formats():
    limits = parse_limits("otp_phone=5/h, verify_phone=5/15m,lookup_ip=30/m,x=2/10s")
    assert limits["otp_phone"] == Limit(5, 3600)
    assert limits["verify_phone"] == Limit(5, 900)
    assert limits["lookup_ip"] == Limit(30, 60)
    assert limits["x"] == Limit(2, 10)


def test_parse_limits_skips_malformed():
    limits = parse_limits("otp_phone=five/h,otp_ip=3/d,verify_ip=4/2h,,")
    assert "otp_phone" not in limits
    assert "otp_ip" not in limits
    assert limits["verify_ip"] == Limit(4, 7200)


def test_missing_keys_keep_defaults(settings):
    settings.TRACK_RATE_LIMITS = "otp_phone=2/m"
    assert get_limit("otp_phone") == Limit(2, 60)
    assert get_limit("otp_ip") == Limit(30, 3600)
    assert get_limit("verify_phone") == Limit(5, 900)
    with pytest.raises(KeyError):
        get_limit("nope")


def test_hit_refuses_beyond_limit_then_window_resets(settings):
    settings.TRACK_RATE_LIMITS = "otp_phone=3/m"
    with freeze_time("2026-03-02 10:00:00") as frozen:
        for _ in range(3):
            ratelimit_hit("otp_phone", "+8613800138000")
        with pytest.raises(ApplicationError) as exc:
            ratelimit_hit("otp_phone", "+8613800138000")
        assert exc.value.status == 429
        assert exc.value.extra["limit"] == "otp_phone"
        # another identity is unaffected
        ratelimit_hit("otp_phone", "+8613900139000")
        frozen.tick(dt.timedelta(seconds=61))
        ratelimit_hit("otp_phone", "+8613800138000")


def test_failures_block_for_one_period(settings):
    settings.TRACK_RATE_LIMITS = "verify_phone=3/15m"
    ident = "+8613800138000"
    with freeze_time("2026-03-02 10:00:00") as frozen:
        assert ratelimit_record_failure("verify_phone", ident) is False
        assert ratelimit_record_failure("verify_phone", ident) is False
        ratelimit_check_blocked("verify_phone", ident)  # not blocked yet
        assert ratelimit_record_failure("verify_phone", ident) is True
        with pytest.raises(ApplicationError) as exc:
            ratelimit_check_blocked("verify_phone", ident)
        assert exc.value.status == 429
        frozen.tick(dt.timedelta(minutes=14))
        with pytest.raises(ApplicationError):
            ratelimit_check_blocked("verify_phone", ident)
        frozen.tick(dt.timedelta(minutes=2))
        ratelimit_check_blocked("verify_phone", ident)


def test_reset_clears_counter(settings):
    settings.TRACK_RATE_LIMITS = "verify_ip=2/m"
    ratelimit_record_failure("verify_ip", "1.2.3.4")
    ratelimit_reset("verify_ip", "1.2.3.4")
    assert ratelimit_record_failure("verify_ip", "1.2.3.4") is False


def test_cache_keys_do_not_contain_the_phone(settings):
    ratelimit_hit("otp_phone", "+8613800138000")
    keys = list(getattr(cache, "_cache", {}).keys())
    assert keys, "locmem cache expected in tests"
    assert all("13800138000" not in k for k in keys)


@pytest.mark.redis
def test_concurrent_hits_on_redis_admit_exactly_the_limit(settings):
    """Against the real Redis cache: add+incr are atomic, so 40 racing attempts admit exactly N."""
    from concurrent.futures import ThreadPoolExecutor

    assert "redis" in settings.CACHES["default"]["BACKEND"].lower()
    settings.TRACK_RATE_LIMITS = "lookup_ip=7/m"

    def attempt(_: int) -> bool:
        try:
            ratelimit_hit("lookup_ip", "203.0.113.9")
        except ApplicationError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=10) as pool:
        admitted = sum(pool.map(attempt, range(40)))
    assert admitted == 7
