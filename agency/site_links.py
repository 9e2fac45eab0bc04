"""An agent's site links, read together with the staff token (``agency.auth``) and kept for the request.

Nearly every staff request needs the sites the caller works for (``workflows.selectors.scope_site_ids``).
The token check reads them in its own statement as three id lists (issue 7: one query less per request); a
user authenticated otherwise (a session) has them read by the scope query instead. This module imports only
models, so the authentication class (which DRF imports early) can use it at import time.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Subquery

from agency.models import Agent, Site
from core.aggregates import JoinedIds, parse_ids

_SITE_LINKS_ATTR = "_agency_site_links"


@dataclass(frozen=True)
class SiteLinks:
    """Sites an agent serves directly, the stations of the grids they cover, and the sites under the
    centers they serve (what town staff also see)."""

    direct: frozenset[int]
    by_grid: frozenset[int]
    under_centers: frozenset[int]


def site_link_annotations(agent_id: Any) -> dict[str, Subquery]:
    """Subqueries (for ``annotate``) giving an agent's ``SiteLinks`` as ``JoinedIds`` columns."""
    sites, grids = Agent.sites.through, Agent.grids.through
    return {
        "site_links_direct": Subquery(
            sites.objects.filter(agent_id=agent_id)
            .values("agent_id")
            .annotate(ids=JoinedIds("site_id"))
            .values("ids")  # type: ignore[misc]  # django-stubs cannot see the annotation on a through model
        ),
        "site_links_by_grid": Subquery(
            grids.objects.filter(agent_id=agent_id)
            .values("agent_id")
            .annotate(ids=JoinedIds("grid__site_id"))
            .values("ids")  # type: ignore[misc]
        ),
        "site_links_under_centers": Subquery(
            Site.objects.filter(parent__agents=agent_id, parent__kind=Site.Kind.CENTER)
            .values("parent__agents")
            .annotate(ids=JoinedIds("id"))
            .values("ids")
        ),
    }


def site_links_prime(
    user: Any, *, direct: str | None, by_grid: str | None, under_centers: str | None
) -> None:
    """Keep the site links read with ``user``'s token for this request."""
    links = SiteLinks(
        frozenset(parse_ids(direct)), frozenset(parse_ids(by_grid)), frozenset(parse_ids(under_centers))
    )
    setattr(user, _SITE_LINKS_ATTR, links)


def site_links_primed(user: Any) -> SiteLinks | None:
    """The site links read with ``user``'s token in this request, if any."""
    return getattr(user, _SITE_LINKS_ATTR, None)
