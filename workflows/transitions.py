"""The one writer of a case's state: every change of ``Case.status`` is assigned here, nowhere else.

The public transition API, used by the case process's services (``workflows.services``, ``case_steps``,
``case_closing``, ``intake_services``) and by the apps built on cases (``bundles``, ``handoffs``):

- ``case_transition``: one action on one case: the permit (404 outside scope → 403 wrong role → 409 wrong
  status, ``workflows.selectors.CasePermit``, evaluated once per request and passed along) → the case row
  locked (``SELECT … FOR UPDATE``, so a concurrent second request waits and then sees the new status) → the
  status checked again on the locked row → ``apply`` → the open Viewflow ``Handle`` task completed under the
  flow's own ``select_for_update`` lock (the ``route`` switch then opens the next step from the new status) →
  ``workflows.extensions.case_changed`` (a 一件事's parent follows), all in one transaction;
- inside ``apply`` (or under a lock the caller holds): ``case_move`` (a new status on the way, with its one
  timeline row) and ``case_finish`` (how a case ends — completion, or 不予受理 / withdrawal / close — written
  once: its fields, its one timeline row and the resident's messages); ``case_update`` for fields that are not
  the status;
- the kit around them: ``case_lock``, ``case_text``, ``case_step_run``, ``notify_resident``, ``notify_agent``.

Notifications are enqueued in the same transaction (the outbox sends after commit).
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from agency.models import Agent
from agency.selectors import agent_public_phone
from core.db_errors import is_lock_not_available
from core.exceptions import ApplicationError
from core.masking import mask_name, mask_phone
from core.text import clean_text
from core.workdays import add_working_days
from notifications.services import notification_enqueue
from workflows.case_in_hand import case_in_hand
from workflows.case_messages import snippet
from workflows.extensions import case_changed
from workflows.feedback_links import feedback_link_url
from workflows.models import Case, CaseEvent
from workflows.selectors import CasePermit, case_permit
from workflows.timeline import case_event_write

logger = logging.getLogger(__name__)

S = Case.Status


def feedback_window_workdays() -> int:
    """Working days a completed case waits for the resident's rating before it closes by itself."""
    return int(getattr(settings, "FEEDBACK_AUTOCLOSE_DAYS", 5))


def notify_resident(case: Case, template: str, key: str, **extra: str) -> None:
    if case.bundle_parent_id is not None:
        return  # a 一件事 member: the resident hears from the bundle (its parent case), not four streams
    agent = case.assigned_agent
    context = {
        "case_no": case.case_no,
        "matter": case.matter.name,
        "site_name": case.site.name,
        "status": str(case.get_status_display()),
        "due_date": timezone.localtime(case.due_at).strftime("%Y-%m-%d") if case.due_at else "",
        "agent_name": agent.name if agent else "",
        "agent_phone": agent_public_phone(agent, case.site) if agent else (case.site.phone or ""),
        "track_url": f"{settings.SITE_URL}/track/",
    }
    context.update({k: str(v) for k, v in extra.items()})
    notification_enqueue(
        dedupe_key=f"case:{case.case_no}:{key}",
        template=template,
        context=context,
        recipient_phone=str(case.resident_phone),
        audience="resident",
    )


def notify_agent(case: Case, agent: Agent | None, template: str, key: str, **extra: str) -> None:
    if agent is None:
        return
    context = {
        "case_no": case.case_no,
        "matter": case.matter.name,
        "site_name": case.site.name,
        # masked like the phone: an SMS stays on the agent's phone (and its lock screen) long after the case;
        # the full name is on the case page behind the login
        "resident_name": mask_name(case.resident_name),
        "resident_phone": mask_phone(case.resident_phone),
        "address": case.address,
        "due_date": timezone.localtime(case.due_at).strftime("%Y-%m-%d") if case.due_at else "",
        "agent_name": agent.name,
    }
    context.update({k: str(v) for k, v in extra.items()})
    notification_enqueue(
        dedupe_key=f"case:{case.case_no}:{key}",
        template=template,
        context=context,
        recipient_phone=str(agent.phone) if agent.phone else "",
        recipient_user_id=agent.user_id,
        audience="staff",
    )


def case_text(value: str | None, *, field: str, max_length: int, required: bool = False) -> str:
    text = clean_text(value)
    if required and not text.strip():
        raise ValidationError({field: ["此项为必填项。"]})
    if len(text) > max_length:
        raise ValidationError({field: [f"不能超过 {max_length} 个字符。"]})
    return text


