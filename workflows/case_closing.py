"""How a case ends: 不予受理, withdrawal, close (by staff or, after the feedback window, by the system) and the
bad-rating loop's case half (into rectification, the rectification report). Re-exported by
``workflows.services``."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.text import clean_text
from core.workdays import add_working_days
from workflows import extensions, selectors
from workflows.case_messages import snippet
from workflows.models import Case
from workflows.transitions import (
    S,
    _event,
    _lock,
    _notify_resident,
    _run_step,
    _save,
    _text,
    _transition,
    _visit_reminders_cancel,
    feedback_window_workdays,
)


def case_reject(*, actor: Any, case: Case, reason: str) -> Case:
    """不予受理, with the reason told to the resident."""
    reason = _text(reason, field="reason", max_length=2000, required=True)

    def apply(c: Case) -> None:
        c.status = S.REJECTED
        c.closed_at = timezone.now()
        _save(c, ["status", "closed_at"])
        _visit_reminders_cancel(c)  # no "visit tomorrow" SMS for a case that is over
        _event(case=c, kind="rejected", note=reason, actor=actor)
        _notify_resident(c, "case_rejected", "rejected", reason=reason)

    return _transition(actor=actor, case=case, action="reject", apply=apply)


def case_withdraw(*, actor: Any, case: Case, reason: str) -> Case:
    """The resident asked to withdraw (recorded by staff or the assigned agent)."""
    reason = _text(reason, field="reason", max_length=2000, required=True)

    def apply(c: Case) -> None:
        c.status = S.WITHDRAWN
        c.closed_at = timezone.now()
        _save(c, ["status", "closed_at"])
        _visit_reminders_cancel(c)  # no "visit tomorrow" SMS for a case that is over
        _event(case=c, kind="withdrawn", note=reason, actor=actor)
        _notify_resident(
            c, "case_withdrawn", "withdrawn", reason=snippet(reason), site_phone=c.site.phone or ""
        )

    return _transition(actor=actor, case=case, action="withdraw", apply=apply)


def _check_closable(c: Case) -> None:
    if not selectors.case_closable(c):
        raise ApplicationError(
            "群众尚未评价且评价期未满，暂不能关闭。",
            {
                "status": c.status,
                "feedback_due_at": c.feedback_due_at.isoformat() if c.feedback_due_at else None,
            },
            status=409,
        )


def case_close(*, actor: Any, case: Case, note: str = "") -> Case:
    """Staff close a completed case after the resident's rating or the end of the feedback window."""
    note = _text(note, field="note", max_length=2000)

    def apply(c: Case) -> None:
        c.status = S.CLOSED
        c.closed_at = timezone.now()
        _save(c, ["status", "closed_at"])
        _event(case=c, kind="closed", note=note or "案件已关闭", actor=actor)

    return _transition(actor=actor, case=case, action="close", apply=apply, extra_check=_check_closable)


def _apply_autoclose(c: Case) -> None:
    c.status = S.CLOSED
    c.closed_at = timezone.now()
    _save(c, ["status", "closed_at"])
    _event(case=c, kind="closed", note="评价期满，系统自动关闭", actor=None)


def case_autoclose(*, case: Case) -> bool:
    """System close once the feedback window has ended (sweep fallback of the flow's timer). Idempotent."""
    with transaction.atomic():
        c = _lock(case)
        if c.status != S.COMPLETED or c.feedback_due_at is None or c.feedback_due_at > timezone.now():
            return False
        _apply_autoclose(c)
        _run_step(c, action="autoclose", actor=None)
    return True


def case_autoclose_from_flow(*, case_id: int | None) -> None:
    """Called by ``CaseFlow.autoclose`` when the feedback timer fires (the engine continues the flow)."""
    if case_id is None:
        return
    with transaction.atomic():
        c = Case.objects.select_for_update(of=("self",)).select_related("site", "matter").get(pk=case_id)
        if c.status == S.COMPLETED and (c.feedback_due_at is None or c.feedback_due_at <= timezone.now()):
            _apply_autoclose(c)


def case_rectify(*, actor: Any, case: Case, note: str) -> Case:
    """Station staff file the rectification report for a bad rating (the case action): the one service both
    doors share, ``residents.rectify.rectification_report`` (record, resident SMS, timeline, follow-up),
    registered through ``extensions`` because the bad-rating loop belongs to the residents app."""
    return extensions.rectification_report(actor=actor, case=case, note=note)


def case_rectify_apply(
    *, actor: Any, case: Case, note: str, record: Callable[[Case, str], dict[str, Any]]
) -> Case:
    """The case half of a rectification: back to ``completed``, open for a follow-up rating (a new feedback
    window), then ``close``. ``record`` writes the rectification's own rows under the lock (``residents.rectify``)
    and returns what the one ``rectified`` timeline row keeps of them."""
    note = _text(note, field="note", max_length=2000, required=True)

    def apply(c: Case) -> None:
        c.status = S.COMPLETED
        c.feedback_due_at = add_working_days(timezone.now(), feedback_window_workdays())
        _save(c, ["status", "feedback_due_at"])
        _event(case=c, kind="rectified", note=note, actor=actor, data=record(c, note))

    return _transition(actor=actor, case=case, action="rectify", apply=apply)


def case_mark_rectifying(*, case: Case, rating_id: int | None, note: str) -> Case:
    """Hook for the residents module: a bad rating puts a completed case into rectification (系统).

    No permission check (the caller verified the resident). Not completed → 409.
    """
    note = clean_text(note)[:2000]
    with transaction.atomic():
        c = _lock(case)
        if c.status != S.COMPLETED:
            raise ApplicationError("案件当前状态不能进入整改。", {"status": c.status}, status=409)
        c.status = S.RECTIFYING
        _save(c, ["status"])
        _event(
            case=c,
            kind="rectifying",
            note=note or "收到差评，进入整改",
            actor=None,
            data={"rating_id": rating_id},
        )
        _run_step(c, action="rectifying", actor=None)
    return c


def feedback_deadline(completed_at: dt.datetime) -> dt.datetime:
    """End of the feedback window for a case completed at ``completed_at``."""
    return add_working_days(completed_at, feedback_window_workdays())
