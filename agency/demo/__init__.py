"""The demo district (CONTRACT §3): 济南市市中区, its streets, stations, partner points, matters and agents.

``load_demo(password=...)`` is idempotent: every row is looked up by a stable key (area/site/matter/grid
code, agent phone, username) and updated in place, so running it twice leaves the same counts. Rows are
written through ``agency.services`` (each change audited like any other); the few rows no service covers
yet (area updates, user accounts) use the ORM with ``full_clean()`` (TODO markers in ``loader`` and ``people``).

One module per dataset: ``catalog`` (matters), ``district`` (areas, sites, partner points), ``people`` (accounts,
agents, AB岗, rotas); ``loader`` writes them in order. Callers import from ``agency.demo``.

Names, addresses and phone numbers are made up but shaped like the real thing (0531 is Jinan's area code).
"""

from agency.demo.catalog import MATTERS
from agency.demo.district import DISTRICT_CODE, DISTRICT_NAME, PARTNERS, TOWNS, TownSpec, VillageSpec
from agency.demo.loader import DEFAULT_PASSWORD, DemoResult, load_demo

__all__ = [
    "DEFAULT_PASSWORD",
    "DISTRICT_CODE",
    "DISTRICT_NAME",
    "MATTERS",
    "PARTNERS",
    "TOWNS",
    "DemoResult",
    "TownSpec",
    "VillageSpec",
    "load_demo",
]
