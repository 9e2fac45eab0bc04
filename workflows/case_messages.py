"""The SMS quoting rule for case messages (how much of a free text an SMS quotes).

The case events' resident SMS (transfer, withdrawal, progress note) go through ``workflows.transitions``'
``_notify_resident``; the appointment messages are in ``residents.appointment_messages``.
"""

from __future__ import annotations

SMS_SNIPPET = 30  # characters of a free text (note, reason) quoted in an SMS: keeps it near one segment


def snippet(text: str, limit: int = SMS_SNIPPET) -> str:
    """The first ``limit`` characters of ``text`` on one line, ``…`` when cut."""
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
