"""Writes of the case workflow: one service per transition.

Every transition: permission (404 outside scope → 403 wrong role) → lock the case row (``SELECT … FOR
UPDATE``, so a concurrent second request waits and then sees the new status) → status check (409) →
case fields → one ``CaseEvent`` → the open Viewflow ``Handle`` task completed under the flow's own
``select_for_update`` lock (the ``route`` switch then opens the next step from the new status) →
notifications enqueued in the same transaction (the outbox sends after commit).

Viewflow transitions do not check permissions: these services do. Keyword-only arguments throughout.
"""

import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from agency.models import Agent, Grid, Matter, Site
from agency.selectors import agent_public_phone, agent_serves_site
from core.exceptions import ApplicationError
from core.masking import mask_phone
from core.phones import normalize_phone
from core.stats_generation import stats_invalidate
from core.text import clean_text
from core.workdays import add_working_days
from notifications.services import notification_enqueue
from workflows import extensions, permissions, selectors
from workflows.case_messages import snippet
from workflows.case_numbers import generate_case_no
from workflows.extensions import case_changed
from workflows.feedback_links import feedback_link_url
from workflows.flows import CaseFlow, case_in_hand
from workflows.models import Case, CaseEvent

logger = logging.getLogger(__name__)


def feedback_window_workdays() -> int:
    """Working days a completed case waits for the resident's rating before it closes by itself."""
    return int(getattr(settings, "FEEDBACK_AUTOCLOSE_DAYS", 5))


SPECIAL_GROUP_PRIORITY = 10
MAX_MATERIALS = 50

S = Case.Status


# --- helpers ---------------------------------------------------------------------------------------------


def _actor_name(actor: Any) -> str:
    if actor is None:
        return "系统"
    agent = selectors.actor_agent(actor)
    if agent is not None:
        return agent.name[:64]
    return str(getattr(actor, "display_name", "") or getattr(actor, "username", ""))[:64]


def _event(
    *,
    case: Case,
    kind: str,
    note: str = "",
    actor: Any = None,
    public: bool = True,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent(
        case=case,
        kind=kind,
        note=note,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        actor_name=_actor_name(actor),
        public=public,
        data=data or {},
    )
    # ``case`` is a saved (usually locked) instance and ``actor`` the authenticated user: skip full_clean's
    # FK existence queries for them (two SELECTs per transition).
    event.full_clean(exclude=["case", "actor"])
    event.save()
    stats_invalidate()  # every state change writes its event here: the one place the figures go stale
    return event


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
    if isinstance(exc, FlowLockFailed):
        return True
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) == "55P03":
        return True
    return "database is locked" in str(exc) or "could not obtain lock" in str(exc)


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


def _check_assignable(agent: Agent, site: Site) -> None:
    if not agent.is_active or agent.user_id is None:
        raise ValidationError({"agent": ["该帮办员未启用或没有登录账号。"]})
    if agent.is_away:
        raise ValidationError({"agent": ["该帮办员外出/休假中，请选择其他人员或其AB岗备岗人。"]})
    if not agent_serves_site(agent, site):
        raise ValidationError({"agent": ["该帮办员不服务于本站点。"]})


# --- intake ----------------------------------------------------------------------------------------------


CASE_NO_ATTEMPTS = 3
P = ParamSpec("P")


