"""The generation number of the cached statistics: writers bump it, the oversight figures cache reads it.

Writers (case transitions in workflows, ratings in residents) only need to say "the figures changed"; the
figures themselves live in ``oversight.stats``, which the writers must not import (the arrows point one way).
So the one shared fact, the generation key and how to bump it, lives here in core.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

GENERATION_KEY = "stats:generation"


def _start() -> int:
    # a fresh or flushed cache starts from the clock, so a generation number is never reused
    return time.time_ns() // 1000


def bump() -> None:
    """Move the generation on now (a cache error is logged: the TTL bounds staleness)."""
    try:
        cache_bump = getattr(cache, "bump", None)
        if cache_bump is not None:  # core.cache.RedisCache: one round trip
            cache_bump(GENERATION_KEY, start=_start())
            return
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # no generation yet
            cache.add(GENERATION_KEY, _start(), timeout=None)
            cache.incr(GENERATION_KEY)
    except Exception:
        logger.warning("stats: could not bump the cache generation", exc_info=True)


def current() -> int:
    """The generation now, created if missing (raises on a cache outage: the caller falls back to computing)."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _start(), timeout=None)
        generation = cache.get(GENERATION_KEY, 0)
    return int(generation)


def stats_invalidate() -> None:
    """Orphan every cached stats body once the current write commits: call after any write that changes a
    figure (inside its transaction; outside one it bumps at once).

    Only on commit: a reader before then may cache the pre-commit figures, and the bump orphans them. A read
    inside the writing transaction itself may be answered from before the write (no request does that);
    bumping before commit as well cost every write a Redis round trip (issue 7).
    """
    transaction.on_commit(bump, robust=True)
