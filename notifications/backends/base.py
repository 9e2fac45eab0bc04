"""The SMS backend interface."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class SendError(Exception):
    """A send failed."""


class RetryableSendError(SendError):
    """Worth retrying later: timeout, 5xx, connection refused."""


class PermanentSendError(SendError):
    """Retrying will not help: rejected number, bad request, bad credentials.

    ``reason``: a short Chinese reason for staff (空号, 黑名单, 内容被拒 …) when the backend knows one.
    """

    def __init__(self, message: str, *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class OutgoingSms:
    """What a backend needs. ``message_id`` is stable for one outbox row (an idempotency key).

    ``template`` and ``context`` (the row's message code and its fitted variables) are what a template-based
    provider sends instead of ``text`` (issue 27); ``text`` is the same message as the resident reads it.
    """

    to: str
    text: str
    message_id: str
    template: str = ""
    context: dict[str, Any] = field(default_factory=dict)


class SmsBackend:
    """Base class. Subclasses implement ``send``; a provider returns its id of the message (for receipts).

    ``deduplicates``: True when sending the same ``message_id`` twice reaches the phone once (the
    gateway deduplicates on it), so a send whose outcome is unknown may safely be retried.
    ``was_delivered`` answers, when the backend can tell, whether a message already went out
    (``None``: cannot tell). Both are used only to resolve *in-doubt* sends (see ``notifications.tasks``).
    """

    deduplicates: bool = False
    receipts: bool = False  # True: the provider reports delivery later (notifications.receipts)

    def send(self, message: OutgoingSms) -> str | None:
        raise NotImplementedError

    def was_delivered(self, message: OutgoingSms) -> bool | None:
        return None