def _retry_case_no_clash(func: Callable[P, Case]) -> Callable[P, Case]:
    """Run an intake again with a fresh random case number when the unique index refuses the one it drew.

    Cheaper than asking first on every intake: a clash is rare (about one intake in 10⁴ in a month with
    100,000 already numbered), and the failed attempt is rolled back whole (only its savepoint when a caller
    holds a transaction), so no half-made case, event or message survives it.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Case:
        for attempt in range(1, CASE_NO_ATTEMPTS):
            try:
                return func(*args, **kwargs)
            except IntegrityError as exc:
                if "case_no" not in str(exc):
                    raise
                logger.info("case number clash on intake (attempt %s): %s", attempt, exc)
        return func(*args, **kwargs)

    return wrapper


@_retry_case_no_clash
@transaction.atomic
def case_create(
    *,
    actor: Any,
    site: Site,
    matter: Matter,
    resident_name: str,
    resident_phone: str,
    address: str,
    description: str = "",
    channel: str = "doorstep",
    special_groups: Iterable[str] = (),
    grid: Grid | None = None,
    id_number: str = "",
    events_out: list[CaseEvent] | None = None,
) -> Case:
    """Log a resident's request (受理登记) and start its process.

    ``events_out``: if given, the new case's timeline (its ``created`` event) is appended to it, so the
    caller can answer without reading the case back.

    Due date: ``matter.time_limit_days`` Chinese working days after today. Special groups (老年人, 残疾人,
    独居, 低保) raise the priority and force doorstep service.
    """
    role = selectors.actor_role(actor)
    if not permissions.role_may_create(role):
        raise ApplicationError("您无权登记帮办事项。", status=403)
    if not selectors.site_in_scope(user=actor, site=site):
        raise ApplicationError("只能为本人服务的站点登记。", {"site": site.code}, status=403)
    if not site.is_active:
        raise ValidationError({"site": ["该站点已停用。"]})
    if not matter.is_active:
        raise ValidationError({"matter": ["该事项已停用。"]})
    if grid is not None and grid.site_id != site.pk:
        raise ValidationError({"grid": ["网格不属于该站点。"]})
    groups = list(dict.fromkeys(special_groups))
    bad = [g for g in groups if g not in Case.SpecialGroup.values]
    if bad:
        raise ValidationError({"special_groups": [f"未知的特殊群体：{', '.join(map(str, bad))}"]})
    if channel not in Case.Channel.values:
        raise ValidationError({"channel": ["未知的受理渠道。"]})
    phone = normalize_phone(resident_phone)
    if phone is None:
        raise ValidationError({"resident_phone": ["请输入有效的手机号码，例如 138 0013 8000。"]})
    if groups:
        channel = Case.Channel.DOORSTEP  # special groups get doorstep service
    now = timezone.now()
    case = Case(
        case_no=generate_case_no(now),  # a clash fails the INSERT below and ``case_create`` retries
        site=site,
        grid=grid,
        matter=matter,
        resident_name=_text(resident_name, field="resident_name", max_length=64, required=True),
        resident_phone=phone,
        id_number=_text(id_number, field="id_number", max_length=32).strip(),
        address=_text(address, field="address", max_length=255, required=True),
        description=_text(description, field="description", max_length=2000),
        channel=channel,
        special_groups=groups,
        priority=(SPECIAL_GROUP_PRIORITY + len(groups)) if groups else 0,
        status=S.NEW,
        due_at=add_working_days(now, matter.time_limit_days),
        created_by=actor,
        created_at=now,
    )
    # Field validation only, no queries: the unique index checks the case number (``_retry_case_no_clash``),
    # and site, matter, grid and the actor are loaded instances, so full_clean's per-FK existence SELECTs
    # (and its case_no SELECT) would only repeat what the INSERT itself checks.
    case.full_clean(exclude=["process", "site", "matter", "grid", "created_by"], validate_unique=False)
    case.process = CaseFlow.start.run(case=case)  # first, so that the case row is written once, with it
    case.save()
    event = _event(
        case=case,
        kind="created",
        note=f"已受理：{matter.name}（{case.get_channel_display()}）",
        actor=actor,
        data={"channel": channel, "special_groups": groups},
    )
    _notify_resident(case, "case_received", "received")
    if events_out is not None:
        events_out.append(event)
    return case


# --- staff ---------------------------------------------------------------------------------------------


def case_assign(*, actor: Any, case: Case, agent: Agent) -> Case:
    """Station staff assign an agent (分派). Only from ``new``: a second concurrent assign gets 409."""

    def check(c: Case) -> None:
        _check_assignable(agent, c.site)

    def apply(c: Case) -> None:
        c.assigned_agent = agent
        c.status = S.ASSIGNED
        _save(c, ["assigned_agent", "status"])
        _event(
            case=c,
            kind="assigned",
            note=f"已分派帮办员：{agent.name}",
            actor=actor,
            data={"agent_id": agent.pk},
        )
        for flag in extensions.assign_flags(c, agent):  # e.g. not qualified: allowed, flagged for staff
            _event(case=c, kind="note", note=flag, actor=actor, public=False, data={"flag": "unqualified"})
        _notify_agent(c, agent, "case_assigned", f"assigned:{agent.pk}")

    return _transition(actor=actor, case=case, action="assign", apply=apply, extra_check=check)


def case_transfer(
    *, actor: Any, case: Case, reason: str, site: Site | None = None, agent: Agent | None = None
) -> Case:
    """Transfer to another site (the new site starts over, or straight to ``agent``) or to another agent."""
    reason = _text(reason, field="reason", max_length=2000, required=True)
    if site is None and agent is None:
        raise ValidationError({"site": ["请选择转办的站点或帮办员。"]})

    def check(c: Case) -> None:
        target_site = site or c.site
        if site is not None:
            if not site.is_active:
                raise ValidationError({"site": ["该站点已停用。"]})
            if site.pk == c.site_id and agent is None:
                raise ValidationError({"site": ["案件已在该站点。"]})
        if agent is not None:
            _check_assignable(agent, target_site)
            if agent.pk == c.assigned_agent_id and site is None:
                raise ValidationError({"agent": ["案件已由该帮办员办理。"]})

    def apply(c: Case) -> None:
        old_site, old_agent = c.site, c.assigned_agent
        fields = ["assigned_agent", "status"]
        if site is not None and site.pk != c.site_id:
            c.site = site
            c.grid = None
            fields += ["site", "grid"]
            # the new site starts over from intake (or from the chosen agent)
            c.status = S.ASSIGNED if agent is not None else S.NEW
            c.assigned_agent = agent
        else:
            c.assigned_agent = agent
            if c.status == S.NEW:
                c.status = S.ASSIGNED
        if c.visit_at is not None:
            # the appointment was the previous agent's: the new one makes their own
            _visit_reminders_cancel(c)
            c.visit_at = None
            fields.append("visit_at")
        _save(c, fields)
        parts = []
        if c.site_id != old_site.pk:
            parts.append(f"转至{c.site.name}")
        if agent is not None:
            parts.append(f"改由{agent.name}办理")
        event = _event(
            case=c,
            kind="transferred",
            note=f"{'，'.join(parts)}。原因：{reason}",
            actor=actor,
            public=False,  # the reason is internal; the resident sees the new agent on the track page
            data={
                "from_site": old_site.code,
                "to_site": c.site.code,
                "from_agent_id": old_agent.pk if old_agent else None,
                "to_agent_id": agent.pk if agent else None,
            },
        )
        if agent is not None:
            for flag in extensions.assign_flags(c, agent):  # the same check as case_assign
                _event(
                    case=c, kind="note", note=flag, actor=actor, public=False, data={"flag": "unqualified"}
                )
            _notify_agent(c, agent, "case_assigned", f"assigned:{agent.pk}")
        if c.site_id != old_site.pk:  # the resident hears where the case went (the reason stays internal)
            _notify_resident(
                c,
                "case_transferred",
                f"transferred:{event.pk}",
                new_site=c.site.name,
                new_site_phone=c.site.phone or "",
            )

    return _transition(actor=actor, case=case, action="transfer", apply=apply, extra_check=check)


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


# --- assigned agent ------------------------------------------------------------------------------------


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


def _complete_fields(c: Case, *, result: str, delivery_method: str, tracking_no: str) -> None:
    now = timezone.now()
    c.result = result
    c.delivery_method = delivery_method
    c.tracking_no = tracking_no
    c.status = S.COMPLETED
    c.completed_at = now
    c.feedback_due_at = add_working_days(now, feedback_window_workdays())
    _save(c, ["result", "delivery_method", "tracking_no", "status", "completed_at", "feedback_due_at"])


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
    if delivery_method == Case.DeliveryMethod.MAIL and not tracking_no:
        raise ValidationError({"tracking_no": ["邮寄送达请填写物流单号。"]})

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
            c, "result_ready", "completed", result=result, delivery=label, tracking_no=tracking_no
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


def _feedback_link(case: Case) -> str:
    return feedback_link_url(case=case)


def case_answer(*, actor: Any, case: Case, answer: str) -> Case:
    """Policy consultation (政策咨询): record the answer and complete without a submission step."""
    answer = _text(answer, field="answer", max_length=2000, required=True)

    def check(c: Case) -> None:
        if not c.matter.is_consultation:
            raise ApplicationError("只有政策咨询类事项可直接答复办结。", {"status": c.status}, status=409)

    def apply(c: Case) -> None:
        _complete_fields(c, result=answer, delivery_method=Case.DeliveryMethod.DOOR, tracking_no="")
        _event(case=c, kind="answered", note=f"咨询答复：{answer}", actor=actor)
        _notify_resident(c, "result_ready", "completed", result=answer, delivery="", tracking_no="")
        _notify_resident(c, "feedback_request", "feedback", track_url=_feedback_link(c))

    return _transition(actor=actor, case=case, action="answer", apply=apply, extra_check=check)


# --- AB岗 ------------------------------------------------------------------------------------------------


def agent_away_reroute(*, agent: Agent) -> list[Case]:
    """AB岗: move the away agent's active cases to their named backup, one timeline event each.

    No backup (or an unusable one) → nothing moves; the station queue shows the cases as before.
    """
    backup = agent.backup
    if backup is None or not backup.is_active or backup.is_away or backup.pk == agent.pk:
        logger.info("Agent %s is away without a usable backup; cases stay", agent.pk)
        return []
    moved: list[Case] = []
    ids = list(
        Case.objects.filter(assigned_agent=agent, status__in=sorted(S.ACTIVE)).values_list(  # type: ignore[attr-defined]
            "id", flat=True
        )
    )
    for case_id in ids:
        with transaction.atomic():
            c = Case.objects.select_for_update(of=("self",)).select_related("site", "matter").get(pk=case_id)
            if c.assigned_agent_id != agent.pk or c.status not in S.ACTIVE:  # type: ignore[attr-defined]
                continue
            c.assigned_agent = backup
            _save(c, ["assigned_agent"])
            _event(
                case=c,
                kind="reassigned_backup",
                note=f"{agent.name}外出，由AB岗备岗人{backup.name}接办",
                actor=None,
                public=False,
                data={"from_agent_id": agent.pk, "to_agent_id": backup.pk},
            )
            _notify_agent(c, backup, "case_assigned", f"assigned:{backup.pk}")
            moved.append(c)
    return moved


def case_reroute_for_away_agent(*, actor: Any, agent: Agent) -> list[Case]:
    """AB岗 rerouting, by staff of the agent's site(s), town staff above them or a district admin."""
    role = selectors.actor_role(actor)
    if role not in permissions.STAFF_ROLES:
        raise ApplicationError("您无权执行此操作。", status=403)
    site_ids = selectors.scope_site_ids(actor)
    if site_ids is not None and not set(agent.sites.values_list("id", flat=True)) & site_ids:
        raise ApplicationError("帮办员不存在或无权查看。", status=404)
    return agent_away_reroute(agent=agent)


def feedback_deadline(completed_at: dt.datetime) -> dt.datetime:
    """End of the feedback window for a case completed at ``completed_at``."""
    return add_working_days(completed_at, feedback_window_workdays())


def case_reroute_away_sweep() -> int:
    """Beat sweep for AB岗: every away agent with open cases and a usable backup hands them over.

    ``agency`` may not import ``workflows``, so marking an agent away cannot call us directly; this sweep
    (and the staff page ``/staff/away/``, ``workflows.reroute_views``, via ``case_reroute_for_away_agent``)
    closes that gap. Returns cases moved.
    """
    agent_ids = (
        Case.objects.filter(
            assigned_agent__is_away=True,
            assigned_agent__backup__isnull=False,
            status__in=sorted(S.ACTIVE),  # type: ignore[attr-defined]
        )
        .values_list("assigned_agent_id", flat=True)
        .distinct()
    )
    moved = 0
    for agent in Agent.objects.filter(pk__in=list(agent_ids)).select_related("backup"):
        moved += len(agent_away_reroute(agent=agent))
    return moved


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


def _visit_reminders_cancel(case: Case) -> None:
    from workflows.reminders import visit_reminders_cancel  # reminders imports models only; keep it lazy

    visit_reminders_cancel(case=case)


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
