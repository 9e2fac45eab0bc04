"""Tier computation against the seeded standard tables: sites just above and just below every threshold."""

from decimal import Decimal

import pytest

from agency.models import Agent, Site, SiteMatter
from agency.standards import (
    can_edit_profile,
    site_profile_update,
    site_tier_compute,
    sites_in_standards_scope,
    standards_report,
)
from agency.standards_models import TIER_ORDER, SiteProfile, SiteProfileChange, StandardCriterion
from agency.tests.factories import (
    AgentFactory,
    CenterFactory,
    MatterFactory,
    StationFactory,
    UserFactory,
)
from core.models import AuditLog

pytestmark = pytest.mark.django_db

NUMERIC = {"area": "area_m2", "windows": "windows", "seats": "seats", "staffing": "staffing"}
LISTS = ("zones", "equipment", "facilities", "network", "rules")


def _requirements(site_kind: str, tier: str) -> dict:
    """Everything a site of ``site_kind`` needs for ``tier`` (cumulative), read from the seeded rows."""
    need: dict = {
        "signage": False,
        "matters": 0,
        **dict.fromkeys(NUMERIC.values(), 0),
        **{k: [] for k in LISTS},
    }
    upto = TIER_ORDER[: TIER_ORDER.index(tier) + 1]
    for row in StandardCriterion.objects.filter(site_kind=site_kind, tier__in=upto, is_active=True):
        if row.key == "signage":
            need["signage"] = True
        elif row.key == "matters":
            need["matters"] = max(need["matters"], int(row.min_value))
        elif row.key in NUMERIC:
            need[NUMERIC[row.key]] = max(need[NUMERIC[row.key]], row.min_value)
        else:
            need[row.key] += [i for i in row.required_items if i not in need[row.key]]
    return need


def _make_site(kind: str, need: dict) -> Site:
    site = CenterFactory() if kind == "center" else StationFactory()
    SiteProfile.objects.create(
        site=site,
        area_m2=need["area_m2"],
        has_unified_signage=need["signage"],
        windows=need["windows"],
        seats=need["seats"],
        staffing=need["staffing"],
        **{k: list(need[k]) for k in LISTS},
    )
    SiteMatter.objects.bulk_create(
        [SiteMatter(site=site, matter=MatterFactory()) for _ in range(need["matters"])]
    )
    return site


def test_both_tables_are_seeded_tier_by_tier():
    center_keys = set(StandardCriterion.objects.filter(site_kind="center").values_list("key", flat=True))
    station_keys = set(StandardCriterion.objects.filter(site_kind="station").values_list("key", flat=True))
    assert center_keys == {
        "area",
        "signage",
        "zones",
        "windows",
        "staffing",
        "equipment",
        "facilities",
        "matters",
        "network",
        "rules",
    }
    assert station_keys == {
        "area",
        "zones",
        "seats",
        "staffing",
        "rules",
        "network",
        "equipment",
        "facilities",
        "matters",
    }
    for kind, keys in (("center", center_keys), ("station", station_keys)):
        for tier in TIER_ORDER:
            assert StandardCriterion.objects.filter(site_kind=kind, tier=tier).count() == len(keys)
    village_area = dict(
        StandardCriterion.objects.filter(site_kind="station", key="area").values_list("tier", "min_value")
    )
    assert village_area == {"basic": Decimal(30), "standard": Decimal(60), "benchmark": Decimal(100)}


def test_village_station_area_just_above_and_below_basic():
    need = _requirements("station", "basic")
    at = _make_site("station", need)
    assert site_tier_compute(site=at).met_tier == "basic"
    below = _make_site("station", {**need, "area_m2": Decimal("29.9")})
    result = site_tier_compute(site=below)
    assert result.met_tier == ""
    assert result.next_tier == "basic"
    assert result.gaps_to_next == ["场所面积：现有 29.9㎡，需达到 30㎡"]


