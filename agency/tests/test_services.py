import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from agency import services
from agency.models import Agent, Area, DutyShift, Site, SiteMatter
from agency.tests.factories import (
    AgentFactory,
    AreaFactory,
    CenterFactory,
    MatterFactory,
    StationFactory,
    UserFactory,
)
from core.exceptions import ApplicationError
from core.models import AuditLog

pytestmark = pytest.mark.django_db


def _audits(action: str) -> int:
    return AuditLog.objects.filter(action=action).count()


class TestAgentCreate:
    @pytest.mark.parametrize("typed", ["138 0013 8000", "+86 138-0013-8000", "8613800138000", "13800138000"])
    def test_phone_typed_any_common_way_is_stored_e164(self, typed: str) -> None:
        station = StationFactory()
        agent = services.agent_create(name="张三", kind=Agent.Kind.GRID_WORKER, phone=typed, sites=[station])
        agent.refresh_from_db()
        assert agent.phone.as_e164 == "+8613800138000"
        assert list(agent.sites.all()) == [station]

    @pytest.mark.parametrize("typed", ["12345", "", "abc", "138001380001234"])
    def test_bad_phone_is_chinese_field_error(self, typed: str) -> None:
        with pytest.raises(ValidationError) as info:
            services.agent_create(name="张三", kind=Agent.Kind.GRID_WORKER, phone=typed)
        assert "phone" in info.value.message_dict
        assert "手机号" in info.value.message_dict["phone"][0]
        assert not Agent.objects.exists()

    def test_all_field_errors_reported_together(self) -> None:
        with pytest.raises(ValidationError) as info:
            services.agent_create(name="", kind="wizard", phone="123")
        assert set(info.value.message_dict) >= {"name", "kind", "phone"}

    def test_unknown_kind_refused(self) -> None:
        with pytest.raises(ValidationError) as info:
            services.agent_create(name="张三", kind="wizard", phone="13800138000")
        assert "kind" in info.value.message_dict
        assert not Agent.objects.exists()

    def test_missing_name_refused(self) -> None:
        with pytest.raises(ValidationError) as info:
            services.agent_create(name="  ", kind=Agent.Kind.VOLUNTEER, phone="13800138000")
        assert "name" in info.value.message_dict

    def test_create_writes_audit_row(self) -> None:
        actor = UserFactory()
        agent = services.agent_create(name="李四", kind=Agent.Kind.CADRE, phone="13900139000", actor=actor)
        row = AuditLog.objects.get(action="agent_create")
        assert row.target_id == str(agent.pk)
        assert row.actor == actor
        assert "13900139000" not in str(row.detail)


class TestAgentUpdateAndPublishing:
    def test_update_normalises_phone_and_replaces_sites(self) -> None:
        a, b = StationFactory(), StationFactory()
        agent = AgentFactory(sites=[a])
        services.agent_update(agent=agent, phone="139 0000 1111", sites=[b], title="组长")
        agent.refresh_from_db()
        assert agent.phone.as_e164 == "+8613900001111"
        assert list(agent.sites.all()) == [b]
        assert agent.title == "组长"
        assert _audits("agent_update") == 1
        assert "13900001111" not in str(AuditLog.objects.get(action="agent_update").detail)

    def test_update_bad_phone_field_error_and_nothing_changes(self) -> None:
        agent = AgentFactory(phone="+8613900000001")
        with pytest.raises(ValidationError) as info:
            services.agent_update(agent=agent, phone="110")
        assert "phone" in info.value.message_dict
        agent.refresh_from_db()
        assert agent.phone.as_e164 == "+8613900000001"

    def test_update_refuses_unknown_field(self) -> None:
        agent = AgentFactory()
        with pytest.raises(ApplicationError):
            services.agent_update(agent=agent, pk=99)

    def test_publish_unpublish_are_idempotent_and_audited(self) -> None:
        agent = AgentFactory(is_published=False)
        services.agent_publish(agent=agent)
        services.agent_publish(agent=agent)
        agent.refresh_from_db()
        assert agent.is_published
        assert _audits("agent_publish") == 1
        services.agent_unpublish(agent=agent)
        agent.refresh_from_db()
        assert not agent.is_published
        assert _audits("agent_unpublish") == 1


class TestABGang:
    def test_set_away_and_back(self) -> None:
        agent = AgentFactory()
        until = timezone.localdate() + dt.timedelta(days=10)
        services.agent_set_away(agent=agent, away=True, until=until)
        agent.refresh_from_db()
        assert agent.is_away and agent.away_until == until
        services.agent_set_away(agent=agent, away=False)
        agent.refresh_from_db()
        assert not agent.is_away and agent.away_until is None
        assert _audits("agent_set_away") == 2

    def test_backup_cannot_be_self(self) -> None:
        agent = AgentFactory()
        with pytest.raises(ValidationError) as info:
            services.agent_set_backup(agent=agent, backup=agent)
        assert "backup" in info.value.message_dict

    def test_set_and_clear_backup(self) -> None:
        agent, other = AgentFactory(), AgentFactory()
        services.agent_set_backup(agent=agent, backup=other)
        agent.refresh_from_db()
        assert agent.backup == other
        services.agent_set_backup(agent=agent, backup=None)
        agent.refresh_from_db()
        assert agent.backup is None
        assert _audits("agent_set_backup") == 2


