"""How a case ends: 不予受理, withdrawal, close (by staff or, after the feedback window, by the system) and the
bad-rating loop's case half (into rectification, the rectification report). The status itself is written by
``workflows.transitions`` (``case_finish`` for the ends, ``case_move`` for the bad-rating loop)."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.text import clean_text
from core.workdays import add_working_days
from workflows import extensions, selectors
from workflows.models import Case
from workflows.selectors import CasePermit
from workflows.transitions import (
    S,
    case_finish,
    case_lock,
    case_move,
    case_step_run,
    case_text,
    case_transition,
    feedback_window_workdays,
)


def case_reject(*, actor: Any, case: Case, reason: str, permit: CasePermit | None = None) -> Case:
    """不予受理, with the reason told to the resident."""
    reason = case_text(reason, field="reason", max_length=2000, required=True)

    def apply(c: Case) -> None:
        case_finish(case=c, actor=actor, status=S.REJECTED, note=reason, tell_resident=reason)

    return case_transition(actor=actor, case=case, action="reject", apply=apply, permit=permit)


def case_withdraw(*, actor: Any, case: Case, reason: str, permit: CasePermit | None = None) -> Case:
    """The resident asked to withdraw (recorded by staff or the assigned agent)."""
    reason = case_text(reason, field="reason", max_length=2000, required=True)

    def apply(c: Case) -> None:
        case_finish(case=c, actor=actor, status=S.WITHDRAWN, note=reason, tell_resident=reason)

    return case_transition(actor=actor, case=case, action="withdraw", apply=apply, permit=permit)


def check_closable(c: Case) -> None:
    """409 unless the resident rated the case or its feedback window ended."""
    if not selectors.case_closable(c):
        raise ApplicationError(
            "群众尚未评价且评价期未满，暂不能关闭。",
            {
                "status": c.status,
                "feedback_due_at": c.feedback_due_at.isoformat() if c.feedback_due_at else None,
            },
            status=409,
        )


def case_close(*, actor: Any, case: Case, note: str = "", permit: CasePermit | None = None) -> Case:
    """Staff close a completed case after the resident's rating or the end of the feedback window."""
    note = case_text(note, field="note", max_length=2000)

    def apply(c: Case) -> None:
        case_finish(case=c, actor=actor, status=S.CLOSED, note=note or "案件已关闭")

    return case_transition(
        actor=actor, case=case, action="close", apply=apply, extra_check=check_closable, permit=permit
    )


def _apply_autoclose(c: Case) -> None:
    case_finish(case=c, actor=None, status=S.CLOSED, note="评价期满，系统自动关闭")


def case_autoclose(*, case: Case) -> bool:
    """System close once the feedback window has ended (sweep fallback of the flow's timer). Idempotent."""
    with transaction.atomic():
        c = case_lock(case)
        if c.status != S.COMPLETED or c.feedback_due_at is None or c.feedback_due_at > timezone.now():
            return False
        _apply_autoclose(c)
        case_step_run(c, action="autoclose", actor=None)
    return True


def case_autoclose_from_flow(*, case_id: int | None) -> None:
    """Called by ``CaseFlow.autoclose`` when the feedback timer fires (the engine continues the flow)."""
    if case_id is None:
        return
    with transaction.atomic():
        c = Case.objects.select_for_update(of=("self",)).select_related("site", "matter").get(pk=case_id)
        if c.status == S.COMPLETED and (c.feedback_due_at is None or c.feedback_due_at <= timezone.now()):
            _apply_autoclose(c)


def case_rectify(*, actor: Any, case: Case, note: str, permit: CasePermit | None = None) -> Case:
    """Station staff file the rectification report for a bad rating (the case action): the one service both
    doors share, ``residents.rectify.rectification_report`` (record, resident SMS, timeline, follow-up),
    registered through ``extensions`` because the bad-rating loop belongs to the residents app."""
    return extensions.rectification_report(actor=actor, case=case, note=note, permit=permit)


def case_rectify_apply(
    *,
    actor: Any,
    case: Case,
    note: str,
    record: Callable[[Case, str], dict[str, Any]],
    permit: CasePermit | None = None,
) -> Case:
    """The case half of a rectification: back to ``completed``, open for a follow-up rating (a new feedback
    window), then ``close``. ``record`` writes the rectification's own rows under the lock (``residents.rectify``)
    and returns what the one ``rectified`` timeline row keeps of them. ``permit``: the request's (the case
    action's view evaluated and checked it), else evaluated here."""
    note = case_text(note, field="note", max_length=2000, required=True)

    def apply(c: Case) -> None:
        case_move(
            case=c,
            actor=actor,
            status=S.COMPLETED,
            feedback_due_at=add_working_days(timezone.now(), feedback_window_workdays()),
            kind="rectified",
            note=note,
            data=record(c, note),
        )

    return case_transition(actor=actor, case=case, action="rectify", apply=apply, permit=permit)


def case_mark_rectifying(*, case: Case, rating_id: int | None, note: str) -> Case:
    """Hook for the residents module: a bad rating puts a completed case into rectification (系统).

    No permission check (the caller verified the resident). Not completed → 409.
    """
    note = clean_text(note)[:2000]
    with transaction.atomic():
        c = case_lock(case)
        if c.status != S.COMPLETED:
            raise ApplicationError("案件当前状态不能进入整改。", {"status": c.status}, status=409)
        case_move(
            case=c,
            actor=None,
            status=S.RECTIFYING,
            kind="rectifying",
            note=note or "收到差评，进入整改",
            data={"rating_id": rating_id},
        )
        case_step_run(c, action="rectifying", actor=None)
    return c


def feedback_deadline(completed_at: dt.datetime) -> dt.datetime:
    """End of the feedback window for a case completed at ``completed_at``."""
    return add_working_days(completed_at, feedback_window_workdays())
