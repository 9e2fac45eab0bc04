"""File backend (CONTRACT §2): one JSON line ``{"to", "text", "sent_at"}`` per SMS in ``SMS_FILE_PATH``.

Lines are appended under an exclusive ``flock`` and fsynced before ``send`` returns
(``notifications.backends.jsonl``), so several worker processes never interleave partial lines and a line
that was reported sent survives a crash.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from notifications.backends.base import OutgoingSms, SmsBackend
from notifications.backends.jsonl import append_record, read_records


class FileBackend(SmsBackend):
    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, message: OutgoingSms) -> None:
        record = {"to": message.to, "text": message.text, "sent_at": timezone.now().isoformat()}
        append_record(self.path, record, error="写入短信文件失败")

    def was_delivered(self, message: OutgoingSms) -> bool | None:
        """True when a line with this number and exactly this text is already in the file."""
        return any(
            row.get("to") == message.to and row.get("text") == message.text for row in read_records(self.path)
        )