class TestDuty:
    def test_duty_shift_set_replaces_the_days_rota(self) -> None:
        station = StationFactory()
        a, b = AgentFactory(sites=[station]), AgentFactory(sites=[station])
        day = dt.date(2026, 11, 27)
        services.duty_shift_set(site=station, date=day, agents=[a])
        services.duty_shift_set(site=station, date=day, agents=[b], note="上午")
        shifts = list(DutyShift.objects.filter(site=station, date=day))
        assert [s.agent for s in shifts] == [b]
        assert shifts[0].note == "上午"

    def test_center_staff_may_do_duty_at_child_station(self) -> None:
        station = StationFactory()
        staff = AgentFactory(kind=Agent.Kind.TOWN_STAFF, sites=[station.parent])
        services.duty_shift_set(site=station, date=dt.date(2026, 11, 27), agents=[staff])
        assert DutyShift.objects.filter(site=station, agent=staff).exists()

    def test_outsider_cannot_be_put_on_duty(self) -> None:
        station = StationFactory()
        outsider = AgentFactory(sites=[StationFactory()])
        with pytest.raises(ValidationError):
            services.duty_shift_set(site=station, date=dt.date(2026, 11, 27), agents=[outsider])
        assert not DutyShift.objects.exists()


class TestSitesAndMatters:
    def test_area_site_grid_create(self) -> None:
        district = services.area_create(code="370102", name="市中区", level=Area.Level.DISTRICT)
        town = services.area_create(
            code="370102001", name="大观园街道", level=Area.Level.TOWN, parent=district
        )
        center = services.site_create(
            code="C1", name="大观园街道便民服务中心", kind=Site.Kind.CENTER, area=town
        )
        station = services.site_create(
            code="S1", name="某社区便民服务站", kind=Site.Kind.STATION, area=town, parent=center, tier="basic"
        )
        grid = services.grid_create(code="G1", name="第一网格", site=station)
        assert grid.site == station and station.parent == center
        assert _audits("site_create") == 2 and _audits("area_create") == 2 and _audits("grid_create") == 1

    def test_site_parent_must_be_center(self) -> None:
        station = StationFactory()
        with pytest.raises(ValidationError) as info:
            services.site_create(
                code="S9", name="x", kind=Site.Kind.STATION, area=station.area, parent=station
            )
        assert "parent" in info.value.message_dict

    def test_duplicate_site_code_is_field_error(self) -> None:
        station = StationFactory()
        with pytest.raises(ValidationError) as info:
            services.site_create(code=station.code, name="x", kind=Site.Kind.STATION, area=station.area)
        assert "code" in info.value.message_dict

    def test_grid_only_on_station(self) -> None:
        with pytest.raises(ValidationError):
            services.grid_create(code="G2", name="x", site=CenterFactory())

    def test_site_update(self) -> None:
        station = StationFactory()
        services.site_update(site=station, hours="全天", policy_text="新制度")
        station.refresh_from_db()
        assert station.hours == "全天" and station.policy_text == "新制度"
        assert _audits("site_update") == 1
        with pytest.raises(ApplicationError):
            services.site_update(site=station, code="NEW")

    def test_site_matter_enable_disable(self) -> None:
        station, matter = StationFactory(), MatterFactory()
        services.site_matter_enable(site=station, matter=matter)
        services.site_matter_enable(site=station, matter=matter)
        assert SiteMatter.objects.filter(site=station, matter=matter).count() == 1
        assert _audits("site_matter_enable") == 1
        assert services.site_matter_disable(site=station, matter=matter) is True
        assert services.site_matter_disable(site=station, matter=matter) is False
        assert not SiteMatter.objects.exists()

    def test_matter_create_update(self) -> None:
        matter = services.matter_create(
            code="ZM01",
            name="居住证明",
            category="certificate",
            materials=[" 身份证 ", "", "户口簿"],
            time_limit_days=3,
        )
        assert matter.materials == ["身份证", "户口簿"]
        services.matter_update(matter=matter, time_limit_days=2, doorstep=False)
        matter.refresh_from_db()
        assert matter.time_limit_days == 2 and not matter.doorstep
        with pytest.raises(ValidationError) as info:
            services.matter_create(code="ZM02", name="x", category="nope")
        assert "category" in info.value.message_dict

    def test_area_factory_still_usable(self) -> None:
        assert AreaFactory().level == Area.Level.TOWN


def test_away_until_in_the_past_refused() -> None:
    agent = AgentFactory()
    with pytest.raises(ValidationError) as info:
        services.agent_set_away(agent=agent, away=True, until=dt.date(2000, 1, 1))
    assert "away_until" in info.value.message_dict
