"""Who may do what to a case, in one table.

Decision order (the API's status codes follow it):
1. the case is outside the actor's scope → 404 (no existence leak);
2. the actor's role may not take the action on this case → 403;
3. the case's status does not allow the action → 409 with ``{"status": ...}``.

Scope is not restated here: the sites come from the one rule, ``agency.selectors.user_site_ids``, and
``workflows.selectors.case_in_scope`` adds the cases assigned to the actor. The check itself is written once,
``workflows.selectors.CasePermit.require``; a request evaluates who the actor is to the case once
(``selectors.case_permit``) and passes that permit along to the service.

The apps built on cases (一件事, hand-offs, material photos, the showcase) add their case actions as rows of
this same table with ``rule_register`` when their services module is imported; workflows never imports them.
``ACTIONS`` stays the case process's own actions (the case page and ``POST /api/v1/cases/<no>/<action>/``).
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
# "reviewer" = district admin or town staff with the case in scope; "anyone" = anyone with the case in scope.
REVIEWER = "reviewer"
ANYONE = "anyone"

REVIEW_ROLES = frozenset({Agent.Kind.DISTRICT_ADMIN.value, Agent.Kind.TOWN_STAFF.value})

DENIED = "您无权执行此操作。"
CONFLICT = "案件当前状态为「{status}」，不能执行此操作。"


@dataclass(frozen=True)
class Rule:
    """Who may take an action (``who``), in which statuses (None: any), and the answers when they may not
    (403 ``denied``, 409 ``conflict`` with ``{status}`` the status's label)."""

    who: str
    statuses: tuple[str, ...] | None
    denied: str = DENIED
    conflict: str = CONFLICT


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

ACTIONS: tuple[str, ...] = tuple(RULES)  # the case process's own (before any app registers its rows)


def rule_register(action: str, rule: Rule) -> None:
    """An app built on cases adds the row of one of its case actions (again with the same row: a no-op)."""
    known = RULES.get(action)
    if known is not None and known != rule:
        raise RuntimeError(f"case action {action!r} already has a different rule")
    RULES[action] = rule


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
    if rule.who == REVIEWER:
        return role in REVIEW_ROLES
    if rule.who == ANYONE:
        return True
    return is_staff or is_assigned_agent


def status_allows(*, action: str, status: str) -> bool:
    statuses = RULES[action].statuses
    return statuses is None or status in statuses


def role_may_create(role: str | None) -> bool:
    """Intake: agents of every kind and staff (walk-in at the window) may log a case for their own sites."""
    return role in INTAKE_ROLES or role in STAFF_ROLES
