"""The one builder of messages to staff: for each agent an SMS to their work mobile and an in-app row to their
login, under one dedupe-key shape, ``<key>:agent:<agent id>:<channel>`` (``sms`` / ``inapp``).

Used by the reminder sweeps (``workflows.reminders``: queued in batches with ``notification_enqueue_many``)
and by the residents' alerts (``residents.staff_alerts``: queued one by one in the caller's transaction with
``notification_enqueue``). ``channels`` picks which of the two each caller sends.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agency.models import Agent
from notifications.outbox import NotificationRequest

CHANNELS = ("sms", "inapp")


def agent_phone(agent: Agent) -> str:
    """The agent's mobile in E.164 (``""`` without one), formatted once per instance: formatting is not free at
    10,000 rows, and a sweep meets the same agent many times."""
    cached = getattr(agent, "_staff_message_phone", None)
    if cached is None:
        phone = agent.phone
        cached = str(phone.as_e164 if hasattr(phone, "as_e164") else phone) if phone else ""
        agent._staff_message_phone = cached  # type: ignore[attr-defined]
    return cached


def staff_dedupe_key(key: str, agent: Agent, channel: str) -> str:
    """``<key>:agent:<id>:<channel>``: the dedupe key of one staff message."""
    return f"{key}:agent:{agent.pk}:{channel}"


def staff_messages(
    agents: Iterable[Agent],
    *,
    key: str,
    template: str,
    context: dict[str, Any],
    channels: Iterable[str] = CHANNELS,
) -> list[NotificationRequest]:
    """For each agent: an SMS if they have a mobile, an in-app row if they have a login (of ``channels``)."""
    wanted = set(channels)
    unknown = wanted - set(CHANNELS)
    if unknown:
        raise ValueError(f"staff messages go by {CHANNELS}, not {sorted(unknown)}")
    out: list[NotificationRequest] = []
    for agent in agents:
        phone = agent_phone(agent)
        if "sms" in wanted and phone:
            out.append(
                NotificationRequest(
                    dedupe_key=staff_dedupe_key(key, agent, "sms"),
                    template=template,
                    context=context,
                    recipient_phone=phone,
                    recipient_user_id=agent.user_id,
                    channel="sms",
                    audience="staff",
                )
            )
        if "inapp" in wanted and agent.user_id:
            out.append(
                NotificationRequest(
                    dedupe_key=staff_dedupe_key(key, agent, "inapp"),
                    template=template,
                    context=context,
                    recipient_user_id=agent.user_id,
                    channel="inapp",
                    audience="staff",
                )
            )
    return out
