"""The assigned agent's steps on a case: the home visit (and its agreed time, 预约上门), submission to the
department, progress notes, completion and the policy-consultation answer. The status itself is written by
``workflows.transitions`` (``case_move``, ``case_finish``).
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
from workflows.selectors import CasePermit, case_permit
from workflows.timeline import case_event_write
from workflows.transitions import (
    Result,
    S,
    case_finish,
    case_lock,
    case_move,
    case_text,
    case_transition,
    case_update,
    notify_resident,
)
from workflows.transitions import case_visit_reminders_cancel as _visit_reminders_cancel
from workflows.transitions import notify_resident as tell_resident_now

MAX_MATERIALS = 50


def case_visit(
    *, actor: Any, case: Case, note: str, materials_missing: list[str], permit: CasePermit | None = None
) -> Case:
    """Home visit. Anything missing is told once, in full (一次性告知) → ``awaiting_materials``;
    nothing missing → ``visited``."""
    note = case_text(note, field="note", max_length=2000)
    missing = [clean_text(m).strip() for m in (materials_missing or [])]
    missing = list(dict.fromkeys(m for m in missing if m))
    if len(missing) > MAX_MATERIALS or any(len(m) > 128 for m in missing):
        raise ValidationError({"materials_missing": [f"最多 {MAX_MATERIALS} 项，每项不超过 128 个字符。"]})

    def apply(c: Case) -> None:
        _visit_reminders_cancel(c)  # the visit took place: the agreed time's reminders are moot
        if missing:
            listing = "；".join(f"{i}. {m}" for i, m in enumerate(missing, 1))
            text = f"一次性告知需补充材料：{listing}"
            case_move(
                case=c,
                actor=actor,
                status=S.AWAITING_MATERIALS,
                materials_missing=missing,
                kind="materials_requested",
                note=f"{text}。{note}" if note else text,
                data={"materials_missing": missing},
            )
            visits = c.events.filter(kind="materials_requested").count()
            notify_resident(c, "materials_missing", f"materials:{visits}", materials="、".join(missing))
        else:
            case_move(
                case=c,
                actor=actor,
                status=S.VISITED,
                materials_missing=missing,
                kind="visited",
                note=note or "已上门，材料齐全",
            )

    return case_transition(actor=actor, case=case, action="visit", apply=apply, permit=permit)


def case_submit(
    *,
    actor: Any,
    case: Case,
    department: str,
    reference_no: str,
    note: str = "",
    permit: CasePermit | None = None,
) -> Case:
    """Submitted on the resident's behalf to the department (platform reference number recorded)."""
    department = case_text(department, field="department", max_length=128, required=True)
    reference_no = case_text(reference_no, field="reference_no", max_length=64)
    note = case_text(note, field="note", max_length=2000)

    def apply(c: Case) -> None:
        text = f"已代为报送{department}" + (f"（受理号 {reference_no}）" if reference_no else "")
        case_move(
            case=c,
            actor=actor,
            status=S.SUBMITTED,
            department=department,
            reference_no=reference_no,
            kind="submitted",
            note=f"{text}。{note}" if note else text,
            data={"department": department, "reference_no": reference_no},
        )
        notify_resident(c, "case_submitted", "submitted", department=department, reference_no=reference_no)

    return case_transition(actor=actor, case=case, action="submit", apply=apply, permit=permit)


def case_progress(
    *, actor: Any, case: Case, note: str, notify_resident: bool = False, permit: CasePermit | None = None
) -> Case:
    """A progress update while the department handles the case (0..n times); SMS'd if marked for the resident."""
    note = case_text(note, field="note", max_length=2000, required=True)

    def apply(c: Case) -> None:
        case_update(case=c)  # the status stays; updated_at moves
        event = case_event_write(case=c, kind="progress", note=note, actor=actor)
        if notify_resident:
            tell_resident_now(c, "case_progress", f"progress:{event.pk}", note=snippet(note))

    return case_transition(actor=actor, case=case, action="progress", apply=apply, permit=permit)


