"""The assigned agent's steps on a case: the home visit (and its agreed time, 预约上门), submission to the
department, progress notes, completion and the policy-consultation answer. Re-exported by ``workflows.services``.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.text import clean_text
from workflows.case_messages import snippet
from workflows.case_rules import delivery_tracking_error
from workflows.models import Case
from workflows.transitions import (
    S,
    _authorize,
    _complete_fields,
    _event,
    _feedback_link,
    _lock,
    _notify_resident,
    _save,
    _text,
    _transition,
    _visit_reminders_cancel,
)

MAX_MATERIALS = 50


def case_visit(*, actor: Any, case: Case, note: str, materials_missing: list[str]) -> Case:
    """Home visit. Anything missing is told once, in full (一次性告知) → ``awaiting_materials``;
    nothing missing → ``visited``."""
    note = _text(note, field="note", max_length=2000)
    missing = [clean_text(m).strip() for m in (materials_missing or [])]
    missing = list(dict.fromkeys(m for m in missing if m))
    if len(missing) > MAX_MATERIALS or any(len(m) > 128 for m in missing):
        raise ValidationError({"materials_missing": [f"最多 {MAX_MATERIALS} 项，每项不超过 128 个字符。"]})

    def apply(c: Case) -> None:
        _visit_reminders_cancel(c)  # the visit took place: the agreed time's reminders are moot
        c.materials_missing = missing
        if missing:
            c.status = S.AWAITING_MATERIALS
            _save(c, ["materials_missing", "status"])
            listing = "；".join(f"{i}. {m}" for i, m in enumerate(missing, 1))
            text = f"一次性告知需补充材料：{listing}"
            _event(
                case=c,
                kind="materials_requested",
                note=f"{text}。{note}" if note else text,
                actor=actor,
                data={"materials_missing": missing},
            )
            visits = c.events.filter(kind="materials_requested").count()
            _notify_resident(c, "materials_missing", f"materials:{visits}", materials="、".join(missing))
        else:
            c.status = S.VISITED
            _save(c, ["materials_missing", "status"])
            _event(case=c, kind="visited", note=note or "已上门，材料齐全", actor=actor)

    return _transition(actor=actor, case=case, action="visit", apply=apply)


def case_submit(*, actor: Any, case: Case, department: str, reference_no: str, note: str = "") -> Case:
    """Submitted on the resident's behalf to the department (platform reference number recorded)."""
    department = _text(department, field="department", max_length=128, required=True)
    reference_no = _text(reference_no, field="reference_no", max_length=64)
    note = _text(note, field="note", max_length=2000)

    def apply(c: Case) -> None:
        c.department = department
        c.reference_no = reference_no
        c.status = S.SUBMITTED
        _save(c, ["department", "reference_no", "status"])
        text = f"已代为报送{department}" + (f"（受理号 {reference_no}）" if reference_no else "")
        _event(
            case=c,
            kind="submitted",
            note=f"{text}。{note}" if note else text,
            actor=actor,
            data={"department": department, "reference_no": reference_no},
        )
        _notify_resident(c, "case_submitted", "submitted", department=department, reference_no=reference_no)

    return _transition(actor=actor, case=case, action="submit", apply=apply)


def case_progress(*, actor: Any, case: Case, note: str, notify_resident: bool = False) -> Case:
    """A progress update while the department handles the case (0..n times); SMS'd if marked for the resident."""
    note = _text(note, field="note", max_length=2000, required=True)

    def apply(c: Case) -> None:
        _save(c, [])
        event = _event(case=c, kind="progress", note=note, actor=actor)
        if notify_resident:
            _notify_resident(c, "case_progress", f"progress:{event.pk}", note=snippet(note))

    return _transition(actor=actor, case=case, action="progress", apply=apply)


def case_complete(
    *,
    actor: Any,
    case: Case,
    result: str,
    note: str = "",
    delivery_method: str = "door",
    tracking_no: str = "",
) -> Case:
    """Completed and the result delivered (上门送达 / 邮寄 with tracking number / 窗口领取 / 电子证照)."""
    result = _text(result, field="result", max_length=2000, required=True)
    note = _text(note, field="note", max_length=2000)
    tracking_no = _text(tracking_no, field="tracking_no", max_length=64).strip()
    if delivery_method not in Case.DeliveryMethod.values:
        raise ValidationError({"delivery_method": ["未知的送达方式。"]})
    tracking_error = delivery_tracking_error(delivery_method=delivery_method, tracking_no=tracking_no)
    if tracking_error:
        raise ValidationError({"tracking_no": [tracking_error]})

    def apply(c: Case) -> None:
        _complete_fields(c, result=result, delivery_method=delivery_method, tracking_no=tracking_no)
        label = str(Case.DeliveryMethod(delivery_method).label)
        text = f"已办结：{result}（{label}{'，单号 ' + tracking_no if tracking_no else ''}）"
        _event(
            case=c,
            kind="completed",
            note=f"{text}。{note}" if note else text,
            actor=actor,
            data={"delivery_method": delivery_method, "tracking_no": tracking_no},
        )
        _notify_resident(
            c,
            "result_ready",
            "completed",
            result=result,
            delivery=label,
            tracking_no=tracking_no,
            delivery_note=f"，{label}" + (f"，单号{tracking_no}" if tracking_no else ""),
        )
        _notify_resident(
            c,
            "feedback_request",
            "feedback",
            feedback_due=timezone.localtime(c.feedback_due_at).strftime("%Y-%m-%d")
            if c.feedback_due_at
            else "",
            track_url=_feedback_link(c),  # signed one-use /rate/<token>/ link (residents module)
        )

    return _transition(actor=actor, case=case, action="complete", apply=apply)


