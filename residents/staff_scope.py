"""Who may act on a rating: the scope and role check of the staff side of the bad-rating loop.

Shared by the services (``residents.services``, ``residents.rectify``) and the pages and API that show the
actions, so that all of them refuse the same way (404 outside the actor's sites, 403 for a role that may not).
"""

from __future__ import annotations

from typing import Any

from agency.models import Agent
from agency.roles import STAFF_ROLES
from agency.selectors import sites_for_user, user_role
from core.exceptions import ApplicationError
from residents.models import Rating

APPEAL_DECIDER_ROLES = frozenset({Agent.Kind.TOWN_STAFF, Agent.Kind.DISTRICT_ADMIN})


def require_staff_scope(*, actor: Any, rating: Rating, roles: frozenset[str] = STAFF_ROLES) -> str:
    """404 when the rating's site is outside ``actor``'s scope, 403 when their role may not act."""
    role = user_role(actor)
    if role is None or rating.site.code not in sites_for_user(actor):
        raise ApplicationError("未找到该评价。", {}, status=404)
    if role not in roles:
        raise ApplicationError("您的角色无权进行此操作。", {"role": role}, status=403)
    return role
