"""The one reader of uploaded sheets (CSV or XLSX): agents (``agency.importing``), training attendance
(``training.views``) and the holiday calendar (``core.calendar_import``) all come through here.

``read_table`` gives the cells row by row (the first sheet of a workbook); ``read_sheet_rows`` maps them to
``[(line_number, {header: value})]`` under a header row that must hold the ``required`` columns. Line numbers
are what the person sees in Excel: the header is line 1. Every failure is an ``ApplicationError`` (a 400 on
the page), never a 500.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import IO, Any

from core.exceptions import ApplicationError
from core.text import UNSTORABLE_MESSAGE, field_label, is_storable

Rows = list[tuple[int, dict[str, Any]]]
SUFFIXES_CSV = {".csv"}
SUFFIXES_XLSX = {".xlsx", ".xlsm"}


def _decode(data: bytes) -> str:
    # Excel on Chinese Windows saves CSV as GBK; everything else is UTF-8 (with or without BOM).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError("无法识别文件编码，请另存为 UTF-8 CSV 或 XLSX。")


def _xlsx_table(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any unreadable upload is a user error, not a 500
        raise ApplicationError("无法读取 XLSX 文件。") from exc
    table = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()
    return table


def read_table(stream: IO[bytes], filename: str) -> list[list[Any]]:
    """The sheet's cells, row by row, by the file's extension (``.csv``; ``.xlsx``/``.xlsm``: first sheet)."""
    suffix = Path(filename).suffix.lower()
    data = stream.read()
    if suffix in SUFFIXES_CSV:
        return [list(row) for row in csv.reader(io.StringIO(_decode(data)))]
    if suffix in SUFFIXES_XLSX:
        return _xlsx_table(data)
    raise ApplicationError("只支持 CSV 或 XLSX 文件。", {"filename": filename})


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed into Excel comes back as 13800138000.0
    return str(value).strip()


def _refuse_unstorable(line: int, headers: list[str], values: list[Any]) -> None:
    """A NUL or lone surrogate in a cell would fail the database write (500): refuse the sheet, naming the
    line and column (``core.text``: the rule every text input follows)."""
    for position, value in enumerate(values):
        if isinstance(value, str) and not is_storable(value):
            column = field_label(headers[position]) if position < len(headers) else f"第{position + 1}列"
            raise ApplicationError(
                f"第{line}行“{column}”{UNSTORABLE_MESSAGE}", {"line": line, "field": column}
            )


def rows_with_headers(table: list[list[Any]], required: tuple[str, ...]) -> Rows:
    """``[(line, {header: text})]`` of the non-empty lines under the header row (line 1)."""
    if not table:
        raise ApplicationError("文件为空。")
    headers = [str(h or "").strip() for h in table[0]]
    _refuse_unstorable(1, headers, headers)
    missing = [h for h in required if h not in headers]
    if missing:
        raise ApplicationError(f"缺少表头：{'、'.join(missing)}", {"missing": missing})
    rows: Rows = []
    for index, raw in enumerate(table[1:], start=2):
        values = [_cell(v) for v in raw]
        if not any(values):
            continue
        _refuse_unstorable(index, headers, values)
        rows.append((index, {h: (values[i] if i < len(values) else "") for i, h in enumerate(headers) if h}))
    return rows


def read_sheet_rows(stream: IO[bytes], filename: str, *, required: tuple[str, ...]) -> Rows:
    """Any sheet with these ``required`` headers, as ``[(line, {header: text})]``."""
    return rows_with_headers(read_table(stream, filename), required)
