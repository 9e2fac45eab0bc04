"""What the assessment page shows for each row: the tiers' requirements, the inputs and their marks."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from standards.facts import SiteFacts
from standards.models import TIER_ORDER
from standards.tiers import Cell, Row, Table, fmt_number, tier_label


def _requirement(kind: str, cell: Cell, value: dict[str, Any] | None = None) -> str:
    """One tier's requirement for a row in words (from ``value`` = the policy's own value when given)."""
    if value is not None:
        min_value = None if value.get("min_value") is None else Decimal(str(value["min_value"]))
        items, spec = list(value.get("required_items") or []), dict(value.get("spec") or {})
    else:
        min_value, items, spec = cell.min_value, list(cell.items), cell.spec
    parts: list[str] = []
    if cell.key == "staffing" and kind == "center":
        parts.append("、".join(spec.get("leaders", [])) or "")
        parts.append(f"{spec.get('window_staff_kind', '')}窗口工作人员≥{fmt_number(min_value or 0)}人")
        if spec.get("establishment_defined"):
            parts.append("明确机构、人员、编制")
    elif cell.key == "staffing":
        parts.append(f"专职≥{spec.get('min_full_time', 0)}人")
        if spec.get("min_part_time"):
            parts.append(f"兼职≥{spec.get('min_part_time')}人")
        if spec.get("committee_cadre_in_charge"):
            parts.append("两委干部负责")
        parts.append(str(spec.get("attendance", "")))
    elif min_value is not None:
        parts.append(f"≥{fmt_number(min_value)}{cell.unit}")
    if items:
        parts.append("、".join(items))
    if spec.get("practice"):
        parts.append(("（鼓励）" if not spec.get("practice_required") else "") + str(spec["practice"]))
    if spec.get("optional_items"):
        parts.append("有条件的可：" + "、".join(spec["optional_items"]))
    return "；".join(p for p in parts if p)


@dataclass
class TierCellView:
    tier: str
    label: str
    requirement: str
    text: str
    revised: bool
    policy_requirement: str


@dataclass
class ChoiceView:
    item: str
    hint: str
    checked: bool
    verified: bool
    warning: str


@dataclass
class RowView:
    row: Row
    no: int
    tiers: list[TierCellView]
    choices: list[ChoiceView] = field(default_factory=list)
    value: str = ""
    staffing: dict[str, Any] = field(default_factory=dict)
    leaders: list[ChoiceView] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    photo_id: int | None = None

    @property
    def ticked(self) -> list[str]:
        return [c.item for c in self.choices if c.checked]


def rows_view(
    table: Table,
    answers: dict[str, Any],
    facts: SiteFacts | None,
    warnings: dict[str, list[str]],
    photos: dict[str, int],
) -> list[RowView]:
    """Rows for the form (``facts`` given: verified items ticked and locked) or for a read-only submission."""
    views = []
    for no, row in enumerate(table.rows, start=1):
        tiers = []
        for tier in TIER_ORDER:
            cell = row.cells.get(tier)
            if cell is None:
                continue
            tiers.append(
                TierCellView(
                    tier=tier,
                    label=tier_label(tier),
                    requirement=_requirement(table.kind, cell),
                    text=cell.text,
                    revised=cell.revised,
                    policy_requirement=_requirement(table.kind, cell, cell.policy) if cell.revised else "",
                )
            )
        answer = answers.get(row.key) or {}
        ticked = set(answer.get("items") or [])
        verified = facts.verified.get(row.key, set()) if facts else set()
        denied = facts.denied.get(row.key, {}) if facts else {}
        view = RowView(row=row, no=no, tiers=tiers, value=str(answer.get("value") or ""))
        view.choices = [
            ChoiceView(
                item=item,
                hint=hint,
                checked=item in ticked or item in verified,
                verified=item in verified,
                warning=f"系统记录：{denied[item]}" if item in denied else "",
            )
            for item, hint in row.choices()
        ]
        if row.is_staffing:
            view.staffing = dict(answer)
            known = facts.verified.get("staffing_leaders", set()) if facts else set()
            chosen = set(answer.get("leaders") or [])
            view.leaders = [
                ChoiceView(
                    item=n, hint="", checked=n in chosen or n in known, verified=n in known, warning=""
                )
                for n in row.leaders()
            ]
        view.notes = list(facts.notes.get(row.key, []) if facts else [])
        view.warnings = list(warnings.get(row.key, []))
        view.photo_id = photos.get(row.key)
        views.append(view)
    return views