def case_lock(case: Case) -> Case:
    """Re-read ``case`` with its row locked until the transaction ends (a concurrent writer waits here)."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("site", "matter", "assigned_agent", "grid")
        .get(pk=case.pk)
    )


def open_task(case: Case) -> Task | None:
    if case.process_id is None:
        return None
    return (
        Task.objects.filter(process_id=case.process_id, status=STATUS.NEW)
        .exclude(flow_task_type="TIMER")
        .order_by("-id")
        .first()
    )


def case_step_run(case: Case, *, action: str, actor: Any) -> None:
    """Complete the case's open Handle task; the flow's ``route`` then opens the step the new status needs.

    Cases loaded without a process (bulk benchmark data) simply skip the engine.
    """
    task = open_task(case)
    if task is None:
        if case.process_id is not None:
            logger.warning("Case %s has a process but no open task (action %s)", case.case_no, action)
        return
    try:
        with case_in_hand(case):
            task.flow_task.run(task, action=action, actor_id=getattr(actor, "pk", None))
    except (FlowLockFailed, DatabaseError) as exc:
        if not is_lock_conflict(exc):
            raise  # a dropped connection or a real database fault is a server error, not a conflict
        logger.info("Flow lock busy for %s: %s", case.case_no, exc)
        # The in-memory case already holds the new status, which is being rolled back: don't report it.
        raise ApplicationError("案件正在被他人处理，请稍后重试。", {"reason": "busy"}, status=409)


def is_lock_conflict(exc: Exception) -> bool:
    """Viewflow's lock gave up, PostgreSQL refused a NOWAIT row lock (55P03), or SQLite was locked."""
    return isinstance(exc, FlowLockFailed) or is_lock_not_available(exc)


def _save(case: Case, fields: Iterable[str]) -> None:
    # loaded relations: their existence SELECTs would only repeat what the foreign keys guarantee
    case.full_clean(
        exclude=["process", "created_by", "site", "matter", "grid", "assigned_agent", "bundle_parent"]
    )
    case.save(update_fields=[*fields, "updated_at"])


def case_visit_reminders_cancel(case: Case) -> None:
    """Cancel the pending reminders of the case's agreed visit time (rescheduled, visited, transferred, ended)."""
    from workflows.reminders.visits import visit_reminders_cancel  # reminders import notifications: lazy

    visit_reminders_cancel(case=case)


def case_update(*, case: Case, **values: Any) -> None:
    """Set and save fields of a locked case other than its status (``case_move`` / ``case_finish`` own that)."""
    if "status" in values:
        raise ValueError("a case's status changes through case_move or case_finish")
    for name, value in values.items():
        setattr(case, name, value)
    _save(case, list(values))


def case_move(
    *,
    case: Case,
    actor: Any,
    status: str,
    kind: str,
    note: str = "",
    public: bool = True,
    data: dict[str, Any] | None = None,
    **values: Any,
) -> CaseEvent:
    """A locked, open case takes a new status on the way (with ``values`` for other fields): saved, and its one
    timeline row written and returned. Ends go through ``case_finish``; the flow step is ``case_step_run``."""
    if status in S.FINAL:  # type: ignore[attr-defined]
        raise ValueError(f"{status} ends a case: use case_finish")
    for name, value in values.items():
        setattr(case, name, value)
    case.status = status
    _save(case, [*values, "status"])
    return case_event_write(case=case, kind=kind, note=note, actor=actor, public=public, data=data)


def case_start(
    *, case: Case, actor: Any, start: Callable[[Case], Any], note: str, **values: Any
) -> CaseEvent:
    """A waiting case (a 一件事 member whose dependencies are done) starts: its status becomes ``new``,
    ``start`` (the flow's ``CaseFlow.start.run``, which wants a new case) gives its process, and the case is
    saved with ``values`` and its one ``created`` timeline row."""
    if case.status != S.WAITING:
        raise ValueError(f"case {case.case_no} is {case.status}, not waiting")
    for name, value in values.items():
        setattr(case, name, value)
    case.status = S.NEW
    case.process = start(case)
    _save(case, [*values, "status", "process"])
    return case_event_write(case=case, kind="created", note=note, actor=actor)


