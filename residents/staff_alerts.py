"""Station staff alerts of the residents' side (bad ratings, doorstep requests, appointments), built by the one
staff-message builder (``notifications.staff.staff_messages``, key ``<dedupe_prefix>:agent:<pk>:sms``) and
queued in the caller's transaction. The recipients come from ``workflows.recipients``, the lookup the reminder
sweeps use too.

These alerts go by SMS only (with the agent's login as recipient user), as they always have; an agent without
a mobile gets none (before the builder was shared they got a ``failed`` outbox row). Keys written before
issue 25 (``…:agent:<pk>`` without the channel) were renamed by ``notifications`` migration 0009, so a key
stays the one gate.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from agency.models import Agent
from notifications.services import notification_enqueue
from notifications.staff import staff_messages

CHANNELS = ("sms",)


def notify_staff(*, agents: list[Agent], dedupe_prefix: str, template: str, context: dict[str, Any]) -> None:
    """One SMS outbox row per agent with a mobile (key ``<dedupe_prefix>:agent:<pk>:sms``)."""
    for message in staff_messages(
        agents, key=dedupe_prefix, template=template, context=context, channels=CHANNELS
    ):
        notification_enqueue(**asdict(message))
