"""Writes of the agency domain: areas, sites, grids, matters, agents, duty rota and the agent import.

Every function is keyword-only, runs in one transaction, validates with ``full_clean()`` before saving
and appends one ``core.services.audit_log`` row per change. Bad input raises Django's ``ValidationError``
(field errors, Chinese) or ``ApplicationError``; the API turns both into 400s.

One module per responsibility — ``sites`` (areas, sites, grids, the matter catalog), ``agents`` (profiles,
publishing, AB岗, duty rota), ``agent_import`` (the sheet import) — and callers import from ``agency.services``.
"""

from agency.services._common import PHONE_INVALID_MESSAGE
from agency.services.agent_import import IMPORT_COLUMNS, ImportReport, ImportRowError, agent_import
from agency.services.agents import (
    AGENT_M2M,
    AGENT_UPDATABLE,
    agent_create,
    agent_publish,
    agent_set_away,
    agent_set_backup,
    agent_unpublish,
    agent_update,
    duty_shift_set,
)
from agency.services.sites import (
    MATTER_UPDATABLE,
    SITE_UPDATABLE,
    area_create,
    grid_create,
    matter_create,
    matter_update,
    site_create,
    site_matter_disable,
    site_matter_enable,
    site_update,
)

__all__ = [
    "AGENT_M2M",
    "AGENT_UPDATABLE",
    "IMPORT_COLUMNS",
    "MATTER_UPDATABLE",
    "PHONE_INVALID_MESSAGE",
    "SITE_UPDATABLE",
    "ImportReport",
    "ImportRowError",
    "agent_create",
    "agent_import",
    "agent_publish",
    "agent_set_away",
    "agent_set_backup",
    "agent_unpublish",
    "agent_update",
    "area_create",
    "duty_shift_set",
    "grid_create",
    "matter_create",
    "matter_update",
    "site_create",
    "site_matter_disable",
    "site_matter_enable",
    "site_update",
]
