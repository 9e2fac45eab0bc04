"""Core Celery tasks: a heartbeat that proves a worker is consuming the queue (``manage.py celery_ping``)."""

import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


def heartbeat_path(token: str) -> Path:
    """Where the worker drops the proof for ``token`` (a plain file: no result backend is configured)."""
    safe = "".join(ch for ch in token if ch.isalnum() or ch in "-_")[:64] or "ping"
    return Path(settings.VAR_DIR) / "celery" / "heartbeat" / f"{safe}.txt"


@shared_task(name="core.heartbeat", ignore_result=True, time_limit=10, soft_time_limit=5)
def heartbeat(token: str) -> str:
    """Write ``token``'s file (idempotent: rewriting it is harmless) and log that the worker ran."""
    path = heartbeat_path(token)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(timezone.now().isoformat(), encoding="utf-8")
    logger.info("core.heartbeat executed: token=%s", token)
    return token
