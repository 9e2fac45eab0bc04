"""The staff-role set is defined once (``agency.roles``); who counts as staff for standards follows it."""

import pytest

from agency.models import Agent
from agency.roles import STAFF_ROLES
from agency.tests.factories import AgentFactory, StationFactory, UserFactory
from standards.selectors import standards_role
from workflows import permissions


def test_the_staff_roles_are_the_three_staff_kinds_and_one_object() -> None:
    assert {"district_admin", "town_staff", "station_staff"} == STAFF_ROLES
    assert permissions.STAFF_ROLES is STAFF_ROLES  # the case rules read the same set, not a copy


@pytest.mark.django_db
def test_standards_role_is_the_user_role_when_staff() -> None:
    site = StationFactory()
    for kind in Agent.Kind.values:
        agent = AgentFactory(kind=kind, sites=[site])
        assert standards_role(agent.user) == (kind if kind in STAFF_ROLES else "")
    inactive = AgentFactory(kind=Agent.Kind.STATION_STAFF, sites=[site], is_active=False)
    assert standards_role(inactive.user) == ""
    assert standards_role(UserFactory(is_superuser=True)) == "district_admin"
    assert standards_role(AgentFactory(kind=Agent.Kind.GRID_WORKER, user__is_superuser=True).user) == (
        "district_admin"  # as before: a superuser sees every assessment whatever their profile
    )
