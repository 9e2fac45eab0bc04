import datetime as dt

import pytest

from agency import selectors, services
from agency.models import Agent, Site
from agency.tests.factories import (
    AgentFactory,
    CenterFactory,
    GridFactory,
    MatterFactory,
    SiteMatterFactory,
    StationFactory,
    UserFactory,
)
from core.exceptions import ApplicationError

pytestmark = pytest.mark.django_db


class TestAgentPublicPhone:
    def test_consent_publishes_mobile(self) -> None:
        station = StationFactory(phone="0531-1")
        agent = AgentFactory(phone="+8613800138000", work_phone="0531-2", publish_mobile_consent=True)
        assert selectors.agent_public_phone(agent, station) == "+8613800138000"

    def test_no_consent_gives_work_phone(self) -> None:
        station = StationFactory(phone="0531-1")
        agent = AgentFactory(phone="+8613800138000", work_phone="0531-2", publish_mobile_consent=False)
        assert selectors.agent_public_phone(agent, station) == "0531-2"

    def test_neither_gives_site_phone(self) -> None:
        station = StationFactory(phone="0531-1")
        agent = AgentFactory(phone="+8613800138000", work_phone="", publish_mobile_consent=False)
        assert selectors.agent_public_phone(agent, station) == "0531-1"


