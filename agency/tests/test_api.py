from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from agency import services
from agency.models import Agent, Matter, Site
from agency.tests.factories import (
    AgentFactory,
    AreaFactory,
    CenterFactory,
    MatterFactory,
    SiteMatterFactory,
    StationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# the contract's keys plus ``approved_tier`` (issue 26, an addition)
SITE_KEYS = {
    "code",
    "name",
    "kind",
    "tier",
    "approved_tier",
    "parent",
    "address",
    "phone",
    "hours",
    "lat",
    "lng",
}


class TestSites:
    def test_list_shape(self, api_client: APIClient) -> None:
        center = CenterFactory(code="C01", lat=Decimal("36.651200"), lng=Decimal("116.991200"))
        StationFactory(code="S01", parent=center)
        response = api_client.get("/api/v1/sites/")
        assert response.status_code == 200
        body = response.json()
        assert isinstance(body, list) and len(body) == 2
        assert all(set(row) == SITE_KEYS for row in body)
        by_code = {row["code"]: row for row in body}
        assert by_code["C01"]["kind"] == "center"
        assert by_code["C01"]["parent"] is None
        assert by_code["C01"]["lat"] == pytest.approx(36.6512)
        assert by_code["S01"] == {
            "code": "S01",
            "name": by_code["S01"]["name"],
            "kind": "station",
            "tier": "basic",
            "approved_tier": None,
            "parent": "C01",
            "address": "测试村委会",
            "phone": "0531-88881111",
            "hours": "周一至周五 8:30-17:30",
            "lat": None,
            "lng": None,
        }

    def test_partner_and_terminal_kinds_and_null_tier(self, api_client: APIClient) -> None:
        center = CenterFactory()
        area = AreaFactory()
        services.site_create(
            code="P01",
            name="某银行网点",
            kind=Site.Kind.PARTNER,
            partner_type="bank",
            area=area,
            parent=center,
        )
        services.site_create(code="T01", name="自助终端", kind=Site.Kind.TERMINAL, area=area, parent=center)
        body = {row["code"]: row for row in api_client.get("/api/v1/sites/").json()}
        assert body["P01"]["kind"] == "partner" and body["P01"]["tier"] is None
        assert body["T01"]["kind"] == "terminal"

    def test_list_query_count_constant(self, api_client: APIClient, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
        center = CenterFactory()
        StationFactory(parent=center)
        with django_assert_num_queries(1):
            api_client.get("/api/v1/sites/")
        for _ in range(8):
            StationFactory(parent=CenterFactory())
        with django_assert_num_queries(1):
            assert len(api_client.get("/api/v1/sites/").json()) == 18

    def test_detail_with_matters(self, api_client: APIClient) -> None:
        station = StationFactory()
        m1 = SiteMatterFactory(site=station).matter
        m2 = SiteMatterFactory(site=station).matter
        inactive = SiteMatterFactory(site=station, matter=MatterFactory(is_active=False)).matter
        body = api_client.get(f"/api/v1/sites/{station.code}/").json()
        assert set(body) == SITE_KEYS | {"matters"}
        assert sorted(body["matters"]) == sorted([m1.code, m2.code])
        assert inactive.code not in body["matters"]

    @pytest.mark.parametrize("suffix", ["", "roster/"])
    def test_unknown_code_404_message(self, api_client: APIClient, suffix: str) -> None:
        response = api_client.get(f"/api/v1/sites/NOPE/{suffix}")
        assert response.status_code == 404
        assert response.json() == {"message": "未找到该服务站点。", "extra": {"code": "NOPE"}}

    def test_odd_code_characters_are_404_not_500(self, api_client: APIClient) -> None:
        response = api_client.get("/api/v1/sites/%E2%80%AE%27%3B--/roster/")
        assert response.status_code == 404


class TestRoster:
    def test_roster_shape_and_phone_rules(self, api_client: APIClient) -> None:
        station = StationFactory(phone="0531-88881111", policy_text="首问负责制……")
        matter = MatterFactory()
        AgentFactory(
            name="赵一",
            kind=Agent.Kind.CADRE,
            phone="+8613800000001",
            work_phone="",
            publish_mobile_consent=True,
            sites=[station],
            scopes=[matter],
        )
        AgentFactory(
            name="钱二",
            phone="+8613800000002",
            work_phone="0531-66660000",
            publish_mobile_consent=False,
            sites=[station],
        )
        AgentFactory(
            name="孙三", phone="+8613800000003", work_phone="", publish_mobile_consent=False, sites=[station]
        )
        AgentFactory(name="李四", phone="+8613800000004", is_published=False, sites=[station])
        response = api_client.get(f"/api/v1/sites/{station.code}/roster/")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"site", "policy", "agents"}
        assert set(body["site"]) == SITE_KEYS
        assert body["site"]["code"] == station.code
        assert body["policy"] == "首问负责制……"
        agents = {a["name"]: a for a in body["agents"]}
        assert set(agents) == {"赵一", "钱二", "孙三"}
        assert all(set(a) == {"name", "role", "phone", "scopes"} for a in body["agents"])
        assert agents["赵一"] == {
            "name": "赵一",
            "role": "cadre",
            "phone": "+8613800000001",
            "scopes": [matter.code],
        }
        assert agents["钱二"]["phone"] == "0531-66660000"
        assert agents["孙三"]["phone"] == "0531-88881111"
        text = response.content.decode()
        for secret in ("13800000002", "13800000003", "13800000004"):
            assert secret not in text

    def test_roster_query_count_constant(self, api_client: APIClient, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
        station = StationFactory()
        matters = [MatterFactory() for _ in range(2)]
        SiteMatterFactory(site=station, matter=matters[0])
        AgentFactory(sites=[station], scopes=matters)
        url = f"/api/v1/sites/{station.code}/roster/"
        with django_assert_num_queries(4):
            api_client.get(url)
        for _ in range(6):
            AgentFactory(sites=[station], scopes=matters)
        with django_assert_num_queries(4):
            assert len(api_client.get(url).json()["agents"]) == 7


class TestMatters:
    def test_shape_and_chinese_category(self, api_client: APIClient) -> None:
        MatterFactory(
            code="YB01",
            name="医保参保登记",
            category=Matter.Category.MEDICAL_INSURANCE,
            materials=["身份证"],
            time_limit_days=3,
            doorstep=False,
        )
        MatterFactory(code="OFF", is_active=False)
        body = api_client.get("/api/v1/matters/").json()
        assert body == [
            {
                "code": "YB01",
                "name": "医保参保登记",
                "category": "医保",
                "materials": ["身份证"],
                "time_limit_days": 3,
                "doorstep": False,
            }
        ]

    def test_certificate_label(self, api_client: APIClient) -> None:
        MatterFactory(category=Matter.Category.CERTIFICATE)
        assert api_client.get("/api/v1/matters/").json()[0]["category"] == "证明出具"

    def test_query_count_constant(self, api_client: APIClient, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
        for _ in range(10):
            MatterFactory()
        with django_assert_num_queries(1):
            assert len(api_client.get("/api/v1/matters/").json()) == 10


class TestMe:
    def test_requires_auth(self, api_client: APIClient) -> None:
        assert api_client.get("/api/v1/me/").status_code in (401, 403)

    def test_staff_me(self, api_client: APIClient) -> None:
        station = StationFactory()
        user = UserFactory(username="staff", display_name="王芳")
        AgentFactory(kind=Agent.Kind.STATION_STAFF, user=user, sites=[station])
        api_client.force_authenticate(user)
        assert api_client.get("/api/v1/me/").json() == {
            "username": "staff",
            "display_name": "王芳",
            "role": "station_staff",
            "sites": [station.code],
        }

    def test_token_auth_and_admin(self, api_client: APIClient) -> None:
        station = StationFactory()
        UserFactory(username="admin", is_superuser=True, is_staff=True, display_name="")
        token = api_client.post(
            "/api/v1/auth/token/", {"username": "admin", "password": "pw-Test-12345"}
        ).json()
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
        body = api_client.get("/api/v1/me/").json()
        assert body["role"] == "district_admin"
        assert body["display_name"] == "admin"
        assert set(body["sites"]) == {station.code, station.parent.code}


def test_schema_describes_public_endpoints(api_client: APIClient) -> None:
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    import json

    schema = json.loads(response.content) if response["Content-Type"].startswith("application/json") else None
    if schema is None:
        import yaml

        schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    for p in (
        "/api/v1/sites/",
        "/api/v1/sites/{code}/",
        "/api/v1/sites/{code}/roster/",
        "/api/v1/matters/",
        "/api/v1/me/",
    ):
        assert p in paths
    roster = paths["/api/v1/sites/{code}/roster/"]["get"]["responses"]
    assert "200" in roster and "404" in roster


@pytest.mark.django_db
def test_sites_api_gives_the_approved_tier_beside_the_declared_one(client):
    """Issue 26: ``tier`` is the declared tier; ``approved_tier`` (a contract addition) the approved one."""
    from django.utils import timezone

    from standards.models import Assessment, SiteStanding

    declared = StationFactory(tier="basic")  # 渴马村: declared basic, approved below 基础型
    graded = StationFactory(tier="")
    never = StationFactory(tier="standard")
    for site, tier in ((declared, ""), (graded, "benchmark")):
        a = Assessment.objects.create(
            site=site, answers={}, status=Assessment.Status.APPROVED, submitted_at=timezone.now()
        )
        SiteStanding.objects.create(site=site, assessment=a, tier=tier, approved_at=timezone.now())
    rows = {r["code"]: r for r in client.get("/api/v1/sites/").json()}
    assert (rows[declared.code]["tier"], rows[declared.code]["approved_tier"]) == ("basic", "below_basic")
    assert (rows[graded.code]["tier"], rows[graded.code]["approved_tier"]) == (None, "benchmark")
    assert (rows[never.code]["tier"], rows[never.code]["approved_tier"]) == ("standard", None)
    detail = client.get(f"/api/v1/sites/{declared.code}/").json()
    assert detail["approved_tier"] == "below_basic"
    map_page = client.get("/map/").content.decode()
    card = map_page.split(f'id="site-{declared.code}"', 1)[1].split("</li>", 1)[0]
    assert "基础型" not in card  # public pages show the approved tier (none here), not the declared one
    card = map_page.split(f'id="site-{graded.code}"', 1)[1].split("</li>", 1)[0]
    assert "达标：标杆型" in card
