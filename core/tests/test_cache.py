"""core.cache.RedisCache against the real Redis: one client per pool, and the one-round-trip counter."""

import time
import uuid

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_cache(settings):
    from core.cache import RedisCache

    cache = caches["default"]
    assert isinstance(cache, RedisCache), settings.CACHES
    return cache


def test_the_client_is_built_once_per_pool(redis_cache):
    client = redis_cache._cache.get_client(write=True)
    redis_cache.set("probe", 1)
    assert redis_cache.get("probe") == 1
    assert redis_cache._cache.get_client(write=True) is client
    assert redis_cache._cache.get_client(write=False) is redis_cache._cache.get_client(write=False)


def test_count_counts_in_a_window_that_expires(redis_cache):
    key = f"test:count:{uuid.uuid4().hex}"
    assert [redis_cache.count(key, 1) for _ in range(3)] == [1, 2, 3]
    # the counter is an ordinary cache value (Django's prefix and version apply) …
    assert redis_cache.get(key) == 3
    # … and the window is the first event's: it ends after ``period`` seconds, then counting restarts
    ttl = redis_cache._cache.get_client().ttl(redis_cache.make_and_validate_key(key))
    assert 0 < ttl <= 1
    time.sleep(1.2)
    assert redis_cache.count(key, 1) == 1


def test_count_does_not_extend_the_window(redis_cache):
    key = f"test:count:{uuid.uuid4().hex}"
    redis_cache.count(key, 60)
    raw = redis_cache.make_and_validate_key(key)
    client = redis_cache._cache.get_client()
    client.expire(raw, 5)
    redis_cache.count(key, 60)
    assert client.ttl(raw) <= 5


def test_bump_starts_at_the_given_number_then_counts_up_without_expiry(redis_cache):
    key = f"bump-{uuid.uuid4().hex}"
    assert redis_cache.bump(key, start=1_000) == 1_001
    assert redis_cache.bump(key, start=5) == 1_002  # present: the start is ignored, never goes back
    assert redis_cache.get(key) == 1_002  # stored as a plain integer, readable through the cache API
    assert redis_cache._cache.get_client().ttl(redis_cache.make_and_validate_key(key)) == -1


def test_stats_generation_bumps_through_the_redis_counter(redis_cache, monkeypatch):
    from core import stats_generation as stats

    monkeypatch.setattr(stats, "cache", redis_cache)
    redis_cache.delete(stats.GENERATION_KEY)
    stats.bump()
    first = redis_cache.get(stats.GENERATION_KEY)
    assert first > 1_700_000_000_000_000  # started from the clock (µs), not from 1
    stats.bump()
    assert redis_cache.get(stats.GENERATION_KEY) == first + 1
