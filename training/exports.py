"""XLSX export of a town's capability-plan shortfall (same library as ``oversight.exports``: openpyxl)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from core.masking import mask_phone
from core.spreadsheet import safe_row
from training.selectors import PlanRow

PLAN_COLUMNS = [
    "姓名",
    "身份",
    "服务站点",
    "联系电话",
    "年度学时要求",
    "已完成学时",
    "差学时",
    "未取得资格类别",
    "是否达标",
]


def plan_workbook(*, title: str, rows: list[PlanRow]) -> bytes:
    """One sheet, one row per agent; phones masked (the sheet leaves the system)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "能力提升计划"
    sheet.append(safe_row([title]))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(PLAN_COLUMNS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(
            safe_row(
                [
                    row.agent.name,
                    str(row.agent.get_kind_display()),
                    row.site_names,
                    mask_phone(row.agent.phone),
                    float(row.required_hours),
                    float(row.hours),
                    float(row.hours_short),
                    "、".join(row.missing),
                    "未达标" if row.behind else "达标",
                ]
            )
        )
    for letter, width in zip("ABCDEFGHI", (10, 14, 28, 14, 12, 12, 10, 30, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
