"""File backend (CONTRACT §2): one JSON line ``{"to", "text", "sent_at"}`` per SMS in ``SMS_FILE_PATH``.

Lines are appended under an exclusive ``flock`` and fsynced before ``send`` returns, so several worker
processes never interleave partial lines and a line that was reported sent survives a crash.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from notifications.backends.base import OutgoingSms, RetryableSendError, SmsBackend


class FileBackend(SmsBackend):
    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, message: OutgoingSms) -> None:
        line = json.dumps(
            {"to": message.to, "text": message.text, "sent_at": timezone.now().isoformat()},
            ensure_ascii=False,
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
                try:
                    fh.write(line + "\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        except OSError as exc:
            raise RetryableSendError(f"写入短信文件失败: {exc}") from exc

    def was_delivered(self, message: OutgoingSms) -> bool | None:
        """True when a line with this number and exactly this text is already in the file.

        Only used for in-doubt sends (rare), so reading the whole file is acceptable.
        """
        if not self.path.exists():
            return False
        with self.path.open("r", encoding="utf-8") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
            try:
                for raw in fh:
                    try:
                        row = json.loads(raw)
                    except ValueError:
                        continue
                    if row.get("to") == message.to and row.get("text") == message.text:
                        return True
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        return False
