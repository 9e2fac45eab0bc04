"""Project-wide pytest fixtures and the real-service policy.

Tests marked ``postgres``/``redis``/``celery`` need those services. They run when the URLs are set;
without them they are skipped — except under ``CI=true``, where a missing service is a failure.
"""

import os

import pytest
from django.conf import settings

from core.testing import require


def _service_missing(marker: str) -> str | None:
    db_engine = settings.DATABASES["default"]["ENGINE"]
    if marker == "postgres" and "postgresql" not in db_engine:
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if marker in {"redis", "celery"} and not os.environ.get("REDIS_URL"):
        return "needs Redis: set REDIS_URL=redis://..."
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in ("postgres", "redis", "celery"):
        if item.get_closest_marker(marker):
            reason = _service_missing(marker)
            require(reason is None, reason or "")
