"""Turn a submitted assessment form into clean answers, or refuse it with a clear 400 (nothing is saved).

Form field names: ``<row>-value`` (area, seats), ``<row>-items`` (checkboxes, repeated), and for staffing
``staffing-full_time``, ``staffing-part_time``, ``staffing-leaders``, ``staffing-establishment_defined``,
``staffing-cadre_in_charge``, ``staffing-attendance``. Photos are ``<row>-photo`` (see services).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from core.exceptions import ApplicationError
from core.text import quote
from standards.tiers import ATTENDANCE, Row, Table, fmt_number

MAX_AREA = Decimal(100_000)
MAX_COUNT = 999
INTEGER_UNITS = ("个", "人")


def _one(raw: dict[str, list[str]], name: str) -> str:
    values = raw.get(name) or [""]
    return str(values[-1]).strip()


def _count(raw: dict[str, list[str]], name: str, label: str) -> int:
    text = _one(raw, name)
    if text == "":
        return 0
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number != number.to_integral_value():
        raise ApplicationError(f"{label}须为整数。", {"field": name, "value": text[:32]})
    value = int(number)
    if value < 0:
        raise ApplicationError(f"{label}不能为负数。", {"field": name, "value": text[:32]})
    if value > MAX_COUNT:
        raise ApplicationError(f"{label}不能超过 {MAX_COUNT}。", {"field": name, "value": text[:32]})
    return value


def _number(row: Row, raw: dict[str, list[str]]) -> str | None:
    name = f"{row.key}-value"
    text = _one(raw, name).replace("，", "").replace(",", "")
    if text == "":
        return None
    label = f"{row.name}（{row.unit}）" if row.unit else row.name
    if row.unit in INTEGER_UNITS:
        return str(_count(raw, name, label))
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ApplicationError(f"{label}须为数字。", {"field": name, "value": text[:32]})
    if not value.is_finite():
        raise ApplicationError(f"{label}须为数字。", {"field": name, "value": text[:32]})
    if value < 0:
        raise ApplicationError(f"{label}不能为负数。", {"field": name, "value": text[:32]})
    if value > MAX_AREA:
        raise ApplicationError(f"{label}不能超过 {MAX_AREA}。", {"field": name, "value": text[:32]})
    return fmt_number(value.quantize(Decimal("0.1")))  # "50", "45.5" — never "5E+1"


def _items(row: Row, raw: dict[str, list[str]], name: str, allowed: list[str]) -> list[str]:
    chosen: list[str] = []
    for value in raw.get(name) or []:
        item = str(value).strip()
        if not item:
            continue
        if item not in allowed:
            raise ApplicationError(
                f"{row.name}：未知项目{quote(item[:40])}。", {"field": name, "item": item[:64]}
            )
        if item not in chosen:
            chosen.append(item)
    return chosen


def answers_parse(table: Table, raw: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Validated answers ``{row key: {...}}`` for every row of ``table``; ``ApplicationError`` (400) else."""
    answers: dict[str, dict[str, Any]] = {}
    for row in table.rows:
        answer: dict[str, Any] = {}
        if row.is_staffing:
            answer["full_time"] = _count(raw, "staffing-full_time", "专职人员数")
            answer["part_time"] = _count(raw, "staffing-part_time", "兼职人员数")
            if table.kind == "center":
                answer["leaders"] = _items(row, raw, "staffing-leaders", row.leaders())
                answer["establishment_defined"] = bool(_one(raw, "staffing-establishment_defined"))
            else:
                answer["cadre_in_charge"] = bool(_one(raw, "staffing-cadre_in_charge"))
                mode = _one(raw, "staffing-attendance")
                if mode and mode not in ATTENDANCE:
                    raise ApplicationError(
                        "坐班方式只能是“坐班制”或“弹性坐班制”。",
                        {"field": "staffing-attendance", "value": mode[:32]},
                    )
                answer["attendance"] = mode
        elif row.has_number:
            answer["value"] = _number(row, raw)
        choices = [item for item, _hint in row.choices()]
        if choices:
            answer["items"] = _items(row, raw, f"{row.key}-items", choices)
        answers[row.key] = answer
    return answers
