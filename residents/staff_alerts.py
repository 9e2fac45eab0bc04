"""Station staff alerts of the residents' side (bad ratings, doorstep requests, appointments): one outbox row per
agent, to their mobile and their login. The recipients come from ``workflows.recipients``, the lookup the
reminder sweeps use too."""

from __future__ import annotations

from typing import Any

from agency.models import Agent
from notifications.services import notification_enqueue


def notify_staff(*, agents: list[Agent], dedupe_prefix: str, template: str, context: dict[str, Any]) -> None:
    """One outbox row per agent (key ``<dedupe_prefix>:agent:<pk>``), SMS to their mobile, in-app to their login."""
    for agent in agents:
        notification_enqueue(
            dedupe_key=f"{dedupe_prefix}:agent:{agent.pk}",
            template=template,
            context=context,
            recipient_phone=str(agent.phone.as_e164) if agent.phone else "",
            recipient_user_id=agent.user_id,
            audience="staff",
        )
