"""Extension points of the agency app, so it never imports the feature apps built on it (arrows one way).

- the *site tier provider* ``(sites) -> {site id: tier}``: the tier public pages and the sites API show as
  ``approved_tier``. The standards app registers the tier consistent with the system's records (the approved
  one, lowered where the record contradicts the approved answers), the same tier its staff page shows. With
  nothing registered the API shows the approved tier as stored (``Site.standing``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agency.models import Site

SiteTierProvider = Callable[[list["Site"]], dict[int, str]]

_tier_providers: list[SiteTierProvider] = []


def site_tier_provider_register(provider: SiteTierProvider) -> None:
    if provider not in _tier_providers:
        _tier_providers.append(provider)


def site_tiers(sites: list[Site]) -> dict[int, str] | None:
    """``{site id: tier}`` for ``sites`` ("" below 基础型; absent: never approved), or None (no provider)."""
    if not _tier_providers:
        return None
    return _tier_providers[-1](sites)
