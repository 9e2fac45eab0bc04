"""The shipped tables equal the policy's transcription, the database rows equal the shipped tables, and the
figures are the ones the attachments write (附件1 centers, 附件2 stations)."""

import importlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from standards.models import StandardCriterion
from standards.policy import DATA_FILE, policy_cells, policy_data

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# ``../shared/station-standards.json`` next to the checkout (a worktree sits one level deeper)
SHARED = (
    next(
        (
            p
            for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared")
            if (p / "station-standards.json").exists()
        ),
        ROOT.parent / "shared",
    )
    / "station-standards.json"
)
B, S, K = "basic", "standard", "benchmark"


def _row(kind: str, tier: str, key: str) -> StandardCriterion:
    return StandardCriterion.objects.get(site_kind=kind, tier=tier, key=key, is_active=True)


def _mins(kind: str, key: str) -> dict[str, Decimal | None]:
    return {t: _row(kind, t, key).min_value for t in (B, S, K)}


def test_shipped_copy_equals_the_shared_transcription():
    if (
        not SHARED.exists()
    ):  # the shared file exists only in the team's workspace; the shipped copy is the data
        assert DATA_FILE.exists()
        return
    assert json.loads(DATA_FILE.read_text("utf-8")) == json.loads(SHARED.read_text("utf-8"))
    assert policy_data() == json.loads(SHARED.read_text("utf-8"))


def test_database_rows_equal_the_shipped_tables():
    cells = policy_cells()
    assert len(cells) == (10 + 9) * 3
    for cell in cells:
        row = _row(cell["site_kind"], cell["tier"], cell["key"])
        assert row.own_value() == cell["policy"], cell["source"]
        assert row.policy == cell["policy"]
        assert not row.is_revised
        assert row.name == cell["name"] and row.source == cell["source"]
    assert StandardCriterion.objects.filter(is_active=True).count() == len(cells)


def test_center_figures_as_written():
    assert _mins("center", "area") == {B: 100, S: 200, K: 300}
    assert _mins("center", "staffing") == {B: 6, S: 8, K: 10}
    kinds = {t: _row("center", t, "staffing").spec["window_staff_kind"] for t in (B, S, K)}
    assert kinds == {B: "专（兼）职", S: "专职", K: "专职"}
    leaders = {t: _row("center", t, "staffing").spec["leaders"] for t in (B, S, K)}
    assert leaders == {B: ["主任"], S: ["主任"], K: ["主任", "副主任"]}
    defined = {t: _row("center", t, "staffing").spec["establishment_defined"] for t in (B, S, K)}
    assert defined == {B: False, S: True, K: True}
    assert _row("center", B, "signage").required_items == ["门牌"]
    assert len(_row("center", K, "signage").required_items) == 7
    assert _row("center", K, "equipment").required_items[-2:] == ["排队叫号机", "电子显示屏"]
    assert "自助服务终端" not in _row("center", B, "equipment").required_items
    assert len(_row("center", B, "windows").required_items) == 7
    assert _row("center", K, "windows").required_items[-3:] == ["跨域通办窗口", "兜底服务窗口", "潮汐窗口"]
    assert _row("center", K, "facilities").required_items[-3:] == ["母婴室", "无障碍设施", "固定停车位"]
    # 附件1 row 10 as written: 考核管理制度 at 基础型, 考勤制度 from 标准型
    assert "考核管理制度" in _row("center", B, "rules").required_items
    assert "考勤制度" in _row("center", S, "rules").required_items
    assert "考核管理制度" not in _row("center", K, "rules").required_items
    assert len(_row("center", K, "rules").required_items) == 14
    # encouraged / conditional cells
    windows = {t: _row("center", t, "windows").spec for t in (B, S, K)}
    assert windows[B] == {"practice": "鼓励相关联业务推行综合一窗受理", "practice_required": False}
    assert windows[S] == {"practice": "相关联业务推行综合一窗受理、一链办理", "practice_required": True}
    assert windows[K] == {"practice": "全面推行一窗综合受理", "practice_required": True}
    assert _row("center", K, "matters").spec == {"optional_items": ["上级部门窗口前移服务事项"]}
    assert "上级部门窗口前移服务事项" not in _row("center", K, "matters").required_items


def test_station_figures_as_written():
    assert _mins("station", "area") == {B: 20, S: 50, K: 100}
    assert _mins("station", "seats") == {B: 1, S: 2, K: 3}
    staffing = {t: _row("station", t, "staffing").spec for t in (B, S, K)}
    assert {t: (s["min_full_time"], s["min_part_time"]) for t, s in staffing.items()} == {
        B: (0, 1),
        S: (1, 1),
        K: (2, 0),
    }
    assert {t: s["committee_cadre_in_charge"] for t, s in staffing.items()} == {B: False, S: False, K: True}
    assert {t: s["attendance"] for t, s in staffing.items()} == {B: "弹性坐班制", S: "坐班制", K: "坐班制"}
    assert _row("station", B, "zones").required_items == ["业务办理区", "休息等待区"]
    assert _row("station", B, "network").required_items == ["互联网"]
    assert _row("station", K, "network").required_items == ["互联网", "电子政务外网", "高频事项业务专网"]
    assert "身份证读取器" in _row("station", S, "equipment").required_items
    assert "（电子）证照读取器" in _row("station", K, "equipment").required_items
    assert "身份证读取器" not in _row("station", K, "equipment").required_items
    assert _row("station", K, "facilities").required_items[-1] == "“好差评”评价器"
    assert _row("station", B, "matters").required_items == ["证明出具", "代缴收费", "社会救助", "证件代办"]
    assert _row("station", K, "matters").required_items[-2:] == ["社会事务", "劳动就业"]
    assert _row("station", K, "rules").required_items[-2:] == ["干部轮值制度", "监督考核制度"]
    seats = {t: _row("station", t, "seats").spec for t in (B, S, K)}
    assert seats == {
        B: {},
        S: {"practice": "鼓励开展会客厅式服务", "practice_required": False},
        K: {"practice": "开展会客厅式服务", "practice_required": True},
    }


def test_policy_data_has_both_tables_and_notes():
    data = policy_data()
    assert len(data["center"]["rows"]) == 10 and len(data["station"]["rows"]) == 9
    assert any("电子）证照读取器" in note for note in data["notes"])


def test_migration_replaces_placeholders_and_keeps_staff_edits():
    """Re-run the data step on a database holding 0004's placeholders and one staff edit."""
    migration = importlib.import_module("agency.migrations.0005_i13_policy_standards")
    # the models as that migration saw them (the criteria were the agency app's then; same table)
    then = MigrationLoader(connection).project_state(("agency", "0005_i13_policy_standards")).apps
    placeholder = _row("station", B, "area")
    edited = _row("center", S, "area")
    # back to the state 0004 left (placeholder value, no policy loaded yet) …
    StandardCriterion.objects.filter(pk=placeholder.pk).update(min_value=Decimal(30), policy={}, spec={})
    # … and a staff edit since seeding (placeholder was 400)
    StandardCriterion.objects.filter(pk=edited.pk).update(min_value=Decimal(250), policy={}, spec={})
    migration.load_policy(then, None)
    placeholder.refresh_from_db()
    edited.refresh_from_db()
    assert placeholder.min_value == 20 and not placeholder.is_revised
    assert edited.min_value == 250
    assert edited.is_revised and edited.note == "本区修订"
    assert edited.policy["min_value"] == 200.0
    # running it again changes nothing
    migration.load_policy(then, None)
    edited.refresh_from_db()
    assert edited.min_value == 250 and edited.is_revised
