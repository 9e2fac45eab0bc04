"""The policy's two construction-standard tables as shipped data (``standards/data/station_standards.json``).

The JSON is a row-by-row transcription of 附件1 (镇（街道）便民服务中心) and 附件2 (村（社区）便民服务站（点）).
``policy_cells()`` turns it into one dict per ``StandardCriterion`` row (site kind × tier × row key), which
migration ``agency.0005_i13_policy_standards`` writes and the tests compare against. Every list is the tier's full
list as the table writes it (not a delta from the lower tier).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "station_standards.json"
TIERS = ("basic", "standard", "benchmark")
KINDS = {"center": 1, "station": 2}  # site kind → 附件 number

# The transcriber's English annotations ("（encouraged, not required）") are not the policy's words.
_ANNOTATION = re.compile(r"（(?:encouraged|required)[^）]*）|\((?:encouraged|required)[^)]*\)")


@lru_cache(maxsize=1)
def policy_data() -> dict[str, Any]:
    """The shipped transcription, parsed once."""
    with DATA_FILE.open(encoding="utf-8") as fh:
        return json.load(fh)  # type: ignore[no-any-return]


def practice_of(raw: str) -> tuple[str, bool]:
    """``(wording, required)`` of a row's practice cell; 鼓励… (encouraged) never blocks a tier."""
    required = not (raw.startswith("鼓励") or "encouraged" in raw)
    return _ANNOTATION.sub("", raw).strip(), required


def _spec(kind: str, row: dict[str, Any], tier: str) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if row["key"] == "staffing" and kind == "center":
        spec = {
            "window_staff_kind": row["window_staff_kind"][tier],
            "leaders": list(row["leaders"][tier]),
            "establishment_defined": bool(row["establishment_defined"][tier]),
        }
    elif row["key"] == "staffing":
        spec = {
            "min_full_time": int(row["min_full_time"][tier]),
            "min_part_time": int(row["min_part_time"][tier]),
            "committee_cadre_in_charge": bool(row["committee_cadre_in_charge"][tier]),
            "attendance": row["attendance"][tier],
        }
    if tier in row.get("practice", {}):
        wording, required = practice_of(row["practice"][tier])
        spec["practice"] = wording
        spec["practice_required"] = required
    if tier in row.get("optional", {}):
        spec["optional_items"] = list(row["optional"][tier])
    return spec


def _min(kind: str, row: dict[str, Any], tier: str) -> float | None:
    if "min" in row:
        return float(row["min"][tier])
    if row["key"] == "staffing" and kind == "center":
        return float(row["min_window_staff"][tier])  # the window-staff minimum is the row's number
    return None


def policy_cells(data: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One dict per criterion row: identity, wording and the ``policy`` value (``min_value``, items, spec)."""
    data = data or policy_data()
    cells = []
    for kind, annex in KINDS.items():
        for row in data[kind]["rows"]:
            for tier in TIERS:
                value = {
                    "min_value": _min(kind, row, tier),
                    "required_items": list(row.get("items", {}).get(tier, [])),
                    "spec": _spec(kind, row, tier),
                }
                text = row.get("text", {}).get(tier, "")
                cells.append(
                    {
                        "site_kind": kind,
                        "tier": tier,
                        "key": row["key"],
                        "name": row["name"][:64],
                        "unit": row.get("unit", ""),
                        "source": f"附件{annex}·第{row['no']}行 {row['name']}"[:64],
                        "text": text[:255],
                        "sort_order": int(row["no"]) * 10,
                        "policy": value,
                    }
                )
    return cells