class TestSiteSelectors:
    def test_get_public_unknown_is_404(self) -> None:
        with pytest.raises(ApplicationError) as info:
            selectors.site_get_public("NOPE")
        assert info.value.status == 404
        assert "站点" in info.value.message

    def test_inactive_site_is_not_public(self) -> None:
        station = StationFactory(is_active=False)
        with pytest.raises(ApplicationError):
            selectors.site_get_public(station.code)
        assert station not in selectors.site_list_public()

    def test_roster_only_published_active_agents_of_the_site(self) -> None:
        station = StationFactory()
        matter = MatterFactory()
        shown = AgentFactory(name="甲", sites=[station], scopes=[matter])
        AgentFactory(name="乙", sites=[station], is_published=False)
        AgentFactory(name="丙", sites=[station], is_active=False)
        AgentFactory(name="丁", sites=[StationFactory()])
        roster = selectors.site_roster(station)
        assert [e.name for e in roster] == [shown.name]
        assert roster[0].scopes == [matter.code]
        assert roster[0].role == Agent.Kind.GRID_WORKER

    def test_roster_marks_on_duty(self) -> None:
        station = StationFactory()
        a, b = AgentFactory(sites=[station]), AgentFactory(sites=[station])
        day = dt.date(2026, 11, 27)
        services.duty_shift_set(site=station, date=day, agents=[b])
        roster = {e.name: e.on_duty for e in selectors.site_roster(station, today=day)}
        assert roster == {a.name: False, b.name: True}
        assert selectors.agents_on_duty(station, day) == [b]
        assert selectors.agents_on_duty(station, day + dt.timedelta(days=1)) == []

    def test_roster_query_count_constant(self, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
        station = StationFactory()
        matters = [MatterFactory() for _ in range(3)]
        for _ in range(2):
            AgentFactory(sites=[station], scopes=matters)
        with django_assert_num_queries(3):
            selectors.site_roster(station, today=dt.date(2026, 11, 27))
        for _ in range(10):
            AgentFactory(sites=[station], scopes=matters)
        with django_assert_num_queries(3):
            assert len(selectors.site_roster(station, today=dt.date(2026, 11, 27))) == 12

    def test_site_get_public_prefetches_matters(self, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
        station = StationFactory()
        for _ in range(5):
            SiteMatterFactory(site=station)
        with django_assert_num_queries(2):
            site = selectors.site_get_public(station.code)
            assert len(selectors.site_matters_public(site)) == 5


class TestUserScope:
    def test_superuser_is_district_admin_and_sees_all(self) -> None:
        station = StationFactory()
        admin = UserFactory(is_superuser=True)
        assert selectors.user_role(admin) == "district_admin"
        codes = selectors.sites_for_user(admin)
        assert station.code in codes and station.parent.code in codes

    def test_station_staff_sees_own_sites(self) -> None:
        station = StationFactory()
        StationFactory(parent=station.parent)
        agent = AgentFactory(kind=Agent.Kind.STATION_STAFF, sites=[station])
        assert selectors.user_role(agent.user) == "station_staff"
        assert selectors.sites_for_user(agent.user) == [station.code]

    def test_grid_worker_gets_station_of_grid(self) -> None:
        grid = GridFactory()
        agent = AgentFactory(kind=Agent.Kind.GRID_WORKER, grids=[grid])
        assert selectors.sites_for_user(agent.user) == [grid.site.code]

    def test_town_staff_sees_center_and_children(self) -> None:
        center = CenterFactory()
        s1 = StationFactory(parent=center)
        s2 = StationFactory(parent=center)
        other = StationFactory()
        agent = AgentFactory(kind=Agent.Kind.TOWN_STAFF, sites=[center])
        codes = selectors.sites_for_user(agent.user)
        assert set(codes) == {center.code, s1.code, s2.code}
        assert other.code not in codes

    def test_user_without_agent_has_no_role(self) -> None:
        user = UserFactory()
        assert selectors.user_role(user) is None
        assert selectors.sites_for_user(user) == []

    def test_inactive_agent_has_no_role(self) -> None:
        agent = AgentFactory(is_active=False, sites=[StationFactory()])
        assert selectors.user_role(agent.user) is None

    def test_district_admin_agent_sees_all(self) -> None:
        StationFactory()
        agent = AgentFactory(kind=Agent.Kind.DISTRICT_ADMIN)
        assert len(selectors.sites_for_user(agent.user)) == Site.objects.count()


class TestStandIn:
    def test_present_agent_does_own_work(self) -> None:
        agent = AgentFactory()
        assert selectors.agent_stand_in(agent, today=dt.date(2026, 11, 27)) == agent

    def test_away_agent_routes_to_backup_until_return(self) -> None:
        a, b = AgentFactory(), AgentFactory()
        services.agent_set_backup(agent=a, backup=b)
        a.is_away, a.away_until = True, dt.date(2026, 11, 30)
        assert selectors.agent_stand_in(a, today=dt.date(2026, 11, 30)) == b
        assert selectors.agent_stand_in(a, today=dt.date(2026, 12, 1)) == a  # back after away_until

    def test_chain_and_loop(self) -> None:
        a, b, c = AgentFactory(), AgentFactory(), AgentFactory()
        a.backup, b.backup, c.backup = b, c, a
        a.is_away = b.is_away = True
        day = dt.date(2026, 11, 27)
        assert selectors.agent_stand_in(a, today=day) == c
        c.is_away = True
        assert selectors.agent_stand_in(a, today=day) == a  # everyone away: nobody better, keep the owner

    def test_roster_shows_away_and_backup(self) -> None:
        station = StationFactory()
        a = AgentFactory(name="甲", sites=[station])
        b = AgentFactory(name="乙", sites=[station])
        services.agent_set_backup(agent=a, backup=b)
        services.agent_set_away(agent=a, away=True)
        entry = next(e for e in selectors.site_roster(station, today=dt.date(2026, 11, 27)) if e.name == "甲")
        assert entry.away and entry.backup_name == "乙"


def test_duty_shift_factory_puts_agent_on_todays_duty() -> None:
    from django.utils import timezone

    from agency.tests.factories import DutyShiftFactory

    shift = DutyShiftFactory()
    assert selectors.agents_on_duty(shift.site, timezone.localdate()) == [shift.agent]
    assert [e.name for e in selectors.site_roster(shift.site, today=timezone.localdate()) if e.on_duty] == [
        shift.agent.name
    ]
