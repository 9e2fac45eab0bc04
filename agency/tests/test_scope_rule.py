"""The one site-scope rule (``agency.selectors.user_site_ids``), role by role, and that it is written once.

Issue 19: the rule "which sites may this user see and act on" had been written five times and cached on the
user object under attribute names two apps made up. Now one function holds it, one request memo keeps it,
and the source checks below fail when a second copy or a second cache appears.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agency import selectors
from agency.models import Agent, Site
from agency.request_memo import request_memo
from agency.tests.factories import AgentFactory, CenterFactory, GridFactory, StationFactory, UserFactory
from core.models import User

ROOT = Path(__file__).resolve().parents[2]
K = Agent.Kind


class World:
    """Two towns: center ``c1`` with stations ``s1`` (grid ``g1``) and ``s2`` and a partner point ``p1``;
    center ``c2`` with station ``s3`` (grid ``g3``)."""

    def __init__(self) -> None:
        self.c1 = CenterFactory()
        self.s1 = StationFactory(parent=self.c1)
        self.s2 = StationFactory(parent=self.c1)
        self.p1 = StationFactory(parent=self.c1, kind=Site.Kind.PARTNER)
        self.c2 = CenterFactory()
        self.s3 = StationFactory(parent=self.c2)
        self.g1 = GridFactory(site=self.s1)
        self.g3 = GridFactory(site=self.s3)

    def ids(self, *sites: Site) -> set[int]:
        return {site.pk for site in sites}


@pytest.fixture
def w() -> World:
    return World()


def _fresh(user: User) -> User:
    """The user as the next request reads it: nothing kept from earlier calls."""
    return User.objects.get(pk=user.pk)


@pytest.mark.django_db
class TestTheRuleByRole:
    def test_anonymous_and_no_user_see_no_site(self, w: World) -> None:
        assert selectors.user_site_ids(AnonymousUser()) == set()
        assert selectors.user_site_ids(None) == set()

    def test_user_without_agent_sees_no_site(self, w: World) -> None:
        assert selectors.user_site_ids(UserFactory()) == set()

    def test_inactive_agent_sees_no_site(self, w: World) -> None:
        agent = AgentFactory(kind=K.STATION_STAFF, sites=[w.s1], is_active=False)
        assert selectors.user_site_ids(agent.user) == set()

    def test_superuser_without_active_agent_sees_every_site(self, w: World) -> None:
        assert selectors.user_site_ids(UserFactory(is_superuser=True)) is None
        inactive = AgentFactory(kind=K.STATION_STAFF, sites=[w.s1], is_active=False)
        inactive.user.is_superuser = True
        inactive.user.save()
        assert selectors.user_site_ids(_fresh(inactive.user)) is None

    def test_district_admin_sees_every_site(self, w: World) -> None:
        admin = AgentFactory(kind=K.DISTRICT_ADMIN)
        assert selectors.user_site_ids(admin.user) is None
        assert selectors.sites_for_user(_fresh(admin.user)) == sorted(
            Site.objects.values_list("code", flat=True)
        )

    def test_town_staff_see_their_centers_and_every_site_under_them(self, w: World) -> None:
        town = AgentFactory(kind=K.TOWN_STAFF, sites=[w.c1])
        assert selectors.user_site_ids(town.user) == w.ids(w.c1, w.s1, w.s2, w.p1)

    def test_town_staff_also_see_the_stations_of_their_grids(self, w: World) -> None:
        town = AgentFactory(kind=K.TOWN_STAFF, sites=[w.c1], grids=[w.g3])
        assert selectors.user_site_ids(town.user) == w.ids(w.c1, w.s1, w.s2, w.p1, w.s3)

    @pytest.mark.parametrize(
        "kind", [K.STATION_STAFF, K.GRID_WORKER, K.CADRE, K.COMMUNITY_WORKER, K.VOLUNTEER], ids=str
    )
    def test_other_kinds_see_their_sites_and_grid_stations_not_what_is_under_a_center(
        self, w: World, kind: str
    ) -> None:
        agent = AgentFactory(kind=kind, sites=[w.c1, w.s1], grids=[w.g3])
        assert selectors.user_site_ids(agent.user) == w.ids(w.c1, w.s1, w.s3)

    def test_a_grid_alone_gives_its_station(self, w: World) -> None:
        worker = AgentFactory(kind=K.GRID_WORKER, grids=[w.g1])
        assert selectors.user_site_ids(worker.user) == w.ids(w.s1)

    def test_sites_for_user_is_the_rule_as_sorted_codes(self, w: World) -> None:
        town = AgentFactory(kind=K.TOWN_STAFF, sites=[w.c1], grids=[w.g3])
        ids = selectors.user_site_ids(town.user)
        assert ids is not None
        expected = sorted(Site.objects.filter(pk__in=ids).values_list("code", flat=True))
        assert selectors.sites_for_user(town.user) == expected


@pytest.mark.django_db
class TestTheRequestMemo:
    def test_the_scope_is_read_once_per_user_object(self, w: World) -> None:
        staff = AgentFactory(kind=K.STATION_STAFF, sites=[w.s1])
        user = _fresh(staff.user)
        first = selectors.user_site_ids(user)
        with CaptureQueriesContext(connection) as ctx:
            assert selectors.user_site_ids(user) == first
            selectors.sites_for_user(user)  # the codes only: the scope itself is kept
        assert len(ctx.captured_queries) == 1

    def test_a_fresh_user_object_sees_a_changed_scope(self, w: World) -> None:
        staff = AgentFactory(kind=K.STATION_STAFF, sites=[w.s1])
        assert selectors.user_site_ids(staff.user) == w.ids(w.s1)
        staff.sites.add(w.s2)
        assert selectors.user_site_ids(staff.user) == w.ids(w.s1)  # same request: kept
        assert selectors.user_site_ids(_fresh(staff.user)) == w.ids(w.s1, w.s2)

    def test_the_memo_is_one_attribute_whatever_the_keys(self) -> None:
        user = AnonymousUser()
        before = set(vars(user))
        assert request_memo(user, "a", lambda: 1) == 1
        assert request_memo(user, "a", lambda: 2) == 1
        assert request_memo(user, "b", lambda: 3) == 3
        assert len(set(vars(user)) - before) == 1


@pytest.mark.django_db
class TestAgentServesSite:
    """Who may be given work where (assign, transfer): a separate rule, kept beside the scope."""

    def test_a_site_they_serve_and_the_sites_under_it(self, w: World) -> None:
        cadre = AgentFactory(kind=K.CADRE, sites=[w.c1])
        assert selectors.agent_serves_site(cadre, w.c1)
        assert selectors.agent_serves_site(cadre, w.s2)
        assert not selectors.agent_serves_site(cadre, w.s3)

    def test_a_grid_alone_does_not_make_them_assignable_at_its_station(self, w: World) -> None:
        worker = AgentFactory(kind=K.GRID_WORKER, grids=[w.g1])
        assert not selectors.agent_serves_site(worker, w.s1)


# --- the rule is written once -------------------------------------------------------------------------------

_USERISH = re.compile(r"(^|\.)(user|actor)$")
_LINK_LOOKUPS = {"grids__agents", "parent__agents"}  # a site reached from its agents: the scope's input


def _modules() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if not any(
            part.startswith(".") or part in {"node_modules", "migrations", "tests"}
            for part in path.relative_to(ROOT).parts
        )
        and path.name != "conftest.py"
    ]


def _user_attribute_writes(path: Path, root: Path = ROOT) -> list[str]:
    """``setattr(user, ...)`` and ``user._x = ...`` (also on ``actor``, ``request.user``, ``x.user``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
            if node.args and _USERISH.search(ast.unparse(node.args[0])):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr.startswith("_")
                    and _USERISH.search(ast.unparse(target.value))
                ):
                    found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def _link_lookups(path: Path, root: Path = ROOT) -> list[str]:
    """Lookups from a site to its agents (``grids__agents``, ``parent__agents``) and ``Agent.grids.through``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        name = node.arg if isinstance(node, ast.keyword) else getattr(node, "value", None)
        if isinstance(name, str) and any(name == k or name.startswith(f"{k}__") for k in _LINK_LOOKUPS):
            found.append(f"{path.relative_to(root)}:{getattr(node, 'lineno', '?')} {name}")
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "through"
            and ast.unparse(node.value) == "Agent.grids"
        ):
            found.append(f"{path.relative_to(root)}:{node.lineno} Agent.grids.through")
    return found


def test_only_the_request_memo_sets_attributes_on_users() -> None:
    writes = [hit for path in _modules() for hit in _user_attribute_writes(path)]
    assert [hit.split(":")[0] for hit in writes] == ["agency/request_memo.py"], (
        "keep per-user reads with agency.selectors.request_memo, not in an attribute of your own:\n"
        + "\n".join(writes)
    )


def test_the_site_links_are_read_in_one_place() -> None:
    hits = [hit for path in _modules() for hit in _link_lookups(path)]
    elsewhere = [hit for hit in hits if not hit.startswith("agency/site_links.py:")]
    assert hits, "the check must see the one place (agency/site_links.py)"
    assert not elsewhere, "the site scope is agency.selectors.user_site_ids; ask it:\n" + "\n".join(elsewhere)


def test_the_checks_see_a_second_copy(tmp_path: Path) -> None:
    """The walkers must find what they look for, or the checks above could never fail."""
    module = tmp_path / "m.py"
    module.write_text(
        "def f(request, agent_id):\n"
        "    setattr(request.user, '_my_site_ids', {1})\n"
        "    request.user._other = 2\n"
        "    return Site.objects.filter(grids__agents=agent_id)\n",
        encoding="utf-8",
    )
    assert len(_user_attribute_writes(module, tmp_path)) == 2
    assert _link_lookups(module, tmp_path) == ["m.py:4 grids__agents"]
