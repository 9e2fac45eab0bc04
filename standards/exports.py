"""The campaign table as an XLSX workbook (openpyxl, the library ``oversight.exports`` already uses)."""

from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.spreadsheet import safe_row
from standards.selectors import CampaignRow, Progress

HEADERS = ["镇（街道）", "站点", "类型", "达标等级", "最近通过日期", "待审核", "距下一等级差距"]
PROGRESS_HEADERS = [
    "范围",
    "中心数",
    "中心达基础型及以上",
    "站点总数",
    "基础型及以上",
    "标准型/标杆型",
    "标准型及以上占比",
    "未自评",
]


def campaign_xlsx(*, rows: list[CampaignRow], district: Progress, towns: list[Progress]) -> bytes:
    """Sheet 1 every center and station (tier, last approved date, gaps); sheet 2 progress to the target."""
    wb = Workbook()
    ws = wb.active
    ws.title = "达标情况"
    ws.append(HEADERS)
    for row in rows:
        ws.append(
            safe_row(
                [
                    row.town.name,
                    row.site.name,
                    row.site.get_kind_display(),
                    row.tier_label,
                    timezone.localtime(row.approved_at).date() if row.approved_at else "",
                    "是" if row.pending else "",
                    "；".join(row.gaps) if row.assessed else row.not_assessed_note,
                ]
            )
        )
    progress = wb.create_sheet("目标进度")
    progress.append(PROGRESS_HEADERS)
    for p in [district, *towns]:
        progress.append(
            safe_row(
                [
                    p.name,
                    p.centers,
                    p.centers_basic,
                    p.sites,
                    p.sites_basic,
                    p.sites_standard,
                    f"{p.standard_pct}%",
                    p.never_assessed,
                ]
            )
        )
    for sheet, widths in ((ws, [22, 28, 20, 12, 14, 8, 60]), (progress, [22, 8, 16, 10, 12, 14, 16, 8])):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
