"""An agent's site links, read together with the staff token (``agency.auth``) or by the site scope.

Nearly every staff request needs the sites the caller works for (``agency.selectors.user_site_ids``, the
one rule). The links are its input: the sites an agent serves, the stations of the grids they cover and the
sites under the centers they serve. This module holds their one SQL form; the token check reads them in its
own statement (issue 7: one query less per request) and keeps them in the request memo, and a user signed in
otherwise has them read by ``user_site_ids``. It imports only models and core's aggregates, so the
authentication class (which DRF imports early) can use it at import time.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Subquery

from agency.models import Agent, Site
from agency.request_memo import request_memo_put
from core.aggregates import JoinedIds, parse_ids

SITE_LINKS_KEY = "site_links"  # their key in the request memo


@dataclass(frozen=True)
class SiteLinks:
    """Sites an agent serves directly, the stations of the grids they cover, and the sites under the
    centers they serve (what town staff also see)."""

    direct: frozenset[int]
    by_grid: frozenset[int]
    under_centers: frozenset[int]

    @classmethod
    def parse(cls, direct: str | None, by_grid: str | None, under_centers: str | None) -> "SiteLinks":
        """From the three ``JoinedIds`` columns of ``site_link_annotations`` (NULL: none)."""
        return cls(
            frozenset(parse_ids(direct)), frozenset(parse_ids(by_grid)), frozenset(parse_ids(under_centers))
        )


def site_link_annotations(agent_id: Any, *, prefix: str = "site_links") -> dict[str, Subquery]:
    """Subqueries (for ``annotate``) giving an agent's ``SiteLinks`` as ``JoinedIds`` columns named
    ``{prefix}_direct``, ``{prefix}_by_grid`` and ``{prefix}_under_centers``."""
    sites, grids = Agent.sites.through, Agent.grids.through
    return {
        f"{prefix}_direct": Subquery(
            sites.objects.filter(agent_id=agent_id)
            .values("agent_id")
            .annotate(ids=JoinedIds("site_id"))
            .values("ids")  # type: ignore[misc]  # django-stubs cannot see the annotation on a through model
        ),
        f"{prefix}_by_grid": Subquery(
            grids.objects.filter(agent_id=agent_id)
            .values("agent_id")
            .annotate(ids=JoinedIds("grid__site_id"))
            .values("ids")  # type: ignore[misc]
        ),
        f"{prefix}_under_centers": Subquery(
            Site.objects.filter(parent__agents=agent_id, parent__kind=Site.Kind.CENTER)
            .values("parent__agents")
            .annotate(ids=JoinedIds("id"))
            .values("ids")
        ),
    }


def site_links_prime(
    user: Any, *, direct: str | None, by_grid: str | None, under_centers: str | None
) -> None:
    """Keep the site links read with ``user``'s token for this request (``user_site_ids`` then asks nothing)."""
    request_memo_put(user, SITE_LINKS_KEY, SiteLinks.parse(direct, by_grid, under_centers))
