"""AB岗 rerouting (``/staff/away/`` and the 5-minute sweep) only hands cases to a backup who can act: the same
check as a normal assign (a login account, active, not away, serving the case's site)."""

import pytest
from django.test import Client

from agency.models import Agent
from agency.tests.factories import AgentFactory, UserFactory
from workflows import services
from workflows.tasks import reroute_away_agents
from workflows.tests.helpers import drive_to

pytestmark = pytest.mark.django_db


def _away_with(world, backup):
    case = drive_to(world, "assigned")
    world.agent_grid.backup = backup
    world.agent_grid.is_away = True
    world.agent_grid.save()
    return case


def test_a_backup_without_a_login_gets_nothing_from_the_page_or_the_sweep(world):
    no_login = AgentFactory(user=None, name="陈海燕", kind=Agent.Kind.GRID_WORKER, sites=[world.station])
    case = _away_with(world, no_login)
    staff = Client()
    staff.force_login(world.staff)
    response = staff.post(f"/staff/away/{world.agent_grid.pk}/reroute/", follow=True)
    assert "没有可用的备岗人" in response.content.decode() and "没有登录账号" in response.content.decode()
    assert reroute_away_agents.apply().get() == 0
    case.refresh_from_db()
    assert case.assigned_agent == world.agent_grid
    assert not case.events.filter(kind="reassigned_backup").exists()


def test_a_backup_whose_login_is_disabled_gets_nothing(world):
    backup = AgentFactory(user=UserFactory(username="w_off", is_active=False), kind=Agent.Kind.GRID_WORKER,
                          sites=[world.station])  # fmt: skip
    case = _away_with(world, backup)
    assert services.case_reroute_away_sweep() == 0
    case.refresh_from_db()
    assert case.assigned_agent == world.agent_grid


def test_a_backup_who_does_not_serve_the_cases_site_does_not_get_it(world):
    elsewhere = AgentFactory(
        user=UserFactory(username="w_far"), kind=Agent.Kind.GRID_WORKER, sites=[world.station2]
    )
    case = _away_with(world, elsewhere)
    assert services.case_reroute_for_away_agent(actor=world.staff, agent=world.agent_grid) == []
    case.refresh_from_db()
    assert case.assigned_agent == world.agent_grid


def test_a_backup_with_a_login_at_the_station_gets_the_case(world):
    backup = AgentFactory(
        user=UserFactory(username="w_ok"), kind=Agent.Kind.GRID_WORKER, sites=[world.station]
    )
    case = _away_with(world, backup)
    assert reroute_away_agents.apply().get() == 1
    case.refresh_from_db()
    assert case.assigned_agent == backup
