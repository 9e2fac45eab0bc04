"""Which tier a site meets, and exactly what it lacks for the next one (pure; the table is loaded once).

Reading of the policy's tables (``standards/data/station_standards.json`` and its ``notes``):

* A site meets a tier when it meets every row of that tier; each tier's lists are full lists, so tiers are
  evaluated one by one and the met tier is the highest one whose every row is met.
* Minimum rows compare numbers; list rows need every item. ``EQUIVALENT`` names the items that also count
  for another (an electronic-licence reader is an ID-card reader; 全面推行一窗综合受理 covers the narrower
  related-matters practice).
* Encouraged practices (鼓励…) and conditional items (有条件的可…) are shown and may be ticked; never required.
* Staffing: a center needs its leaders, the window-staff minimum of the stated kind (专（兼）职 counts full-
  and part-time staff, 专职 only full-time) and, where the tier says so, the establishment defined. A station
  needs its full-time minimum and its full+part-time total (a full-time worker may fill a part-time slot, never
  the reverse), the 两委 cadre in charge at 标杆型, and its attendance mode (坐班制 also satisfies 弹性坐班制).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from standards.models import TIER_ORDER, StandardCriterion

TIER_LABELS = {"basic": "基础型", "standard": "标准型", "benchmark": "标杆型"}
EQUIVALENT: dict[str, tuple[str, ...]] = {
    "身份证读取器": ("（电子）证照读取器",),
    "相关联业务推行综合一窗受理、一链办理": ("全面推行一窗综合受理",),
    "相关联业务推行综合一窗受理": ("相关联业务推行综合一窗受理、一链办理", "全面推行一窗综合受理"),
}
SHORT_LABELS = {"area": "面积", "seats": "窗口（坐席）"}
ATTENDANCE = ("坐班制", "弹性坐班制")


def tier_label(tier: str) -> str:
    return TIER_LABELS.get(tier, "未达基础型")


def fmt_number(value: Decimal | int | float) -> str:
    """``50``, ``45.5``: plain digits (``Decimal.normalize`` alone would give ``5E+1``)."""
    d = Decimal(str(value))
    return str(d.quantize(Decimal(1))) if d == d.to_integral_value() else format(d.normalize(), "f")


def practice_item(wording: str) -> str:
    """The checkbox a practice is ticked with: "鼓励开展会客厅式服务" and "开展会客厅式服务" are one box."""
    return wording[2:] if wording.startswith("鼓励") else wording


@dataclass(frozen=True)
class Cell:
    """One tier's requirement for one row (a ``StandardCriterion``)."""

    key: str
    tier: str
    name: str
    unit: str
    min_value: Decimal | None
    items: tuple[str, ...]
    spec: dict[str, Any]
    text: str
    revised: bool
    policy: dict[str, Any]

    @property
    def practice(self) -> str:
        return practice_item(str(self.spec.get("practice", "")))

    @property
    def practice_required(self) -> bool:
        return bool(self.spec.get("practice")) and bool(self.spec.get("practice_required"))

    @property
    def optional_items(self) -> list[str]:
        return list(self.spec.get("optional_items", []))


@dataclass
class Row:
    """A row of the table (建设面积, 人员配备 …) with its cell for each tier."""

    key: str
    name: str
    unit: str
    cells: dict[str, Cell] = field(default_factory=dict)

    @property
    def is_staffing(self) -> bool:
        return self.key == "staffing"

    @property
    def has_number(self) -> bool:
        return not self.is_staffing and any(c.min_value is not None for c in self.cells.values())

    def choices(self) -> list[tuple[str, str]]:
        """Checkbox items in table order with a hint: ``[(item, "标准型起" | "鼓励，不影响达标" | …)]``."""
        seen: dict[str, str] = {}
        for tier in TIER_ORDER:
            cell = self.cells.get(tier)
            if cell is None:
                continue
            for item in cell.items:
                seen.setdefault(item, "" if tier == "basic" else f"{tier_label(tier)}起")
            if cell.practice:
                hint = f"{tier_label(tier)}要求" if cell.practice_required else "鼓励，不影响达标"
                if cell.practice not in seen or cell.practice_required:
                    seen[cell.practice] = hint
            for item in cell.optional_items:
                seen.setdefault(item, "有条件的可选，不影响达标")
        return list(seen.items())

    def leaders(self) -> list[str]:
        out: list[str] = []
        for cell in self.cells.values():
            out += [name for name in cell.spec.get("leaders", []) if name not in out]
        return out


@dataclass
class Table:
    kind: str
    rows: list[Row]

    def row(self, key: str) -> Row | None:
        return next((r for r in self.rows if r.key == key), None)


