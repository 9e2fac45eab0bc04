"""A scriptable in-memory SMS backend for tests."""

from __future__ import annotations

from notifications.backends import OutgoingSms, SmsBackend


class RecordingBackend(SmsBackend):
    """Records every send in ``sent``; ``script`` holds exceptions to raise on the next sends (in order)."""

    sent: list[OutgoingSms] = []
    script: list[Exception] = []

    @classmethod
    def reset(cls) -> None:
        cls.sent = []
        cls.script = []

    def send(self, message: OutgoingSms) -> None:
        if self.script:
            raise self.script.pop(0)
        type(self).sent.append(message)
