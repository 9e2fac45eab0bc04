"""Issue 20, AB岗 page ``/staff/away/``: scope, the one-action move to the backup, timeline rows."""

import pytest
from django.test import Client

from agency.models import Agent
from agency.tests.factories import AgentFactory, UserFactory
from workflows import case_closing
from workflows.models import Case
from workflows.tests.helpers import assert_flow_in_step, drive_to

pytestmark = pytest.mark.django_db

URL = "/staff/away/"


@pytest.fixture
def away(world):
    """The station's grid worker is away with two open cases and one withdrawn; the backup is at the station."""
    backup = AgentFactory(
        user=UserFactory(username="w_backup"), kind=Agent.Kind.GRID_WORKER, sites=[world.station]
    )
    open1 = drive_to(world, "assigned")
    open2 = drive_to(world, "submitted")
    closed = case_closing.case_withdraw(actor=world.staff, case=drive_to(world, "assigned"), reason="不办了")
    world.agent_grid.backup = backup
    world.agent_grid.is_away = True
    world.agent_grid.save()
    return backup, [open1, open2], closed


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_station_staff_see_the_away_agents_cases(world, away):
    backup, opened, closed = away
    html = client_for(world.staff).get(URL).content.decode()
    assert f'id="away-{world.agent_grid.pk}"' in html
    assert all(c.case_no in html for c in opened) and closed.case_no not in html
    assert f"全部移交给{backup.name}" in html


def test_other_station_and_grid_workers_do_not(world, away):
    html = client_for(world.staff2).get(URL).content.decode()
    assert f'id="away-{world.agent_grid.pk}"' not in html and "没有外出的帮办员" in html
    assert client_for(world.grid_worker2).get(URL).status_code == 403
    # nor can another station's staff move them (404: not in their scope)
    response = client_for(world.staff2).post(f"{URL}{world.agent_grid.pk}/reroute/")
    assert response.status_code == 404
    assert Case.objects.filter(assigned_agent=world.agent_grid).count() == 3


def test_one_action_moves_every_open_case_with_a_timeline_row(world, away):
    backup, opened, closed = away
    response = client_for(world.staff).post(f"{URL}{world.agent_grid.pk}/reroute/", follow=True)
    assert response.status_code == 200
    assert f"已将{world.agent_grid.name}的 2 件在办案件移交给备岗人{backup.name}" in response.content.decode()
    for case in opened:
        case.refresh_from_db()
        assert case.assigned_agent == backup
        [event] = case.events.filter(kind="reassigned_backup")
        assert event.data == {"from_agent_id": world.agent_grid.pk, "to_agent_id": backup.pk}
        assert not event.public
        assert_flow_in_step(case)
    closed.refresh_from_db()
    assert (
        closed.assigned_agent == world.agent_grid
        and not closed.events.filter(kind="reassigned_backup").exists()
    )
    # twice is harmless: nothing left to move, no second timeline row
    again = client_for(world.staff).post(f"{URL}{world.agent_grid.pk}/reroute/", follow=True)
    assert "名下没有在办案件" in again.content.decode()
    assert all(c.events.filter(kind="reassigned_backup").count() == 1 for c in opened)


def test_no_usable_backup_is_said_and_nothing_moves(world, away):
    backup, opened, _ = away
    backup.is_away = True
    backup.save()
    page = client_for(world.staff).get(URL).content.decode()
    assert "没有可用的备岗人" in page and "全部移交给" not in page
    response = client_for(world.staff).post(f"{URL}{world.agent_grid.pk}/reroute/", follow=True)
    assert "没有可用的备岗人" in response.content.decode()
    assert all(Case.objects.get(pk=c.pk).assigned_agent == world.agent_grid for c in opened)


def test_an_agent_not_away_is_not_rerouted(world):
    drive_to(world, "assigned")
    response = client_for(world.staff).post(f"{URL}{world.agent_grid.pk}/reroute/", follow=True)
    assert "未标记外出" in response.content.decode()
    assert client_for(world.staff).post(f"{URL}999999/reroute/").status_code == 404
    assert client_for(world.staff).get(f"{URL}{world.agent_grid.pk}/reroute/").status_code == 405
