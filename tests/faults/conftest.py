"""Fixtures of the fault suite: a worker on a private Redis, SMS to a file, case API clients.

Every test here runs against real services (PostgreSQL; Redis and a ``celery -A config worker`` where
marked). Redis outages use a private ``redis-server`` on a free port (``RedisServer``), never the shared one.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.celery_harness import RedisServer, read_sms, worker_database_url


@pytest.fixture
def sms_file(tmp_path: Path) -> Path:
    return tmp_path / "sms.jsonl"


@pytest.fixture
def deliver_now(settings: Any) -> None:
    """No quiet hours, no per-recipient cap: what is tested is delivery, not scheduling (the suite may run
    at 21:00-08:00 Asia/Shanghai, when resident SMS are held until morning)."""
    settings.NOTIFICATIONS_QUIET_HOURS = (24, 0)
    settings.NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR = 0


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis.log").start()
    yield server
    server.kill()


def worker_env_for(redis_url: str, tmp_path: Path, sms_file: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=worker_database_url(),
        REDIS_URL=redis_url,
        SMS_BACKEND="file",
        SMS_FILE_PATH=str(sms_file),
        BANGBAN_VAR_DIR=str(tmp_path / "var"),
        CELERY_TASK_ALWAYS_EAGER="0",
        **extra,
    )
    return env


def api_client(user: Any) -> Any:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def case_body(world: Any, i: int) -> dict[str, Any]:
    return {
        "site": world.station.code,
        "matter": world.matter.code,
        "resident_name": f"王秀英{i}",
        "resident_phone": f"+86 139-{i // 10000:04d}-{i % 10000:04d}",
        "address": f"幸福村3组{i}号",
        "description": "开具居住证明",
    }


def sent_pairs(sms_file: Path) -> Counter[tuple[str, str]]:
    """(to, text) of every line in the SMS file."""
    return Counter((row["to"], row["text"]) for row in read_sms(sms_file))


def outbox_pairs(**filters: Any) -> Counter[tuple[str, str]]:
    from notifications.models import Notification

    rows = Notification.objects.filter(channel="sms", **filters).values_list("recipient_phone", "text")
    return Counter((phone, text) for phone, text in rows)