@dataclass(frozen=True)
class Result:
    """What a completion delivers: the result text, how it reaches the resident (``delivery_label`` is what
    the resident's message says of it: empty for an answer, a hand-off's return or a 一件事)."""

    text: str
    delivery_method: str = Case.DeliveryMethod.DOOR
    tracking_no: str = ""
    delivery_label: str = ""
    # what the resident's 办结 message says of the result, if not ``text`` (a 一件事: its progress)
    told: str = ""


def case_finish(
    *,
    case: Case,
    actor: Any,
    status: str,
    note: str,
    kind: str = "",
    data: dict[str, Any] | None = None,
    result: Result | None = None,
    tell_resident: str | None = None,
) -> CaseEvent:
    """How a locked case ends, written once: completion (``completed``, with ``result``: the result fields,
    completed_at, the feedback window, and the resident's 办结 + 邀请评价 messages) or a terminal end
    (``rejected`` / ``withdrawn`` / ``closed``: closed_at, a pending visit's reminders cancelled, and — when
    ``tell_resident`` gives the reason — the resident's 不予受理 / 撤回 message). Writes the one timeline row
    (``kind``, default the status) and returns it; the flow step is the caller's (``case_step_run``)."""
    now = timezone.now()
    if status == S.COMPLETED:
        if result is None:
            raise ValueError("a completion needs its result")
        case.result = result.text
        case.delivery_method = result.delivery_method
        case.tracking_no = result.tracking_no
        case.status = S.COMPLETED
        case.completed_at = now
        case.feedback_due_at = add_working_days(now, feedback_window_workdays())
        _save(case, ["result", "delivery_method", "tracking_no", "status", "completed_at", "feedback_due_at"])
        event = case_event_write(case=case, kind=kind or status, note=note, actor=actor, data=data)
        notify_resident(
            case,
            "result_ready",
            "completed",
            result=result.told or result.text,
            delivery=result.delivery_label,
            tracking_no=result.tracking_no,
            # the SMS names how the result reaches the resident and its tracking number (mail/express)
            delivery_note=(
                f"，{result.delivery_label}" + (f"，单号{result.tracking_no}" if result.tracking_no else "")
                if result.delivery_label
                else ""
            ),
        )
        notify_resident(
            case,
            "feedback_request",
            "feedback",
            feedback_due=timezone.localtime(case.feedback_due_at).strftime("%Y-%m-%d"),
            track_url=feedback_link_url(case=case),  # signed one-use /rate/<token>/ link (residents module)
        )
        return event
    if status not in (S.REJECTED, S.WITHDRAWN, S.CLOSED):
        raise ValueError(f"{status} is not an end of a case")
    case.status = status
    case.closed_at = now
    _save(case, ["status", "closed_at"])
    if status != S.CLOSED and case.visit_at is not None:
        case_visit_reminders_cancel(case)  # no "visit tomorrow" SMS for a case that is over
    event = case_event_write(case=case, kind=kind or status, note=note, actor=actor, data=data)
    if tell_resident is not None and status == S.REJECTED:
        notify_resident(case, "case_rejected", "rejected", reason=tell_resident)
    elif tell_resident is not None and status == S.WITHDRAWN:
        notify_resident(
            case,
            "case_withdrawn",
            "withdrawn",
            reason=snippet(tell_resident),
            site_phone=case.site.phone or "",
        )
    return event


def case_transition(
    *,
    actor: Any,
    case: Case,
    action: str,
    apply: Callable[[Case], None],
    extra_check: Callable[[Case], None] | None = None,
    permit: CasePermit | None = None,
    step: bool = True,
    changed_as: str | None = None,
) -> Case:
    """One ``action`` on ``case`` (see the module docstring); returns the locked, changed case.

    ``permit``: the one the request evaluated (and checked) already; without it, it is evaluated and checked
    here before waiting on the lock. ``step=False``: the status does not change, no flow step and no
    ``case_changed``; ``changed_as``: the action the apps built on cases hear (default ``action``).
    """
    if permit is None:
        permit = case_permit(user=actor, case=case)
        permit.require(case=case, action=action)  # cheap pre-check, before waiting on a lock
    with transaction.atomic():
        locked = case_lock(case)
        permit.require(case=locked, action=action)  # the status again (and who, if the case moved meanwhile)
        if extra_check is not None:
            extra_check(locked)
        apply(locked)
        if step:
            case_step_run(locked, action=action, actor=actor)
            case_changed(case=locked, action=changed_as or action, actor=actor)  # e.g. a 一件事's parent
    return locked
