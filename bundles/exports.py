"""The 一件事 sheet of the district's XLSX export (``oversight.exports.register_export_sheet``, from ``ready()``).

The same figures as ``/dashboard/bundles/`` and ``GET /api/v1/bundles/stats/`` (``selectors.bundle_stats``):
a bundle counts once (its parent case), single matters beside it, so the two add up to residents' requests.
"""

from __future__ import annotations

from typing import Any

from bundles.selectors import bundle_stats
from core.spreadsheet import safe_row
from oversight.exports import ExportSheet
from oversight.stats import Period, Scope

SHEET_TITLE = "一件事"
COLUMNS = ["类型", "一件事编码", "名称", "受理量", "在办量", "办结量", "按期办结率"]


def _rate(value: float | None) -> float | str:
    return "" if value is None else value


def bundle_export_sheet(*, scope: Scope, period: Period) -> ExportSheet:
    """Totals for single matters and for bundles, then one row per bundle received or completed in the period."""
    figures = bundle_stats(scope=scope, period=period)
    single, bundles = figures["single"], figures["bundles"]
    rows: list[list[Any]] = [
        ["单项事项", "", "", single["received"], "", single["completed"], _rate(single["on_time_rate"])],
        ["一件事合计", "", "", bundles["received"], "", bundles["completed"], _rate(bundles["on_time_rate"])],
    ]
    rows.extend(
        ["一件事", r["bundle"], r["name"], r["received"], r["open"], r["completed"], _rate(r["on_time_rate"])]
        for r in figures["by_bundle"]
    )
    # names are staff-typed: escaped here too, so the sheet is safe whoever writes it (core.spreadsheet)
    return ExportSheet(title=SHEET_TITLE, columns=COLUMNS, rows=[safe_row(r) for r in rows])
