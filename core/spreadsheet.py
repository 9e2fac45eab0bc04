"""Cells of the XLSX exports: text that a spreadsheet would run as a formula is written as text (issue 33).

openpyxl stores a string that starts with ``=`` as a formula, and Excel/WPS also evaluate cells starting with
``+``, ``-`` or ``@`` (and, after a tab or carriage return, whatever follows), so a resident's name or a
case description such as ``=HYPERLINK("http://…","点击查看")`` in an export would become a live link beside
full ID numbers. Every export passes its rows through ``safe_row``: such a string gets a leading apostrophe
(OWASP's CSV/formula-injection advice), which keeps it a plain string and shows the text as typed. Numbers,
dates and booleans are untouched, and so are strings not starting with one of those characters, and an E.164
phone number (``+8613800138000``: only digits after the plus, nothing a spreadsheet could run), which the
unmasked export must show as stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_E164 = re.compile(r"\+[0-9]{6,15}")


def safe_cell(value: Any) -> Any:
    """``value``, with a leading ``'`` when it is a string a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _E164.fullmatch(value):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """``safe_cell`` of every value: what an export passes to ``worksheet.append``."""
    return [safe_cell(v) for v in values]