def case_answer(*, actor: Any, case: Case, answer: str) -> Case:
    """Policy consultation (政策咨询): record the answer and complete without a submission step."""
    answer = _text(answer, field="answer", max_length=2000, required=True)

    def check(c: Case) -> None:
        if not c.matter.is_consultation:
            raise ApplicationError("只有政策咨询类事项可直接答复办结。", {"status": c.status}, status=409)

    def apply(c: Case) -> None:
        _complete_fields(c, result=answer, delivery_method=Case.DeliveryMethod.DOOR, tracking_no="")
        _event(case=c, kind="answered", note=f"咨询答复：{answer}", actor=actor)
        _notify_resident(
            c, "result_ready", "completed", result=answer, delivery="", tracking_no="", delivery_note=""
        )
        _notify_resident(c, "feedback_request", "feedback", track_url=_feedback_link(c))

    return _transition(actor=actor, case=case, action="answer", apply=apply, extra_check=check)


# --- scheduled home visit (预约上门) -------------------------------------------------------------------------

VISIT_MAX_AHEAD_DAYS = 30


def visit_time_label(value: dt.datetime) -> str:
    """``12月3日 上午9:00`` in local time: how staff and residents say a visit time."""
    local = timezone.localtime(value)
    hour = local.hour
    if hour < 12:
        part, shown = "上午", hour
    elif hour == 12:
        part, shown = "中午", 12
    elif hour < 18:
        part, shown = "下午", hour - 12
    else:
        part, shown = "晚上", hour - 12
    return f"{local.month}月{local.day}日 {part}{shown}:{local.minute:02d}"


def _check_visit_at(visit_at: dt.datetime | None) -> dt.datetime:
    if visit_at is None:
        raise ValidationError({"visit_at": ["请选择上门时间。"]})
    if timezone.is_naive(visit_at):
        visit_at = timezone.make_aware(visit_at)  # a form's local wall-clock time
    now = timezone.now()
    if visit_at <= now:
        raise ValidationError({"visit_at": ["上门时间必须晚于现在。"]})
    if visit_at > now + dt.timedelta(days=VISIT_MAX_AHEAD_DAYS):
        raise ValidationError({"visit_at": [f"上门时间不能晚于 {VISIT_MAX_AHEAD_DAYS} 天之后。"]})
    return visit_at.replace(second=0, microsecond=0)


def case_schedule_visit(*, actor: Any, case: Case, visit_at: dt.datetime) -> Case:
    """Agree a home-visit time with the resident (预约上门); the status does not change.

    The assigned agent or station staff of the case's site, while ``assigned`` / ``awaiting_materials``.
    Writes a public timeline line, tells the resident at once and queues the reminders (resident the day
    before and 2 h before, agent the day before) via ``reminders.visit_reminders_schedule``. A new time
    cancels the old time's pending reminders first; the visit itself (``case_visit``) cancels the rest.
    """
    visit_at = _check_visit_at(visit_at)
    _authorize(actor=actor, case=case, action="schedule_visit")  # cheap pre-check, before the lock
    with transaction.atomic():
        c = _lock(case)
        _authorize(actor=actor, case=c, action="schedule_visit")
        if c.assigned_agent is None:
            raise ApplicationError("案件尚未分派帮办员，不能预约上门。", {"status": c.status}, status=409)
        previous = c.visit_at
        if previous is not None and previous != visit_at:
            _visit_reminders_cancel(c)  # the old time's reminders must not go out
        c.visit_at = visit_at
        _save(c, ["visit_at"])
        label = visit_time_label(visit_at)
        _event(
            case=c,
            kind="visit_scheduled",
            note=f"{'改约' if previous and previous != visit_at else '预约'}于{label}上门",
            actor=actor,
            data={"visit_at": visit_at.isoformat(), "previous": previous.isoformat() if previous else None},
        )
        from workflows.reminders import visit_reminders_schedule

        visit_reminders_schedule(case=c, visit_at=visit_at)
        _notify_resident(
            c,
            "visit_scheduled",
            f"visit_scheduled:{timezone.localtime(visit_at):%Y%m%d%H%M}",
            visit_date=label,
        )
    return c
