"""A file SMS backend whose sends take a while (``SMS_SLOW_SECONDS`` before and after the write), so a test can
SIGKILL a worker while sends are under way: some rows claimed and not yet written, some written and not yet
marked sent — the two in-doubt states of a real gateway call (``SMS_BACKEND=tests.faults.slow_sms.SlowFileBackend``).
"""

from __future__ import annotations

import os
import time

from notifications.backends.base import OutgoingSms
from notifications.backends.file import FileBackend


class SlowFileBackend(FileBackend):
    def send(self, message: OutgoingSms) -> None:
        pause = float(os.environ.get("SMS_SLOW_SECONDS", "0.3"))
        time.sleep(pause)
        super().send(message)
        time.sleep(pause)