@pytest.mark.parametrize("kind", ["center", "station"])
@pytest.mark.parametrize("tier", TIER_ORDER)
def test_every_criterion_just_met_and_just_missed(kind, tier):
    """Each criterion of ``tier``: exactly at the threshold meets the tier; one step short drops below it."""
    need = _requirements(kind, tier)
    exact = _make_site(kind, need)
    assert site_tier_compute(site=exact).met_tier == tier
    previous = TIER_ORDER[TIER_ORDER.index(tier) - 1] if tier != "basic" else ""
    rows = list(StandardCriterion.objects.filter(site_kind=kind, tier=tier))
    assert rows
    for row in rows:
        short = dict(need)
        if row.key in NUMERIC:
            short[NUMERIC[row.key]] = row.min_value - (Decimal("0.1") if row.key == "area" else 1)
        elif row.key == "matters":
            short["matters"] = int(row.min_value) - 1
        elif row.key == "signage":
            short["signage"] = False
        else:
            short[row.key] = [i for i in need[row.key] if i != row.required_items[-1]]
        site = _make_site(kind, short)
        result = site_tier_compute(site=site)
        label = StandardCriterion.Key(row.key).label
        # Signage is one yes/no required by every tier: without it not even basic is met.
        expected, expected_next = (previous, tier) if row.key != "signage" else ("", "basic")
        assert result.met_tier == expected, (kind, tier, row.key)
        assert result.next_tier == expected_next
        assert len(result.gaps_to_next) == 1, result.gaps_to_next
        assert result.gaps_to_next[0].startswith(f"{label}：")


def test_gaps_list_every_unmet_criterion_of_the_next_tier():
    need = _requirements("center", "basic")
    site = _make_site("center", need)
    result = site_tier_compute(site=site)
    assert result.met_tier == "basic"
    assert result.next_tier == "standard"
    # every standard-tier row except signage (already there since basic) is a gap
    standard_keys = StandardCriterion.objects.filter(site_kind="center", tier="standard").exclude(
        key="signage"
    )
    assert len(result.gaps_to_next) == standard_keys.count() == 9
    assert "服务窗口：现有 3个，需达到 6个" in result.gaps_to_next
    assert "设备配置：缺少身份证读卡器、排队叫号机、评价器" in result.gaps_to_next


def test_benchmark_site_has_no_gaps_and_partner_is_not_rated():
    site = _make_site("station", _requirements("station", "benchmark"))
    result = site_tier_compute(site=site)
    assert (result.met_tier, result.next_tier, result.gaps_to_next) == ("benchmark", "", [])
    partner = StationFactory(kind=Site.Kind.PARTNER)
    assert site_tier_compute(site=partner).met_tier == ""


def test_inactive_matters_do_not_count():
    need = _requirements("station", "basic")
    site = _make_site("station", need)
    one = SiteMatter.objects.filter(site=site).first().matter
    one.is_active = False
    one.save()
    result = site_tier_compute(site=site)
    assert result.met_tier == ""
    assert result.gaps_to_next == [f"事项数量：现有 {need['matters'] - 1}项，需达到 {need['matters']}项"]


def test_site_without_profile_is_below_basic():
    result = site_tier_compute(site=StationFactory())
    assert result.met_tier == ""
    assert any(g.startswith("场所面积") for g in result.gaps_to_next)


# --- scope, report, history ---------------------------------------------------------------------------


@pytest.fixture
def two_towns():
    c1, c2 = CenterFactory(), CenterFactory()
    s1, s2 = StationFactory(parent=c1), StationFactory(parent=c2)
    town = AgentFactory(kind=Agent.Kind.TOWN_STAFF, sites=[c1])
    station = AgentFactory(kind=Agent.Kind.STATION_STAFF, sites=[s1])
    grid = AgentFactory(kind=Agent.Kind.GRID_WORKER, sites=[s1])
    admin = UserFactory(is_superuser=True, is_staff=True)
    return {
        "c1": c1,
        "c2": c2,
        "s1": s1,
        "s2": s2,
        "town": town,
        "station": station,
        "grid": grid,
        "admin": admin,
    }


