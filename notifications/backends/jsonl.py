"""Locked JSON-lines files, shared by the file SMS backend and the file hand-off backend.

Lines are appended under an exclusive ``flock`` and fsynced before the send returns, so several worker
processes never interleave partial lines and a line that was reported sent survives a crash; reads take a
shared lock so they never see a half-written line.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from notifications.backends.base import RetryableSendError


def append_record(path: Path, record: dict[str, Any], *, error: str) -> None:
    """Append ``record`` as one JSON line. Any OS error is a ``RetryableSendError`` ``"{error}: {exc}"``."""
    line = json.dumps(record, ensure_ascii=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                fh.write(line + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    except OSError as exc:
        raise RetryableSendError(f"{error}: {exc}") from exc


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Every well-formed JSON object line of ``path`` (none if it does not exist), under a shared lock.

    Used only for in-doubt sends (rare), so reading the whole file is acceptable.
    """
    if not path.exists():
        return
    with path.open("r", encoding="utf-8") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        try:
            for raw in fh:
                try:
                    record = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(record, dict):
                    yield record
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
