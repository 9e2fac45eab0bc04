"""Tier and gap computation at and just below every threshold of both tables (seeded policy rows)."""

from decimal import Decimal

import pytest

from standards.answers import answers_parse
from standards.demo import answers_for_tier
from standards.models import TIER_ORDER
from standards.tiers import Table, table_load, tier_evaluate

pytestmark = pytest.mark.django_db


def _eval(table: Table, raw: dict[str, list[str]]):
    return tier_evaluate(table, answers_parse(table, raw))


@pytest.fixture
def tables():
    return {"center": table_load("center"), "station": table_load("station")}


def _below(tier: str) -> str:
    index = TIER_ORDER.index(tier)
    return TIER_ORDER[index - 1] if index else ""


@pytest.mark.parametrize("kind", ["center", "station"])
@pytest.mark.parametrize("tier", TIER_ORDER)
def test_exactly_at_each_tier(tables, kind, tier):
    result = _eval(tables[kind], answers_for_tier(tables[kind], tier))
    assert result.met_tier == tier
    assert result.gaps_by_tier[tier] == []


@pytest.mark.parametrize(
    ("kind", "key", "step", "unit", "label"),
    [
        ("center", "area", "0.1", "㎡", "面积"),
        ("station", "area", "0.1", "㎡", "面积"),
        ("station", "seats", "1", "个", "窗口（坐席）"),
    ],
)
@pytest.mark.parametrize("tier", TIER_ORDER)
def test_numbers_just_below_each_threshold(tables, kind, key, step, unit, label, tier):
    table = tables[kind]
    raw = answers_for_tier(table, tier)
    need = Decimal(raw[f"{key}-value"][0])
    raw[f"{key}-value"] = [str(need - Decimal(step))]
    result = _eval(table, raw)
    assert result.met_tier == _below(tier)
    assert f"{label}差 {step}{unit}" in result.gaps_by_tier[tier]
    assert result.gaps_by_tier[tier] == [f"{label}差 {step}{unit}"]


@pytest.mark.parametrize("kind", ["center", "station"])
@pytest.mark.parametrize("tier", TIER_ORDER)
def test_every_list_item_is_required(tables, kind, tier):
    """Drop each required item in turn: the tier is lost and the gap names exactly that item."""
    table = tables[kind]
    for row in table.rows:
        cell = row.cells[tier]
        for item in cell.items:
            raw = answers_for_tier(table, tier)
            raw[f"{row.key}-items"] = [i for i in raw[f"{row.key}-items"] if i != item]
            result = _eval(table, raw)
            assert result.met_tier != tier, (row.key, item)
            assert result.gaps_by_tier[tier] == [f"{row.name}缺：{item}"], (row.key, item)


def test_gap_to_next_lists_shortfalls_and_missing_items(tables):
    table = tables["center"]
    raw = answers_for_tier(table, "standard")
    raw["area-value"] = ["260"]
    result = _eval(table, raw)
    assert result.met_tier == "standard" and result.next_tier == "benchmark"
    assert "面积差 40㎡" in result.gaps
    assert "办公设备缺：排队叫号机、电子显示屏" in result.gaps
    assert "人员配备缺：副主任" in result.gaps
    assert "专职窗口工作人员差 2人" in result.gaps


def _center(tables, tier, **staffing):
    table = tables["center"]
    raw = answers_for_tier(table, tier)
    for name, value in staffing.items():
        raw[f"staffing-{name}"] = value
    return _eval(table, raw)


def test_center_staffing_rows(tables):
    # 基础型: 6 专（兼）职 — part-time staff count
    assert _center(tables, "basic", full_time=["0"], part_time=["6"]).met_tier == "basic"
    below = _center(tables, "basic", full_time=["2"], part_time=["3"])
    assert below.met_tier == "" and below.gaps_by_tier["basic"] == ["专（兼）职窗口工作人员差 1人"]
    assert _center(tables, "basic", leaders=[]).gaps_by_tier["basic"] == ["人员配备缺：主任"]
    # 标准型: 8 专职 — part-time staff do not count; establishment defined
    part = _center(tables, "standard", full_time=["7"], part_time=["5"])
    assert part.met_tier == "basic" and part.gaps_by_tier["standard"] == ["专职窗口工作人员差 1人"]
    no_est = _center(tables, "standard", establishment_defined=[""])
    assert no_est.met_tier == "basic" and no_est.gaps_by_tier["standard"] == ["未明确机构、人员、编制"]
    # 标杆型: 主任 and 副主任, 10 专职
    no_deputy = _center(tables, "benchmark", leaders=["主任"])
    assert no_deputy.met_tier == "standard" and no_deputy.gaps == ["人员配备缺：副主任"]
    nine = _center(tables, "benchmark", full_time=["9"])
    assert nine.met_tier == "standard" and nine.gaps == ["专职窗口工作人员差 1人"]


def _station(tables, tier, **staffing):
    table = tables["station"]
    raw = answers_for_tier(table, tier)
    for name, value in staffing.items():
        raw[f"staffing-{name}"] = value
    return _eval(table, raw)