def test_scope_by_role(two_towns):
    t = two_towns
    assert set(sites_in_standards_scope(t["town"].user)) == {t["c1"], t["s1"]}
    assert set(sites_in_standards_scope(t["station"].user)) == {t["s1"]}
    assert list(sites_in_standards_scope(t["grid"].user)) == []
    assert {t["c1"], t["c2"], t["s1"], t["s2"]} <= set(sites_in_standards_scope(t["admin"]))
    assert can_edit_profile(t["town"].user, t["s1"])
    assert not can_edit_profile(t["town"].user, t["s2"])
    assert not can_edit_profile(t["station"].user, t["s1"])


def test_report_shows_declared_vs_met_with_constant_queries(two_towns, django_assert_max_num_queries):
    t = two_towns
    site_profile_update(actor=t["town"].user, site=t["s1"], area_m2="45", seats=1, staffing=1)
    with django_assert_max_num_queries(6):
        rows = standards_report(user=t["town"].user)
    by_code = {r.site.code: r for r in rows}
    assert set(by_code) == {t["c1"].code, t["s1"].code}
    row = by_code[t["s1"].code]
    assert row.declared_tier == "basic"
    assert row.result.met_tier == ""
    assert not row.matches
    assert not any(g.startswith("场所面积") for g in row.result.gaps_to_next)
    for _ in range(5):
        StationFactory(parent=t["c1"])
    with django_assert_max_num_queries(6):
        assert len(standards_report(user=t["town"].user)) == 7


def test_profile_update_records_history_of_changed_fields_only(two_towns):
    t = two_towns
    user = t["town"].user
    site_profile_update(
        actor=user, site=t["s1"], area_m2="45.5", zones="办事服务区、休息等候区", note="初次登记"
    )
    site_profile_update(actor=user, site=t["s1"], area_m2="45.5", zones=["办事服务区", "休息等候区"])
    site_profile_update(actor=user, site=t["s1"], area_m2="61", zones=["办事服务区", "休息等候区"])
    changes = list(SiteProfileChange.objects.filter(profile__site=t["s1"]).order_by("at", "id"))
    assert len(changes) == 2
    assert changes[0].changes == {"area_m2": ["0", "45.5"], "zones": [[], ["办事服务区", "休息等候区"]]}
    assert changes[0].note == "初次登记"
    assert changes[1].changes == {"area_m2": ["45.5", "61"]}
    assert changes[1].actor == user
    assert AuditLog.objects.filter(action="site_profile_update", target_id=t["s1"].code).count() == 2


def test_profile_update_refuses_other_towns_station_staff_and_bad_input(two_towns):
    from core.exceptions import ApplicationError

    t = two_towns
    with pytest.raises(ApplicationError) as err:
        site_profile_update(actor=t["town"].user, site=t["s2"], area_m2=50)
    assert err.value.status == 403
    with pytest.raises(ApplicationError) as err:
        site_profile_update(actor=t["station"].user, site=t["s1"], area_m2=50)
    assert err.value.status == 403
    with pytest.raises(ApplicationError) as err:
        site_profile_update(actor=t["town"].user, site=t["s1"], area_m2="abc")
    assert err.value.status == 400
    with pytest.raises(ApplicationError) as err:
        site_profile_update(actor=t["town"].user, site=t["s1"], windows=-1)
    assert err.value.status == 400
    assert not SiteProfileChange.objects.exists()


def test_demo_seed_meets_declared_tier_except_every_third():
    from agency.standards import standards_demo_seed

    stations = [StationFactory(tier="basic") for _ in range(3)]
    for station in stations:
        SiteMatter.objects.bulk_create([SiteMatter(site=station, matter=MatterFactory()) for _ in range(10)])
    made = standards_demo_seed()
    assert made >= 3
    assert standards_demo_seed() == 0  # idempotent
    met = [site_tier_compute(site=s).met_tier for s in stations]
    assert met.count("basic") >= 2
