"""Factories and a small world for workflow tests."""

from dataclasses import dataclass

import factory
from factory.django import DjangoModelFactory

from agency.models import Agent, Grid, Matter, Site
from agency.tests.factories import (
    AgentFactory,
    CenterFactory,
    GridFactory,
    MatterFactory,
    StationFactory,
    UserFactory,
)
from core.models import User
from workflows.case_numbers import generate_case_no
from workflows.models import Case


class CaseFactory(DjangoModelFactory):
    """A bare case row (no process): for read tests. Use ``intake_services.case_create`` for flow tests."""

    class Meta:
        model = Case

    case_no = factory.LazyFunction(generate_case_no)
    site = factory.SubFactory(StationFactory)
    matter = factory.SubFactory(MatterFactory)
    resident_name = factory.Faker("name", locale="zh_CN")
    resident_phone = factory.Sequence(lambda n: f"+86138{n:08d}")
    address = "测试村1组"
    status = Case.Status.NEW


@dataclass
class World:
    center: Site
    station: Site
    station_b: Site  # another station under the same center
    center2: Site
    station2: Site  # a station in another town
    grid: Grid
    matter: Matter
    consult: Matter
    admin: User
    town: User
    staff: User
    staff2: User
    grid_worker: User
    grid_worker2: User
    volunteer: User
    cadre: User
    community: User
    outsider: User
    agent_grid: Agent
    agent_grid2: Agent
    agent_volunteer: Agent


def make_world() -> World:
    center = CenterFactory()
    station = StationFactory(parent=center)
    station_b = StationFactory(parent=center)
    center2 = CenterFactory()
    station2 = StationFactory(parent=center2)
    grid = GridFactory(site=station)
    matter = MatterFactory(name="开具居住证明", time_limit_days=5)
    consult = MatterFactory(
        name="养老保险政策咨询", category=Matter.Category.CONSULTATION, is_consultation=True
    )
    admin = UserFactory(username="w_admin", is_superuser=True, is_staff=True)

    def agent(username: str, kind: str, sites: list[Site], **kw):  # type: ignore[no-untyped-def]
        return AgentFactory(user=UserFactory(username=username), kind=kind, sites=sites, **kw)

    town = agent("w_town", Agent.Kind.TOWN_STAFF, [center])
    staff = agent("w_staff", Agent.Kind.STATION_STAFF, [station])
    staff2 = agent("w_staff2", Agent.Kind.STATION_STAFF, [station2])
    g1 = agent("w_grid", Agent.Kind.GRID_WORKER, [station], grids=[grid], scopes=[matter])
    g2 = agent("w_grid2", Agent.Kind.GRID_WORKER, [station])
    vol = agent("w_volunteer", Agent.Kind.VOLUNTEER, [station])
    cadre = agent("w_cadre", Agent.Kind.CADRE, [station])
    community = agent("w_community", Agent.Kind.COMMUNITY_WORKER, [station])
    outsider = agent("w_outsider", Agent.Kind.GRID_WORKER, [station2])
    return World(
        center=center,
        station=station,
        station_b=station_b,
        center2=center2,
        station2=station2,
        grid=grid,
        matter=matter,
        consult=consult,
        admin=admin,
        town=town.user,
        staff=staff.user,
        staff2=staff2.user,
        grid_worker=g1.user,
        grid_worker2=g2.user,
        volunteer=vol.user,
        cadre=cadre.user,
        community=community.user,
        outsider=outsider.user,
        agent_grid=g1,
        agent_grid2=g2,
        agent_volunteer=vol,
    )
