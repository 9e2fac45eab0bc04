"""Django's Redis cache with one ``redis.Redis`` client per connection pool, plus an atomic counter.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call; each one copies
redis-py's table of ~170 response callbacks, which costs a quarter of a millisecond. The rate limiter makes
one or two cache calls on every resident request, so that was a tenth of a cheap request's time
(issue 7's profile of ``/api/v1/track/lookup/``). The client is thread-safe (it only borrows connections from
its pool), so one per pool is enough.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property


class ReusingRedisCacheClient(RedisCacheClient):
    """``RedisCacheClient`` that keeps the client it builds for each pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        base: Any = self  # the private helpers below are Django's, not in django-stubs
        index = base._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = base._client(connection_pool=base._get_connection_pool(write))
        return client

    def _set_then_incr(self, key: str, start: int, expires: int | None) -> int:
        """``SET NX`` (create at ``start`` if absent) and ``INCR`` in one round trip; the new value."""
        pipe = self.get_client(key, write=True).pipeline(transaction=False)
        pipe.set(key, start, ex=expires, nx=True)
        pipe.incr(key)
        return int(pipe.execute()[1])

    def count(self, key: str, period: int) -> int:
        """Start the window (``SET NX EX``) and count one event (``INCR``) in one round trip."""
        return self._set_then_incr(key, 0, period)

    def bump(self, key: str, start: int) -> int:
        """Create the counter at ``start`` if absent (no expiry), then add one: one round trip, not the
        two of ``incr`` (an ``EXISTS`` first) plus an ``add`` when absent."""
        return self._set_then_incr(key, start, None)


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with ``ReusingRedisCacheClient``."""

    @cached_property
    def _cache(self) -> ReusingRedisCacheClient:
        base: Any = self  # Django's private attributes, not in django-stubs
        return ReusingRedisCacheClient(base._servers, **base._options)

    def count(self, key: str, period: int) -> int:
        """Fixed-window counter: the number of events so far in the window that began with the first one."""
        return self._cache.count(self.make_and_validate_key(key), period)

    def bump(self, key: str, start: int) -> int:
        """A counter that never restarts low: created at ``start`` when missing, then incremented."""
        return self._cache.bump(self.make_and_validate_key(key), start)
