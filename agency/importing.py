"""Read an agent sheet (CSV or XLSX) into ``[(line_number, {header: value})]`` for ``agent_import``.

Line numbers are what the person sees in Excel: the header is line 1, the first agent line 2.
"""

import csv
import io
from pathlib import Path
from typing import IO, Any

from core.exceptions import ApplicationError
from core.text import UNSTORABLE_MESSAGE, field_label, is_storable

REQUIRED_HEADERS = ("姓名", "身份", "手机号", "站点编码")

Rows = list[tuple[int, dict[str, Any]]]


def _decode(data: bytes) -> str:
    # Excel on Chinese Windows saves CSV as GBK; everything else is UTF-8 (with or without BOM).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError("无法识别文件编码，请另存为 UTF-8 CSV 或 XLSX。")


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


def _rows_from_table(table: list[list[Any]], required: tuple[str, ...] = REQUIRED_HEADERS) -> Rows:
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


def read_csv(data: bytes, required: tuple[str, ...] = REQUIRED_HEADERS) -> Rows:
    return _rows_from_table(list(csv.reader(io.StringIO(_decode(data)))), required)


def read_xlsx(data: bytes, required: tuple[str, ...] = REQUIRED_HEADERS) -> Rows:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any unreadable upload is a user error, not a 500
        raise ApplicationError("无法读取 XLSX 文件。") from exc
    sheet = workbook.worksheets[0]
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return _rows_from_table(table, required)


def read_agent_rows(stream: IO[bytes], filename: str) -> Rows:
    """Parse an uploaded or local file by its extension (``.csv``, ``.xlsx``)."""
    return read_sheet_rows(stream, filename, required=REQUIRED_HEADERS)


def read_sheet_rows(stream: IO[bytes], filename: str, *, required: tuple[str, ...]) -> Rows:
    """Any sheet with these ``required`` headers (other apps' imports reuse the same rules and line numbers)."""
    suffix = Path(filename).suffix.lower()
    data = stream.read()
    if suffix == ".csv":
        return read_csv(data, required)
    if suffix in {".xlsx", ".xlsm"}:
        return read_xlsx(data, required)
    raise ApplicationError("只支持 CSV 或 XLSX 文件。", {"filename": filename})
