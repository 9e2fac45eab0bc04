"""Import a year's official holiday schedule (国务院办公厅 放假安排) from a simple CSV or XLSX sheet.

One row per day: ``日期, 类型[, 名称]`` where 类型 is ``休`` (a holiday, no work) or ``班`` (a make-up
workday, 调休上班). A header row (``日期``/``date`` …) is optional. Line numbers in errors are what the
person sees in Excel (the first line is 1). The sheet is read by ``core.tabular.read_table``. Every row is checked first; if any is wrong nothing is
imported. Days already in the table are updated; days not in the file are left as they are.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from core import workdays
from core.models import CalendarDay
from core.services import audit_log

OFF = {"休", "假", "休息", "放假", "holiday", "off"}
ON = {"班", "上班", "调休上班", "workday", "work"}
HEADER_WORDS = {"日期", "date"}
_DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
MAX_ROWS = 2000  # a few years of holidays; anything bigger is the wrong file


@dataclass
class CalendarImportReport:
    """What ``calendar_import`` did (``created``/``updated``) or why it did nothing (``errors`` by line)."""

    total: int = 0
    created: int = 0
    updated: int = 0
    years: list[int] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        return [f"第 {line} 行：{message}" for line, message in self.errors]


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE_RE.match(str(value or ""))
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _cell(row: list[Any], index: int) -> Any:
    value = row[index] if index < len(row) else None
    return value.strip() if isinstance(value, str) else value


def parse_calendar_rows(
    table: list[list[Any]],
) -> tuple[list[tuple[int, CalendarDay]], list[tuple[int, str]]]:
    """Rows → unsaved ``CalendarDay`` objects with their line numbers, and the errors by line."""
    days: list[tuple[int, CalendarDay]] = []
    errors: list[tuple[int, str]] = []
    seen: dict[dt.date, int] = {}
    for line, row in enumerate(table, start=1):
        first = _cell(row, 0)
        if all(v in (None, "") for v in row):
            continue
        if line == 1 and str(first or "").strip().lower() in HEADER_WORDS:
            continue
        day = _parse_date(first)
        kind = str(_cell(row, 1) or "").strip().lower()
        name = str(_cell(row, 2) or "").strip()[:64]
        problems = []
        if day is None:
            problems.append(f"日期“{first}”无法识别（应为 2027-01-01）")
        if kind not in OFF | ON:
            problems.append(f"类型“{_cell(row, 1) or ''}”应为“休”或“班”")
        if day is not None and day in seen:
            problems.append(f"日期 {day} 与第 {seen[day]} 行重复")
        if problems:
            errors.append((line, "；".join(problems)))
            continue
        assert day is not None
        seen[day] = line
        is_workday = kind in ON
        days.append(
            (
                line,
                CalendarDay(date=day, is_workday=is_workday, name=name or ("调休上班" if is_workday else "")),
            )
        )
    if not days and not errors:
        errors.append((1, "文件中没有日期行。"))
    if len(days) > MAX_ROWS:
        errors.append((MAX_ROWS + 1, f"行数超过 {MAX_ROWS}，请只导入放假安排。"))
    return days, errors


@transaction.atomic
def calendar_import(
    *, table: list[list[Any]], dry_run: bool = False, actor: Any = None
) -> CalendarImportReport:
    """Validate every row, then write them all (or, on any error or ``dry_run``, nothing)."""
    parsed, errors = parse_calendar_rows(table)
    report = CalendarImportReport(total=len(parsed), errors=errors, dry_run=dry_run)
    report.years = sorted({day.date.year for _, day in parsed})
    if errors or dry_run:
        return report
    existing = {row.date: row for row in CalendarDay.objects.filter(date__in=[d.date for _, d in parsed])}
    for _, day in parsed:
        row = existing.get(day.date)
        if row is None:
            day.full_clean()
            day.save()
            report.created += 1
        elif (row.is_workday, row.name) != (day.is_workday, day.name):
            row.is_workday, row.name = day.is_workday, day.name
            row.full_clean()
            row.save()
            report.updated += 1
    audit_log(
        actor=actor,
        action="calendar.import",
        target_type="calendar",
        target_id=",".join(str(y) for y in report.years),
        detail={"created": report.created, "updated": report.updated},
    )
    transaction.on_commit(workdays.clear_cache)
    return report
