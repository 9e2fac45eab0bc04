"""Which SMS backend sends an outbox row, and failing over to the second one (issue 27).

``SMS_BACKEND`` is the first backend, ``SMS_FALLBACK_BACKEND`` (optional) the second. A row is tried on the
first one for ``SMS_FAILOVER_AFTER`` attempts (default 2: the send and one retry after the backoff of
``notifications.delivery``); later attempts go to the second. Before a row moves to another backend, the one
it last tried is asked whether that attempt got through after all (a timeout may hide an accepted send:
Alibaba Cloud ``QuerySendDetails`` by our ``OutId``, Tencent Cloud's status pull by ``SessionContext``): if it
did, the row is ``sent`` by that backend and the resident gets one SMS, not two. A permanent refusal is never
retried nor failed over (the number or content would be refused again); ``notifications.receipts`` tells
staff when the message matters to a case.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from notifications.backends import OutgoingSms, get_backend
from notifications.models import Notification

logger = logging.getLogger("notifications.sms")


def backend_chain() -> list[str]:
    """The configured backends in order (aliases or dotted paths), without repeats."""
    chain = [str(settings.SMS_BACKEND)]
    fallback = str(getattr(settings, "SMS_FALLBACK_BACKEND", "") or "")
    if fallback and fallback not in chain:
        chain.append(fallback)
    return chain


def backend_for_attempt(attempt: int) -> str:
    """The backend of the ``attempt``-th try of a row (1-based)."""
    chain = backend_chain()
    after = max(1, int(getattr(settings, "SMS_FAILOVER_AFTER", 2)))
    return chain[min(len(chain) - 1, (max(1, attempt) - 1) // after)]


def outgoing(row: Notification, *, text: str | None = None) -> OutgoingSms:
    """The backend message of an SMS row (``text``: a staff digest's text in place of the row's own)."""
    return OutgoingSms(
        to=row.recipient_phone,
        text=row.text if text is None else text,
        message_id=f"bb-{row.pk}",
        template=row.template,
        context=dict(row.context or {}),
    )


def sms_send(row: Notification, *, text: str | None = None) -> dict[str, Any]:
    """Send one claimed SMS row (``row.attempts`` already counts this try); the fields to record with ``sent``.

    Raises the backend's ``RetryableSendError`` / ``PermanentSendError`` (``notifications.delivery`` settles
    the row).
    """
    name = backend_for_attempt(row.attempts)
    message = outgoing(row, text=text)
    if row.provider and row.provider != name:
        earlier = get_backend(row.provider)
        if earlier.was_delivered(message):
            logger.warning(
                "notifications: %s went out through %s after all; not sent again through %s",
                row.dedupe_key,
                row.provider,
                name,
            )
            return {"provider": row.provider, "delivery_state": _accepted_state(earlier)}
        logger.warning("notifications: %s fails over from %s to %s", row.dedupe_key, row.provider, name)
    # Recorded before the call: if it times out, the next try knows which backend may have sent it.
    Notification.objects.filter(pk=row.pk).update(provider=name)
    backend = get_backend(name)
    provider_id = backend.send(message)
    return {
        "provider": name,
        "provider_message_id": str(provider_id or "")[:64],
        "delivery_state": _accepted_state(backend),
    }


def sends_templates(attempts: int) -> bool:
    """Whether the backend of this try sends registered templates (a provider), not free text: a staff digest
    (free text folding several alerts) cannot go through it, so each alert then goes on its own template."""
    return bool(getattr(get_backend(backend_for_attempt(attempts)), "templated", False))


def _accepted_state(backend: Any) -> str:
    """Backends with delivery reports wait for one (``accepted``); for the others a send is all we learn."""
    return Notification.DeliveryState.ACCEPTED if getattr(backend, "receipts", False) else ""
