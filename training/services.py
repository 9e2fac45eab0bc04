"""Writes of the training domain: record an event, import its attendance sheet, set plans and rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from agency.models import Agent, Matter, Site
from agency.selectors import user_site_ids
from agency.services import ImportReport, ImportRowError
from core.exceptions import ApplicationError
from core.phones import normalize_phone
from core.services import audit_log
from core.text import clean_text
from training import selectors
from training.models import Attendance, CapabilityPlan, QualificationRule, TrainingEvent

ATTENDANCE_REQUIRED = ("姓名", "手机号")
ATTENDANCE_COLUMNS = ("姓名", "手机号", "学时", "成绩", "结果", "名次/奖项")
RESULT_WORDS = {
    "": Attendance.Result.ATTENDED,
    "参加": Attendance.Result.ATTENDED,
    "参训": Attendance.Result.ATTENDED,
    "合格": Attendance.Result.PASSED,
    "通过": Attendance.Result.PASSED,
    "优秀": Attendance.Result.PASSED,
    "不合格": Attendance.Result.FAILED,
    "未通过": Attendance.Result.FAILED,
    **{r.value: r.value for r in Attendance.Result},
}


def _require_recorder(actor: Any, site: Site | None = None) -> None:
    if not selectors.may_record(actor):
        raise ApplicationError("只有镇（街道）或站点工作人员可以登记培训。", status=403)
    if site is not None:
        site_ids = user_site_ids(actor)
        if site_ids is not None and site.pk not in site_ids:
            raise ApplicationError("站点不存在或无权操作。", {"site": site.code}, status=404)


def _categories(values: Sequence[str]) -> list[str]:
    known = set(Matter.Category.values)
    bad = [v for v in values if v not in known]
    if bad:
        raise ValidationError({"categories": [f"未知的事项类别：{'、'.join(bad)}"]})
    return sorted(set(values))


@transaction.atomic
def training_event_create(
    *,
    actor: Any,
    site: Site,
    kind: str,
    title: str,
    date: dt.date,
    hours: Decimal,
    organiser: str,
    categories: Sequence[str] = (),
    matters: Sequence[Matter] = (),
    grants_qualification: bool = True,
    note: str = "",
) -> TrainingEvent:
    """Record one training event at ``site`` (in the actor's scope)."""
    _require_recorder(actor, site)
    event = TrainingEvent(
        site=site,
        kind=kind,
        title=clean_text(title).strip(),
        date=date,
        hours=hours,
        organiser=clean_text(organiser).strip(),
        categories=_categories(categories),
        grants_qualification=grants_qualification,
        note=clean_text(note),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if hours is not None and hours <= 0:
        raise ValidationError({"hours": ["学时须大于 0。"]})
    event.full_clean()
    event.save()
    if matters:
        event.matters.set(matters)
    audit_log(
        actor=actor, action="training_event_create", target_type="training_event", target_id=str(event.pk)
    )
    return event


@dataclass(frozen=True)
class _Row:
    line: int
    agent: Agent
    hours: Decimal
    score: Decimal | None
    result: str
    award: str


def _decimal(raw: str, *, label: str, errors: list[str], low: int, high: int) -> Decimal | None:
    if raw == "":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors.append(f"{label}“{raw[:20]}”不是数字")
        return None
    if not value.is_finite() or value < low or value > high:
        errors.append(f"{label}须在 {low}–{high} 之间")
        return None
    return value.quantize(Decimal("0.1"))


def _parse_attendance(
    event: TrainingEvent, rows: Sequence[tuple[int, dict[str, Any]]], allowed: dict[str, list[Agent]]
) -> tuple[list[_Row], list[ImportRowError]]:
    parsed: list[_Row] = []
    errors: list[ImportRowError] = []
    seen: dict[int, int] = {}
    for line, raw in rows:
        msgs: list[str] = []
        name = str(raw.get("姓名", "")).strip()
        phone = normalize_phone(str(raw.get("手机号", "")).strip())
        agent = None
        if not name:
            msgs.append("姓名为空")
        if phone is None:
            msgs.append("手机号无效")
        else:
            matches = [a for a in allowed.get(phone, []) if a.name == name]
            if not matches:
                msgs.append("未找到该帮办代办员（姓名与手机号须与名册一致，且在本人管辖范围内）")
            else:
                agent = matches[0]
                if agent.pk in seen:
                    msgs.append(f"与第 {seen[agent.pk]} 行重复")
        hours = _decimal(str(raw.get("学时", "")).strip(), label="学时", errors=msgs, low=0, high=200)
        score = _decimal(str(raw.get("成绩", "")).strip(), label="成绩", errors=msgs, low=0, high=100)
        word = str(raw.get("结果", "")).strip()
        result = RESULT_WORDS.get(word)
        if result is None:
            msgs.append(f"结果“{word[:20]}”应为 参加/合格/不合格")
        award = clean_text(str(raw.get("名次/奖项", ""))).strip()
        if len(award) > 64:
            msgs.append("名次/奖项过长")
        if msgs or agent is None or result is None:
            errors.append(ImportRowError(line=line, messages=msgs or ["无法识别"]))
            continue
        seen[agent.pk] = line
        parsed.append(_Row(line, agent, hours if hours is not None else event.hours, score, result, award))
    return parsed, errors


@transaction.atomic
def attendance_import(
    *, actor: Any, event: TrainingEvent, rows: Sequence[tuple[int, dict[str, Any]]], dry_run: bool = False
) -> ImportReport:
    """Import an attendance sheet (rows from ``core.tabular.read_sheet_rows``) for ``event``.

    Like ``agency.services.agent_import``: every row is validated first, each bad row is reported by its
    line number and, if there is any, nothing is imported. A person already on the event is updated
    (importing the same sheet twice changes nothing). ``dry_run`` validates only.
    """
    _require_recorder(actor, event.site)
    report = ImportReport(total=len(rows), dry_run=dry_run)
    if not rows:
        report.errors = [ImportRowError(line=1, messages=["没有数据行"])]
        return report
    allowed: dict[str, list[Agent]] = {}
    for agent in selectors.agents_in_scope(actor).order_by("id"):
        allowed.setdefault(str(getattr(agent.phone, "as_e164", agent.phone)), []).append(agent)
    parsed, errors = _parse_attendance(event, rows, allowed)
    if errors:
        report.errors = errors
        return report
    if dry_run:
        return report
    for item in parsed:
        row, _created = Attendance.objects.get_or_create(
            event=event,
            agent=item.agent,
            defaults={"hours": item.hours, "score": item.score, "result": item.result, "award": item.award},
        )
        if not _created:
            row.hours, row.score, row.result, row.award = item.hours, item.score, item.result, item.award
        row.full_clean()
        row.save()
    report.created = len(parsed)
    audit_log(
        actor=actor,
        action="training_attendance_import",
        target_type="training_event",
        target_id=str(event.pk),
        detail={"rows": report.created},
    )
    return report


@transaction.atomic
def capability_plan_set(
    *, actor: Any, kind: str, required_hours: Decimal, required_categories: Sequence[str]
) -> CapabilityPlan:
    """Set (create or replace) the plan of one agent kind."""
    plan = CapabilityPlan.objects.filter(kind=kind).first() or CapabilityPlan(kind=kind)
    plan.required_hours = required_hours
    plan.required_categories = _categories(required_categories)
    plan.full_clean()
    plan.save()
    audit_log(actor=actor, action="capability_plan_set", target_type="capability_plan", target_id=kind)
    return plan


@transaction.atomic
def qualification_rule_set(
    *, actor: Any, category: str, valid_months: int | None, check_on_assign: bool = True
) -> QualificationRule:
    """Set the district's validity (months, or None: no expiry) and assign check for one category."""
    rule = QualificationRule.objects.filter(category=category).first() or QualificationRule(category=category)
    rule.valid_months = valid_months
    rule.check_on_assign = check_on_assign
    rule.full_clean()
    rule.save()
    audit_log(
        actor=actor, action="qualification_rule_set", target_type="qualification_rule", target_id=category
    )
    return rule
