"""Read an agent sheet (CSV or XLSX) into ``[(line_number, {header: value})]`` for ``agent_import``.

The reading itself is ``core.tabular`` (the one sheet reader); this module names the agent sheet's columns.
Line numbers are what the person sees in Excel: the header is line 1, the first agent line 2.
"""

from typing import IO

from core.tabular import Rows, read_sheet_rows

REQUIRED_HEADERS = ("姓名", "身份", "手机号", "站点编码")


def read_agent_rows(stream: IO[bytes], filename: str) -> Rows:
    """Parse an uploaded or local file by its extension (``.csv``, ``.xlsx``)."""
    return read_sheet_rows(stream, filename, required=REQUIRED_HEADERS)
