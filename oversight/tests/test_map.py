"""The public service map: hours parsing, open-now, nearest ordering, filters, duty agents, no-JS page."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.urls import reverse

from agency.models import Agent, DutyShift, Site
from agency.tests.factories import (
    AgentFactory,
    CenterFactory,
    MatterFactory,
    SiteMatterFactory,
    StationFactory,
)
from oversight.map_selectors import MapQuery, distance_km, hours_parse, is_open_at, map_entries

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


# 2026-11-27 is a Friday, 2026-11-28 a Saturday; 2026-10-01 is National Day (a Thursday holiday).
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("hours", "when", "expected"),
    [
        ("周一至周五 8:30-17:30", at(2026, 11, 27, 8, 29), False),
        ("周一至周五 8:30-17:30", at(2026, 11, 27, 8, 30), True),
        ("周一至周五 8:30-17:30", at(2026, 11, 27, 17, 29), True),
        ("周一至周五 8:30-17:30", at(2026, 11, 27, 17, 30), False),
        ("周一至周五 8:30-17:30", at(2026, 11, 28, 10, 0), False),
        ("周一至周五 8:30-17:30", at(2026, 10, 1, 10, 0), False),  # holiday: closed
        ("工作日 上午8:30-12:00 下午1:30-5:30", at(2026, 11, 27, 12, 30), False),
        ("工作日 上午8:30-12:00 下午1:30-5:30", at(2026, 11, 27, 14, 0), True),
        ("工作日 上午8:30-12:00 下午1:30-5:30", at(2026, 11, 27, 17, 29), True),
        ("周一至周五 9:00-17:00；周六 9:00-12:00", at(2026, 11, 28, 11, 0), True),
        ("周一至周五 9:00-17:00；周六 9:00-12:00", at(2026, 11, 28, 13, 0), False),
        ("每天 8:00-20:00", at(2026, 11, 29, 19, 59), True),
        ("24小时", at(2026, 11, 29, 3, 0), True),
        ("请电话预约", at(2026, 11, 27, 10, 0), None),
        ("", at(2026, 11, 27, 10, 0), None),
    ],
)
def test_open_now(hours, when, expected):
    assert is_open_at(hours, when) is expected


def test_hours_parse_shapes():
    rules = hours_parse("周一至周五 8:30-17:30")
    assert rules is not None and len(rules) == 1
    assert rules[0].spans == ((510, 1050),)
    assert rules[0].workdays_only
    weekend = hours_parse("周六至周日 9:00-12:00")
    assert weekend[0].days == frozenset({5, 6}) and not weekend[0].workdays_only
    assert hours_parse("随时") is None


def test_distance_km():
    # One degree of latitude is about 111.2 km.
    assert distance_km(36.0, 117.0, 37.0, 117.0) == pytest.approx(111.2, abs=0.2)
    assert distance_km(36.0, 117.0, 36.0, 117.0) == 0


@pytest.fixture
def network(db):
    center = CenterFactory(name="东镇便民服务中心", lat=Decimal("36.650000"), lng=Decimal("117.000000"))
    near = StationFactory(
        name="东村便民服务站", parent=center, lat=Decimal("36.660000"), lng=Decimal("117.010000")
    )
    far = StationFactory(
        name="西村便民服务站", parent=center, lat=Decimal("36.900000"), lng=Decimal("117.300000")
    )
    nowhere = StationFactory(name="北村便民服务站", parent=center, lat=None, lng=None)
    bank = StationFactory(
        name="农商银行合作网点",
        kind=Site.Kind.PARTNER,
        partner_type=Site.PartnerType.BANK,
        parent=center,
        lat=Decimal("36.700000"),
        lng=Decimal("117.050000"),
        tier="",
    )
    terminal = StationFactory(
        name="自助服务终端",
        kind=Site.Kind.TERMINAL,
        parent=center,
        tier="",
        capabilities="社保查询、医保缴费",
        lat=None,
        lng=None,
    )
    matter = MatterFactory(name="低保申请")
    SiteMatterFactory(site=far, matter=matter)
    SiteMatterFactory(site=center, matter=matter)
    return {
        "center": center,
        "near": near,
        "far": far,
        "nowhere": nowhere,
        "bank": bank,
        "terminal": terminal,
        "matter": matter,
    }


def test_nearest_first_from_coordinates(network):
    entries = map_entries(MapQuery(lat=36.905, lng=117.305))
    codes = [e.site.code for e in entries]
    assert codes[0] == network["far"].code
    # sites without coordinates last
    assert set(codes[-2:]) == {network["nowhere"].code, network["terminal"].code}
    assert entries[0].distance_km < entries[1].distance_km
    assert entries[0].distance_label.endswith("米")


def test_typed_village_name_orders_from_that_village(network):
    query = MapQuery(place="东村")
    entries = map_entries(query)
    assert query.origin_label == "东村便民服务站"
    assert entries[0].site == network["near"]
    assert entries[0].distance_km == 0
    unknown = MapQuery(place="不存在的村")
    map_entries(unknown)
    assert unknown.place_not_found


def test_filter_by_matter(network):
    entries = map_entries(MapQuery(matter=network["matter"].code))
    assert {e.site for e in entries} == {network["far"], network["center"]}
    assert [m.name for m in entries[0].matters] == ["低保申请"]


def test_agents_on_duty_today_with_public_phone(network, django_assert_max_num_queries):
    now = dt.datetime(2026, 11, 27, 10, 0, tzinfo=TZ)
    published = AgentFactory(
        kind=Agent.Kind.CADRE, name="张三", work_phone="0531-1234567", sites=[network["near"]]
    )
    consent = AgentFactory(
        kind=Agent.Kind.CADRE,
        name="李四",
        phone="+8613900001111",
        publish_mobile_consent=True,
        sites=[network["near"]],
    )
    yesterday = AgentFactory(kind=Agent.Kind.CADRE, name="王五", sites=[network["near"]])
    DutyShift.objects.create(site=network["near"], date=now.date(), agent=published)
    DutyShift.objects.create(site=network["near"], date=now.date(), agent=consent)
    DutyShift.objects.create(site=network["near"], date=now.date() - dt.timedelta(days=1), agent=yesterday)
    with django_assert_max_num_queries(4):
        entries = {e.site.code: e for e in map_entries(MapQuery(), now=now)}
    duty = {(a.name, a.phone) for a in entries[network["near"].code].on_duty}
    assert duty == {("张三", "0531-1234567"), ("李四", "+8613900001111")}
    assert entries[network["near"].code].open_now is True  # factory hours 周一至周五 8:30-17:30


def test_query_count_does_not_grow_with_sites(network, django_assert_max_num_queries):
    for _ in range(10):
        st = StationFactory(parent=network["center"])
        SiteMatterFactory(site=st)
    with django_assert_max_num_queries(4):
        assert len(map_entries(MapQuery())) == 16


@override_settings(MAP_TILE_URL="")
def test_page_without_tiles_is_a_full_list(client, network):
    resp = client.get(reverse("service-map"), {"place": "东村"})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "东村便民服务站" in html and "自助服务终端" in html
    assert "leaflet.js" not in html and 'id="service-map"' not in html
    assert "geo:36.66,117.01?q=36.66,117.01" in html
    assert "uri.amap.com/marker?position=117.01,36.66" in html
    assert "api.map.baidu.com/marker?location=36.66,117.01" in html
    assert "0531-88881111" in html
    assert "社保查询、医保缴费" in html
    assert "按距离“东村便民服务站”由近到远排列" in html
    # bad coordinates are ignored, never a 500
    assert client.get(reverse("service-map"), {"lat": "abc", "lng": "999"}).status_code == 200


@override_settings(MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png")
def test_page_with_tiles_loads_local_leaflet_and_markers(client, network):
    resp = client.get(reverse("service-map"), {"lat": "36.65", "lng": "117.0"})
    html = resp.content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert 'id="map-markers"' in html and network["near"].code in html
    assert "按距离“我的位置”由近到远排列" in html
    # no CDN anywhere
    assert "unpkg" not in html and "cdn" not in html.lower()


@override_settings(MAP_TILE_URL="")
def test_typed_place_wins_over_old_coordinates(client, network):
    resp = client.get(reverse("service-map"), {"place": "东村", "lat": "36.9", "lng": "117.3"})
    assert resp.context["entries"][0].site == network["near"]
    assert resp.context["query"].origin_label == "东村便民服务站"
