"""Celery options shared by the project's periodic sweeps (house rule 5: retried with backoff, bounded in time).

``RETRY_OPTIONS`` is the one retry policy of a sweep: acknowledged after it ran, retried on any error with
jittered exponential backoff (30 s doubling up to 10 min, three times). Each task adds its own time limits;
a task with a different policy (the SMS send retries only retryable gateway errors, five times; the photo purge
backs off longer) states it next to the task.
"""

from __future__ import annotations

from typing import Any

RETRY_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 3,
    "ignore_result": True,
}
