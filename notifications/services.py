"""The notifications interface other apps call. (Interface fixed; the outbox implementation is the
notifications issue's work — until then this is a no-op.)"""

import datetime as dt
from typing import Any


def notification_enqueue(
    *,
    dedupe_key: str,
    template: str,
    context: dict[str, Any],
    recipient_phone: str = "",
    recipient_user_id: int | None = None,
    channel: str = "sms",
    audience: str = "resident",
    send_after: dt.datetime | None = None,
) -> None:
    """Queue one message in the caller's transaction; sending happens after commit. Idempotent on ``dedupe_key``.

    ``audience``: ``resident`` (quiet hours apply), ``staff`` or ``otp`` (sent at once, never held).
    """
    return None
