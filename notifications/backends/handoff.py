"""Outbound hand-off backends (issue 15: 全省通办 / 跨省通办), behind one interface like the SMS backends.

A hand-off is an outbox row of channel ``handoff``; its ``context`` is the message for the receiving
region's platform (case number, matter, receiving region/authority, channel, materials sent, a note) and
its ``text`` a readable summary. ``HANDOFF_BACKEND`` is ``console``, ``file`` or the dotted path of a
``HandoffBackend`` subclass — a real platform connector (省一体化政务服务平台 / 跨省通办 专窗 interface)
implements ``send`` and, if the platform can tell, ``was_delivered``:

- ``send(message)`` posts the message; ``message.message_id`` (``bb-handoff-<outbox id>``) is stable for
  the row, so a connector passes it as the platform's idempotency key and a retried send is one hand-off;
  it raises ``notifications.backends.RetryableSendError`` for anything worth retrying. Hand-offs are never
  given up: every failure (also a ``PermanentSendError``) leaves the row ``pending`` with a backoff, visible
  in ``manage.py notifications_status`` until someone fixes the connector.
- ``was_delivered(message)``: True / False / None (cannot tell) for a send whose worker vanished.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from notifications.backends.base import RetryableSendError
from notifications.backends.jsonl import append_record, read_records

logger = logging.getLogger("notifications.handoff")


@dataclass(frozen=True)
class OutgoingHandoff:
    """What a hand-off backend gets: a stable id, the readable text and the structured payload."""

    message_id: str
    text: str
    payload: dict[str, Any] = field(default_factory=dict)


class HandoffBackend:
    """Base class of outbound hand-off connectors."""

    def send(self, message: OutgoingHandoff) -> None:
        raise NotImplementedError

    def was_delivered(self, message: OutgoingHandoff) -> bool | None:
        return None


class ConsoleHandoffBackend(HandoffBackend):
    """Development default: logs the hand-off."""

    def send(self, message: OutgoingHandoff) -> None:
        logger.info("HANDOFF [%s]: %s", message.message_id, message.text)

    def was_delivered(self, message: OutgoingHandoff) -> bool | None:
        return False  # nothing kept: re-sending a logged line is harmless


class FileHandoffBackend(HandoffBackend):
    """One JSON line ``{"message_id", "text", "payload", "sent_at"}`` per hand-off in ``HANDOFF_FILE_PATH``."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path or settings.HANDOFF_FILE_PATH)

    def send(self, message: OutgoingHandoff) -> None:
        record = {
            "message_id": message.message_id,
            "text": message.text,
            "payload": message.payload,
            "sent_at": timezone.now().isoformat(),
        }
        append_record(self.path, record, error="写入转办文件失败")

    def was_delivered(self, message: OutgoingHandoff) -> bool | None:
        return any(row.get("message_id") == message.message_id for row in read_records(self.path))


ALIASES = {
    "console": "notifications.backends.handoff.ConsoleHandoffBackend",
    "file": "notifications.backends.handoff.FileHandoffBackend",
}


@cache
def _load(path: str) -> type[HandoffBackend]:
    return import_string(ALIASES.get(path, path))


def get_handoff_backend() -> HandoffBackend:
    """A fresh backend for the configured ``HANDOFF_BACKEND`` (read at call time)."""
    return _load(str(getattr(settings, "HANDOFF_BACKEND", "console")))()


def handoff_message(row: Any) -> OutgoingHandoff:
    """The backend message of one outbox row of channel ``handoff``."""
    return OutgoingHandoff(message_id=f"bb-handoff-{row.pk}", text=row.text, payload=dict(row.context or {}))


def handoff_deliver(row: Any) -> None:
    """Send one hand-off row; any failure is retryable (a hand-off is never dropped)."""
    try:
        get_handoff_backend().send(handoff_message(row))
    except RetryableSendError:
        raise
    except Exception as exc:
        raise RetryableSendError(f"{type(exc).__name__}: {exc}") from exc


def handoff_was_delivered(row: Any) -> bool:
    """For an in-doubt hand-off: delivered per the backend, else False (re-send; the id makes it one)."""
    try:
        return bool(get_handoff_backend().was_delivered(handoff_message(row)))
    except Exception:
        logger.exception("handoff: was_delivered failed for %s", row.pk)
        return False