def case_complete(
    *,
    actor: Any,
    case: Case,
    result: str,
    note: str = "",
    delivery_method: str = "door",
    tracking_no: str = "",
    permit: CasePermit | None = None,
) -> Case:
    """Completed and the result delivered (上门送达 / 邮寄 with tracking number / 窗口领取 / 电子证照)."""
    result = case_text(result, field="result", max_length=2000, required=True)
    note = case_text(note, field="note", max_length=2000)
    tracking_no = case_text(tracking_no, field="tracking_no", max_length=64).strip()
    if delivery_method not in Case.DeliveryMethod.values:
        raise ValidationError({"delivery_method": ["未知的送达方式。"]})
    tracking_error = delivery_tracking_error(delivery_method=delivery_method, tracking_no=tracking_no)
    if tracking_error:
        raise ValidationError({"tracking_no": [tracking_error]})

    def apply(c: Case) -> None:
        label = str(Case.DeliveryMethod(delivery_method).label)
        text = f"已办结：{result}（{label}{'，单号 ' + tracking_no if tracking_no else ''}）"
        case_finish(
            case=c,
            actor=actor,
            status=S.COMPLETED,
            note=f"{text}。{note}" if note else text,
            data={"delivery_method": delivery_method, "tracking_no": tracking_no},
            result=Result(result, delivery_method, tracking_no, delivery_label=label),
        )

    return case_transition(actor=actor, case=case, action="complete", apply=apply, permit=permit)


def case_answer(*, actor: Any, case: Case, answer: str, permit: CasePermit | None = None) -> Case:
    """Policy consultation (政策咨询): record the answer and complete without a submission step."""
    answer = case_text(answer, field="answer", max_length=2000, required=True)

    def check(c: Case) -> None:
        if not c.matter.is_consultation:
            raise ApplicationError("只有政策咨询类事项可直接答复办结。", {"status": c.status}, status=409)

    def apply(c: Case) -> None:
        case_finish(
            case=c,
            actor=actor,
            status=S.COMPLETED,
            kind="answered",
            note=f"咨询答复：{answer}",
            result=Result(answer),
        )

    return case_transition(
        actor=actor, case=case, action="answer", apply=apply, extra_check=check, permit=permit
    )


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


def case_schedule_visit(
    *, actor: Any, case: Case, visit_at: dt.datetime, permit: CasePermit | None = None
) -> Case:
    """Agree a home-visit time with the resident (预约上门); the status does not change.

    The assigned agent or station staff of the case's site, while ``assigned`` / ``awaiting_materials``.
    Writes a public timeline line, tells the resident at once and queues the reminders (resident the day
    before and 2 h before, agent the day before) via ``reminders.visit_reminders_schedule``. A new time
    cancels the old time's pending reminders first; the visit itself (``case_visit``) cancels the rest.
    """
    visit_at = _check_visit_at(visit_at)
    if permit is None:
        permit = case_permit(user=actor, case=case)
        permit.require(case=case, action="schedule_visit")  # cheap pre-check, before the lock
    with transaction.atomic():
        c = case_lock(case)
        permit.require(case=c, action="schedule_visit")
        if c.assigned_agent is None:
            raise ApplicationError("案件尚未分派帮办员，不能预约上门。", {"status": c.status}, status=409)
        previous = c.visit_at
        if previous is not None and previous != visit_at:
            _visit_reminders_cancel(c)  # the old time's reminders must not go out
        case_update(case=c, visit_at=visit_at)
        label = visit_time_label(visit_at)
        case_event_write(
            case=c,
            kind="visit_scheduled",
            note=f"{'改约' if previous and previous != visit_at else '预约'}于{label}上门",
            actor=actor,
            data={"visit_at": visit_at.isoformat(), "previous": previous.isoformat() if previous else None},
        )
        from workflows.reminders import visit_reminders_schedule

        visit_reminders_schedule(case=c, visit_at=visit_at)
        notify_resident(
            c,
            "visit_scheduled",
            f"visit_scheduled:{timezone.localtime(visit_at):%Y%m%d%H%M}",
            visit_date=label,
        )
    return c