def test_station_staffing_rows(tables):
    assert _station(tables, "basic", full_time=["0"], part_time=["1"]).met_tier == "basic"
    none = _station(tables, "basic", full_time=["0"], part_time=["0"])
    assert none.met_tier == "" and none.gaps_by_tier["basic"] == ["兼职工作人员差 1人"]
    # a full-time worker may fill the part-time slot
    assert _station(tables, "basic", full_time=["1"], part_time=["0"]).met_tier == "basic"
    # 弹性坐班制 is enough for 基础型; no attendance at all is not
    flexible = _station(tables, "basic", attendance=[""])
    assert flexible.met_tier == "" and flexible.gaps_by_tier["basic"] == ["未实行弹性坐班制"]
    # 标准型: 1 专职 + 1 兼职, 坐班制
    short_part = _station(tables, "standard", full_time=["1"], part_time=["0"])
    assert short_part.met_tier == "basic" and short_part.gaps == ["兼职工作人员差 1人"]
    short_full = _station(tables, "standard", full_time=["0"], part_time=["2"])
    assert short_full.met_tier == "basic" and short_full.gaps == ["专职工作人员差 1人"]
    flex = _station(tables, "standard", attendance=["弹性坐班制"])
    assert flex.met_tier == "basic" and flex.gaps == ["未实行坐班制"]
    # 标杆型: 2 专职, a 两委 cadre in charge
    one = _station(tables, "benchmark", full_time=["1"], part_time=["5"])
    assert one.met_tier == "standard" and one.gaps == ["专职工作人员差 1人"]
    no_cadre = _station(tables, "benchmark", cadre_in_charge=[""])
    assert no_cadre.met_tier == "standard" and no_cadre.gaps == ["未明确1名两委干部负责"]


def test_encouraged_and_conditional_rows_never_block(tables):
    center, station = tables["center"], tables["station"]
    raw = answers_for_tier(center, "basic")
    assert "相关联业务推行综合一窗受理" not in raw["windows-items"]  # the encouraged practice is not ticked
    assert _eval(center, raw).met_tier == "basic"
    raw = answers_for_tier(center, "benchmark")
    assert "上级部门窗口前移服务事项" not in raw["matters-items"]
    assert _eval(center, raw).met_tier == "benchmark"
    raw = answers_for_tier(station, "standard")
    assert "seats-items" not in raw  # 鼓励开展会客厅式服务
    assert _eval(station, raw).met_tier == "standard"
    # ... but at 标杆型 the 会客厅式服务 is required
    raw = answers_for_tier(station, "benchmark")
    raw["seats-items"] = []
    result = _eval(station, raw)
    assert result.met_tier == "standard" and result.gaps == ["窗口（坐席）数量缺：开展会客厅式服务"]
    # the required practice at center 标准型 blocks too
    raw = answers_for_tier(center, "standard")
    raw["windows-items"] = [i for i in raw["windows-items"] if "一链办理" not in i]
    assert _eval(center, raw).gaps_by_tier["standard"] == ["窗口设置缺：相关联业务推行综合一窗受理、一链办理"]


def test_equivalent_items(tables):
    station = tables["station"]
    raw = answers_for_tier(station, "standard")
    raw["equipment-items"] = [i for i in raw["equipment-items"] if i != "身份证读取器"] + [
        "（电子）证照读取器"
    ]
    assert _eval(station, raw).met_tier == "standard"
    center = tables["center"]
    raw = answers_for_tier(center, "standard")
    raw["windows-items"] = [i for i in raw["windows-items"] if "一链办理" not in i] + ["全面推行一窗综合受理"]
    assert _eval(center, raw).met_tier == "standard"


def test_tiers_are_read_as_full_lists(tables):
    """附件1 row 10: 考勤制度 (标准型) without 基础型's 考核管理制度 still meets 标准型."""
    center = tables["center"]
    raw = answers_for_tier(center, "standard", cumulative=False)
    assert "考核管理制度" not in raw["rules-items"]
    result = _eval(center, raw)
    assert result.met_tier == "standard"
    assert result.gaps_by_tier["basic"] == ["服务制度缺：考核管理制度"]


def test_empty_assessment_is_below_basic_with_every_gap(tables):
    result = _eval(tables["station"], {})
    assert result.met_tier == "" and result.next_tier == "basic"
    assert "面积差 20㎡" in result.gaps
    assert "事项清单缺：证明出具、代缴收费、社会救助、证件代办" in result.gaps


def test_numbers_are_stored_as_plain_digits(tables):
    table = tables["station"]
    assert answers_parse(table, {"area-value": ["50"]})["area"]["value"] == "50"
    assert answers_parse(table, {"area-value": ["50.00"]})["area"]["value"] == "50"
    assert answers_parse(table, {"area-value": ["45.55"]})["area"]["value"] in ("45.6", "45.5")
    assert answers_parse(table, {"area-value": ["1,200"]})["area"]["value"] == "1200"
