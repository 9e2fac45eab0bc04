"""The one writer of a case's timeline (``CaseEvent``): case transitions, ratings, call-backs, 一件事, handoffs.

Every row names its actor the same way (``actor_name``) and invalidates the cached figures, because every
state change of a case writes its event here.
"""

import datetime as dt
from typing import Any

from core.stats_generation import stats_invalidate
from workflows import selectors
from workflows.models import Case, CaseEvent

SYSTEM_ACTOR_NAME = "系统"


def actor_name(actor: Any) -> str:
    """How the timeline names who acted: ``系统`` for no actor, the agent's name for an agent's login,
    else the user's display name or login name (at most 64 characters, the column's width)."""
    if actor is None:
        return SYSTEM_ACTOR_NAME
    agent = selectors.actor_agent(actor)
    if agent is not None:
        return agent.name[:64]
    return str(getattr(actor, "display_name", "") or getattr(actor, "username", ""))[:64]


def case_event_write(
    *,
    case: Case,
    kind: str,
    note: str = "",
    actor: Any = None,
    public: bool = True,
    data: dict[str, Any] | None = None,
    shown_actor: str | None = None,
    at: dt.datetime | None = None,
) -> CaseEvent:
    """Write one validated timeline row of ``case``.

    ``actor`` is stored only when it is an authenticated user; ``shown_actor`` overrides the displayed name
    (e.g. ``群众`` for a resident's rating, who has no account); ``at`` defaults to now.
    """
    event = CaseEvent(
        case=case,
        kind=kind,
        note=note,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        actor_name=shown_actor if shown_actor is not None else actor_name(actor),
        public=public,
        data=data or {},
    )
    if at is not None:
        event.at = at
    # ``case`` is a saved (usually locked) instance and ``actor`` the authenticated user: skip full_clean's
    # FK existence queries for them (two SELECTs per transition).
    event.full_clean(exclude=["case", "actor"])
    event.save()
    stats_invalidate()  # every state change writes its event here: the one place the figures go stale
    return event
