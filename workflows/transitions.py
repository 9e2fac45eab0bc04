"""The transition kit every case write shares (``workflows.services`` and the apps built on cases).

One transition: permission (404 outside scope → 403 wrong role) → lock the case row (``SELECT … FOR UPDATE``,
so a concurrent second request waits and then sees the new status) → status check (409) → case fields → one
timeline row (``workflows.timeline``) → the open Viewflow ``Handle`` task completed under the flow's own
``select_for_update`` lock (the ``route`` switch then opens the next step from the new status) →
notifications enqueued in the same transaction (the outbox sends after commit).

The names keep their leading underscore: they are the case package's internals, used by its service modules
and (through ``workflows.services``) by ``bundles`` and ``handoffs``, never by views.
"""

import logging
from collections.abc import Callable, Iterable
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
from core.masking import mask_phone
from core.text import clean_text
from core.workdays import add_working_days
from notifications.services import notification_enqueue
from workflows import selectors
from workflows.extensions import case_changed
from workflows.feedback_links import feedback_link_url
from workflows.flows import case_in_hand
from workflows.models import Case, CaseEvent
from workflows.timeline import case_event_write

logger = logging.getLogger(__name__)

S = Case.Status


def feedback_window_workdays() -> int:
    """Working days a completed case waits for the resident's rating before it closes by itself."""
    return int(getattr(settings, "FEEDBACK_AUTOCLOSE_DAYS", 5))


def _event(
    *,
    case: Case,
    kind: str,
    note: str = "",
    actor: Any = None,
    public: bool = True,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """One timeline row of a transition (``workflows.timeline.case_event_write``)."""
    return case_event_write(case=case, kind=kind, note=note, actor=actor, public=public, data=data)


def _notify_resident(case: Case, template: str, key: str, **extra: str) -> None:
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


def _notify_agent(case: Case, agent: Agent | None, template: str, key: str, **extra: str) -> None:
    if agent is None:
        return
    context = {
        "case_no": case.case_no,
        "matter": case.matter.name,
        "site_name": case.site.name,
        "resident_name": case.resident_name,
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


def _text(value: str | None, *, field: str, max_length: int, required: bool = False) -> str:
    text = clean_text(value)
    if required and not text.strip():
        raise ValidationError({field: ["此项为必填项。"]})
    if len(text) > max_length:
        raise ValidationError({field: [f"不能超过 {max_length} 个字符。"]})
    return text


def _authorize(*, actor: Any, case: Case, action: str) -> None:
    """404 outside scope, 403 role may not, 409 wrong status (in that order)."""
    selectors.case_action_check(user=actor, case=case, action=action)


def _lock(case: Case) -> Case:
    """Re-read ``case`` with its row locked until the transaction ends (a concurrent writer waits here)."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("site", "matter", "assigned_agent", "grid")
        .get(pk=case.pk)
    )


def _open_task(case: Case) -> Task | None:
    if case.process_id is None:
        return None
    return (
        Task.objects.filter(process_id=case.process_id, status=STATUS.NEW)
        .exclude(flow_task_type="TIMER")
        .order_by("-id")
        .first()
    )


def _run_step(case: Case, *, action: str, actor: Any) -> None:
    """Complete the case's open Handle task; the flow's ``route`` then opens the step the new status needs.

    Cases loaded without a process (bulk benchmark data) simply skip the engine.
    """
    task = _open_task(case)
    if task is None:
        if case.process_id is not None:
            logger.warning("Case %s has a process but no open task (action %s)", case.case_no, action)
        return
    try:
        with case_in_hand(case):
            task.flow_task.run(task, action=action, actor_id=getattr(actor, "pk", None))
    except (FlowLockFailed, DatabaseError) as exc:
        if not _is_lock_conflict(exc):
            raise  # a dropped connection or a real database fault is a server error, not a conflict
        logger.info("Flow lock busy for %s: %s", case.case_no, exc)
        # The in-memory case already holds the new status, which is being rolled back: don't report it.
        raise ApplicationError("案件正在被他人处理，请稍后重试。", {"reason": "busy"}, status=409)


def _is_lock_conflict(exc: Exception) -> bool:
    """Viewflow's lock gave up, PostgreSQL refused a NOWAIT row lock (55P03), or SQLite was locked."""
    return isinstance(exc, FlowLockFailed) or is_lock_not_available(exc)


def _save(case: Case, fields: Iterable[str]) -> None:
    case.full_clean(exclude=["process", "created_by", "site", "matter", "grid", "assigned_agent"])
    case.save(update_fields=[*fields, "updated_at"])


def _transition(
    *,
    actor: Any,
    case: Case,
    action: str,
    apply: Callable[[Case], None],
    extra_check: Callable[[Case], None] | None = None,
) -> Case:
    _authorize(actor=actor, case=case, action=action)  # cheap pre-check, before waiting on a lock
    with transaction.atomic():
        locked = _lock(case)
        _authorize(actor=actor, case=locked, action=action)
        if extra_check is not None:
            extra_check(locked)
        apply(locked)
        _run_step(locked, action=action, actor=actor)
        case_changed(case=locked, action=action, actor=actor)  # issue 15: e.g. a 一件事's parent follows
    return locked


def _complete_fields(c: Case, *, result: str, delivery_method: str, tracking_no: str) -> None:
    now = timezone.now()
    c.result = result
    c.delivery_method = delivery_method
    c.tracking_no = tracking_no
    c.status = S.COMPLETED
    c.completed_at = now
    c.feedback_due_at = add_working_days(now, feedback_window_workdays())
    _save(c, ["result", "delivery_method", "tracking_no", "status", "completed_at", "feedback_due_at"])


def _feedback_link(case: Case) -> str:
    return feedback_link_url(case=case)


def _visit_reminders_cancel(case: Case) -> None:
    from workflows.reminders import visit_reminders_cancel  # reminders imports models only; keep it lazy

    visit_reminders_cancel(case=case)