def table_load(kind: str) -> Table:
    """The active criteria of ``kind`` (``center`` / ``station``) as a table, in the policy's row order."""
    rows: dict[str, Row] = {}
    for c in StandardCriterion.objects.filter(site_kind=kind, is_active=True).order_by("sort_order", "key"):
        row = rows.setdefault(c.key, Row(key=c.key, name=c.name or c.get_key_display(), unit=c.unit or ""))
        row.cells[c.tier] = Cell(
            key=c.key,
            tier=c.tier,
            name=row.name,
            unit=c.unit or "",
            min_value=c.min_value,
            items=tuple(c.required_items or ()),
            spec=dict(c.spec or {}),
            text=c.text,
            revised=c.is_revised,
            policy=dict(c.policy or {}),
        )
    return Table(kind=kind, rows=list(rows.values()))


def tables_load() -> dict[str, Table]:
    return {kind: table_load(kind) for kind in ("center", "station")}


# --- Evaluation --------------------------------------------------------------------------------------


def _has(item: str, have: set[str]) -> bool:
    return item in have or any(alt in have for alt in EQUIVALENT.get(item, ()))


def _int(answer: dict[str, Any], name: str) -> int:
    try:
        return int(answer.get(name) or 0)
    except (TypeError, ValueError):
        return 0


def _staffing_gaps(kind: str, cell: Cell, answer: dict[str, Any]) -> list[str]:
    full, part = _int(answer, "full_time"), _int(answer, "part_time")
    spec, gaps = cell.spec, []
    if kind == "center":
        missing = [n for n in spec.get("leaders", []) if n not in set(answer.get("leaders") or [])]
        if missing:
            gaps.append(f"人员配备缺：{'、'.join(missing)}")
        need = int(cell.min_value or 0)
        staff_kind = str(spec.get("window_staff_kind", "专职"))
        have = full if staff_kind == "专职" else full + part
        if have < need:
            gaps.append(f"{staff_kind}窗口工作人员差 {need - have}人")
        if spec.get("establishment_defined") and not answer.get("establishment_defined"):
            gaps.append("未明确机构、人员、编制")
        return gaps
    need_full, need_part = int(spec.get("min_full_time", 0)), int(spec.get("min_part_time", 0))
    full_gap = max(0, need_full - full)
    part_gap = max(0, need_full + need_part - full - part) - full_gap
    if full_gap:
        gaps.append(f"专职工作人员差 {full_gap}人")
    if part_gap > 0:
        gaps.append(f"兼职工作人员差 {part_gap}人")
    if spec.get("committee_cadre_in_charge") and not answer.get("cadre_in_charge"):
        gaps.append("未明确1名两委干部负责")
    mode = str(spec.get("attendance", ""))
    have_mode = str(answer.get("attendance") or "")
    if (mode == "坐班制" and have_mode != "坐班制") or (mode == "弹性坐班制" and have_mode not in ATTENDANCE):
        gaps.append(f"未实行{mode}")
    return gaps


def cell_gaps(kind: str, cell: Cell, answer: dict[str, Any] | None) -> list[str]:
    """What ``answer`` (one row of an assessment) lacks for ``cell``; empty when the cell is met."""
    answer = answer or {}
    if cell.key == "staffing":
        return _staffing_gaps(kind, cell, answer)
    gaps: list[str] = []
    if cell.min_value is not None:
        try:
            have = Decimal(str(answer.get("value") or 0))
        except ArithmeticError:
            have = Decimal(0)
        if have < cell.min_value:
            gaps.append(
                f"{SHORT_LABELS.get(cell.key, cell.name)}差 {fmt_number(cell.min_value - have)}{cell.unit}"
            )
    have_items = set(answer.get("items") or [])
    needed = list(cell.items) + ([cell.practice] if cell.practice_required else [])
    missing = [item for item in needed if not _has(item, have_items)]
    if missing:
        gaps.append(f"{cell.name}缺：{'、'.join(missing)}")
    return gaps


@dataclass
class TierResult:
    """The met tier (``""`` below 基础型), the next tier and every gap to it, plus each tier's gaps."""

    met_tier: str
    next_tier: str
    gaps: list[str]
    gaps_by_tier: dict[str, list[str]]

    @property
    def met_label(self) -> str:
        return tier_label(self.met_tier)

    @property
    def next_label(self) -> str:
        return TIER_LABELS.get(self.next_tier, "")


def tier_evaluate(table: Table, answers: dict[str, Any]) -> TierResult:
    """Evaluate one assessment's ``answers`` (``{row key: {...}}``) against ``table``."""
    by_tier: dict[str, list[str]] = {}
    for tier in TIER_ORDER:
        gaps: list[str] = []
        for row in table.rows:
            cell = row.cells.get(tier)
            if cell is not None:
                gaps += cell_gaps(table.kind, cell, answers.get(row.key))
        by_tier[tier] = gaps
    met = ""
    for tier in TIER_ORDER:
        if not by_tier[tier]:
            met = tier
    index = TIER_ORDER.index(met) + 1 if met else 0
    next_tier = TIER_ORDER[index] if index < len(TIER_ORDER) else ""
    return TierResult(
        met_tier=met, next_tier=next_tier, gaps=by_tier.get(next_tier, []), gaps_by_tier=by_tier
    )
