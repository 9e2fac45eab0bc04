"""The SMS backend interface."""

from __future__ import annotations

from dataclasses import dataclass


class SendError(Exception):
    """A send failed."""


class RetryableSendError(SendError):
    """Worth retrying later: timeout, 5xx, connection refused."""


class PermanentSendError(SendError):
    """Retrying will not help: rejected number, bad request, bad credentials."""


@dataclass(frozen=True)
class OutgoingSms:
    """What a backend needs. ``message_id`` is stable for one outbox row (an idempotency key)."""

    to: str
    text: str
    message_id: str


class SmsBackend:
    """Base class. Subclasses implement ``send``.

    ``deduplicates``: True when sending the same ``message_id`` twice reaches the phone once (the
    gateway deduplicates on it), so a send whose outcome is unknown may safely be retried.
    ``was_delivered`` answers, when the backend can tell, whether a message already went out
    (``None``: cannot tell). Both are used only to resolve *in-doubt* sends (see ``notifications.tasks``).
    """

    deduplicates: bool = False

    def send(self, message: OutgoingSms) -> None:
        raise NotImplementedError

    def was_delivered(self, message: OutgoingSms) -> bool | None:
        return None
