"""Who counts as staff: the one definition of the staff-role set (roles are agent kinds, so it lives here).

``STAFF_ROLES`` are the roles that run a station's work and see its cases, ratings, trainings and figures
within their scope: district admins, town staff, station staff. Everyone else with an agent profile (grid
workers, cadres, volunteers, community workers) takes cases in as an intake role, never as staff.
"""

from __future__ import annotations

from agency.models import Agent

STAFF_ROLES: frozenset[str] = frozenset(
    {Agent.Kind.DISTRICT_ADMIN.value, Agent.Kind.TOWN_STAFF.value, Agent.Kind.STATION_STAFF.value}
)
