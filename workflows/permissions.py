"""Who may do what to a case, in one table.

Decision order (the API's status codes follow it):
1. the case is outside the actor's scope → 404 (no existence leak);
2. the actor's role may not take the action on this case → 403;
3. the case's status does not allow the action → 409 with ``{"status": ...}``.

Scope is not restated here: the sites come from the one rule, ``agency.selectors.user_site_ids``, and
``workflows.selectors.case_in_scope`` adds the cases assigned to the actor.
"""

from dataclasses import dataclass

from agency.models import Agent
from agency.roles import STAFF_ROLES

OPEN = ("new", "assigned", "visited", "awaiting_materials", "submitted", "handed_off")

INTAKE_ROLES = frozenset(
    {
        Agent.Kind.GRID_WORKER.value,
        Agent.Kind.CADRE.value,
        Agent.Kind.VOLUNTEER.value,
        Agent.Kind.COMMUNITY_WORKER.value,
    }
)

# Who: "staff" = staff role with the case in scope; "agent" = the case's assigned agent;
# "staff_or_agent" = either.
STAFF = "staff"
AGENT = "agent"
STAFF_OR_AGENT = "staff_or_agent"
# "station_or_agent" = station staff of the case's site (their scope) or the assigned agent.
STATION_OR_AGENT = "station_or_agent"


@dataclass(frozen=True)
class Rule:
    who: str
    statuses: tuple[str, ...]


RULES: dict[str, Rule] = {
    "assign": Rule(STAFF, ("new",)),
    "visit": Rule(AGENT, ("assigned", "awaiting_materials")),
    "submit": Rule(AGENT, ("visited",)),
    "progress": Rule(AGENT, ("submitted",)),
    "complete": Rule(AGENT, ("submitted",)),
    # policy consultations only (checked in the service): answered at any point before submission
    "answer": Rule(AGENT, ("assigned", "visited", "awaiting_materials")),
    # agree a home-visit time (no status change): before the first visit or a follow-up for materials
    "schedule_visit": Rule(STATION_OR_AGENT, ("assigned", "awaiting_materials")),
    "reject": Rule(STAFF, OPEN),
    "withdraw": Rule(STAFF_OR_AGENT, OPEN),
    "transfer": Rule(STAFF, OPEN),
    # only after the resident's rating or the end of the feedback window (checked in the service)
    "close": Rule(STAFF, ("completed",)),
    "rectify": Rule(STAFF, ("rectifying",)),
}

ACTIONS: tuple[str, ...] = tuple(RULES)


def role_may(*, role: str | None, is_assigned_agent: bool, action: str) -> bool:
    """Whether someone with ``role`` (and assigned or not) may take ``action`` on a case in their scope."""
    rule = RULES[action]
    is_staff = role in STAFF_ROLES
    if rule.who == STAFF:
        return is_staff
    if rule.who == AGENT:
        return is_assigned_agent
    if rule.who == STATION_OR_AGENT:
        return role == Agent.Kind.STATION_STAFF.value or is_assigned_agent
    return is_staff or is_assigned_agent


def status_allows(*, action: str, status: str) -> bool:
    return status in RULES[action].statuses


def role_may_create(role: str | None) -> bool:
    """Intake: agents of every kind and staff (walk-in at the window) may log a case for their own sites."""
    return role in INTAKE_ROLES or role in STAFF_ROLES
