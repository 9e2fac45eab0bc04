"""Writes of 一件事: the catalog (validated), a bundle's intake, its members' lifecycle, the parent's.

Parent and children are ordinary ``workflows.Case`` rows, each with its own ``CaseFlow`` process: the
parent's matter is the bundle's own matter row (``bundle_sync_matter``), a child points at the parent
(``Case.bundle_parent``). A child whose dependencies are not done is created ``waiting`` without a process
and started (process, due date from then) when they are. Every state change of a member goes through
``workflows.services`` (which calls ``on_case_changed`` via ``workflows.extensions``), so the parent follows:
one timeline row on the parent per child change, the bundle's SMS (children send none), dependants
started, the parent completed when every child is done or withdrawn/refused.

Locks: a child's transition holds the child's row and then takes the parent's (``select_for_update``), so
two staff finishing sibling children are serialised on the parent and the second one sees the first's
result. A parent's withdrawal holds the parent and takes each open child with NOWAIT (a child being
worked on at that moment answers 409 "busy" instead of deadlocking).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from agency.models import Grid, Matter, Site, SiteMatter
from agency.selectors import BUNDLE_MATTER_PREFIX
from bundles.models import Bundle, BundleCase, BundleChild, BundleMember
from core.db_errors import is_unique_violation
from core.exceptions import ApplicationError
from core.workdays import add_working_days
from workflows import selectors as case_selectors
from workflows import services as case_services
from workflows.bundle_progress import DONE_STATUSES, DROPPED_STATUSES, bundle_progress_label
from workflows.case_numbers import generate_case_no
from workflows.flows import CaseFlow
from workflows.models import Case
from workflows.permissions import STAFF_ROLES, role_may, role_may_create

logger = logging.getLogger(__name__)

S = Case.Status
RESOLVED = DONE_STATUSES | DROPPED_STATUSES
MATTER_CODE_PREFIX = BUNDLE_MATTER_PREFIX  # agency owns the convention (its public lists leave these out)

# The transition helpers of ``workflows.services`` (same rules as every case transition: the locked case,
# one timeline event, the open flow step completed, messages through the outbox).
_event = case_services._event
_lock = case_services._lock
_save = case_services._save
_run_step = case_services._run_step
_text = case_services._text


# --- catalog ---------------------------------------------------------------------------------------------


@dataclass
class MemberSpec:
    """One member as edited: its matter and the member matters it waits for."""

    matter: Matter
    depends_on: list[Matter] = field(default_factory=list)
    order: int = 0


def _cycle(graph: dict[int, set[int]]) -> list[int] | None:
    """One dependency cycle of ``graph`` (node → nodes it waits for), or None."""
    state: dict[int, int] = {}  # 1 = on the current path, 2 = done
    path: list[int] = []

    def visit(node: int) -> list[int] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def bundle_check(*, members: Sequence[MemberSpec], sites: Iterable[Site]) -> None:
    """Refuse a bundle that cannot work: no members, a matter twice, a dependency outside the bundle or in a
    cycle, an inactive matter, or a site that does not offer one of the member matters.

    Raises ``ValidationError`` with ``members`` / ``sites`` messages in Chinese naming what is wrong.
    """
    if not members:
        raise ValidationError({"members": ["一件事至少需要一个成员事项。"]})
    by_id: dict[int, Matter] = {}
    for spec in members:
        if spec.matter.pk in by_id:
            raise ValidationError({"members": [f"事项「{spec.matter.name}」重复。"]})
        if not spec.matter.is_active:
            raise ValidationError({"members": [f"事项「{spec.matter.name}」已停用。"]})
        by_id[spec.matter.pk] = spec.matter
    graph: dict[int, set[int]] = {}
    for spec in members:
        deps = {d.pk for d in spec.depends_on}
        outside = [d.name for d in spec.depends_on if d.pk not in by_id]
        if outside:
            raise ValidationError(
                {"members": [f"「{spec.matter.name}」的前置事项「{'、'.join(outside)}」不是本一件事的成员。"]}
            )
        if spec.matter.pk in deps:
            raise ValidationError({"members": [f"「{spec.matter.name}」不能以自身为前置事项。"]})
        graph[spec.matter.pk] = deps
    cycle = _cycle(graph)
    if cycle:
        names = " → ".join(by_id[n].name for n in cycle)
        raise ValidationError({"members": [f"前置事项形成循环：{names}。请去掉其中一个依赖。"]})
    site_list = list(sites)
    if not site_list:
        return
    offered = set(
        SiteMatter.objects.filter(site__in=site_list, matter_id__in=list(by_id)).values_list(
            "site_id", "matter_id"
        )
    )
    problems = []
    for site in site_list:
        missing = [m.name for pk, m in by_id.items() if (site.pk, pk) not in offered]
        if missing:
            problems.append(f"{site.name}未开通事项「{'、'.join(missing)}」")
    if problems:
        raise ValidationError({"sites": ["；".join(problems) + "，不能提供该一件事。"]})


def merged_materials(matters: Iterable[Matter]) -> list[str]:
    """The bundle's one list of materials (一次性告知): each document once, in member order."""
    seen: dict[str, None] = {}
    for matter in matters:
        for item in matter.materials or []:
            text = str(item).strip()
            if text:
                seen.setdefault(text, None)
    return list(seen)


@transaction.atomic
def bundle_sync_matter(*, bundle: Bundle) -> Matter:
    """Create or refresh the bundle's own matter (the parent case's): name, merged materials, limit, guide."""
    matters = [m.matter for m in bundle.members.select_related("matter").order_by("order", "id")]
    fields = {
        "name": bundle.name[:128],
        "category": Matter.Category.SOCIAL_AFFAIRS,
        "materials": merged_materials(matters),
        "time_limit_days": bundle.time_limit_days,
        "doorstep": True,
        "guide": bundle.guide,
        "is_active": bundle.is_active,
        "handling_level": Matter.Level.TOWN,
    }
    matter = bundle.matter
    if matter is None:
        matter = Matter(code=f"{MATTER_CODE_PREFIX}{bundle.code}"[:32], **fields)
    else:
        for key, value in fields.items():
            setattr(matter, key, value)
    matter.full_clean()
    matter.save()
    if bundle.matter_id != matter.pk:
        bundle.matter = matter
        bundle.save(update_fields=["matter", "updated_at"])
    return matter


@transaction.atomic
def bundle_save(
    *,
    code: str,
    name: str,
    life_event: str,
    members: Sequence[MemberSpec],
    sites: Iterable[Site] = (),
    time_limit_days: int = 15,
    summary: str = "",
    guide: str = "",
    is_active: bool = True,
    sort_order: int = 0,
) -> Bundle:
    """Create or replace a bundle (by code) with its members, after ``bundle_check``."""
    site_list = list(sites)
    bundle_check(members=members, sites=site_list)
    bundle = Bundle.objects.filter(code=code).first() or Bundle(code=code)
    bundle.name, bundle.life_event, bundle.summary, bundle.guide = name, life_event, summary, guide
    bundle.time_limit_days, bundle.is_active, bundle.sort_order = time_limit_days, is_active, sort_order
    bundle.full_clean(exclude=["matter"])
    bundle.save()
    bundle.sites.set(site_list)
    bundle.members.exclude(matter_id__in=[s.matter.pk for s in members]).delete()
    for index, spec in enumerate(members):
        member, _ = BundleMember.objects.update_or_create(
            bundle=bundle, matter=spec.matter, defaults={"order": spec.order or index + 1}
        )
        member.depends_on.set([d.pk for d in spec.depends_on])
    bundle_sync_matter(bundle=bundle)
    return bundle


# --- intake ----------------------------------------------------------------------------------------------


def _children(parent: Case) -> list[Case]:
    return list(Case.objects.filter(bundle_parent=parent).order_by("bundle_child__order", "id"))


def _progress(parent: Case) -> str:
    return bundle_progress_label(Case.objects.filter(bundle_parent=parent).values_list("status", flat=True))


def _new_child(*, parent: Case, matter: Matter, actor: Any) -> Case:
    """A member case row, ``waiting`` and without a process (``_child_start`` starts it)."""
    for attempt in range(3):
        child = Case(
            case_no=generate_case_no(timezone.now()),
            site=parent.site,
            grid=parent.grid,
            matter=matter,
            resident_name=parent.resident_name,
            resident_phone=parent.resident_phone,
            id_number=parent.id_number,
            address=parent.address,
            description=parent.description,
            channel=parent.channel,
            special_groups=parent.special_groups,
            priority=parent.priority,
            status=S.WAITING,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            bundle_parent=parent,
        )
        child.full_clean(
            exclude=["process", "site", "matter", "grid", "created_by", "bundle_parent"],
            validate_unique=False,
        )
        try:
            with transaction.atomic():
                child.save()
            return child
        except IntegrityError as exc:
            if not is_unique_violation(exc, model=Case, field="case_no") or attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _child_start(*, child: Case, parent: Case, actor: Any) -> None:
    """Start a waiting member: its process, and its due date counted from now."""
    now = timezone.now()
    child.status = S.NEW
    child.due_at = add_working_days(now, child.matter.time_limit_days)
    child.process = CaseFlow.start.run(case=child)
    child.save(update_fields=["status", "due_at", "process", "updated_at"])
    BundleChild.objects.filter(case=child).update(started_at=now)
    _event(
        case=child, kind="created", note=f"已受理：{child.matter.name}（{parent.matter.name}）", actor=actor
    )
    _event(
        case=parent, kind="bundle", note=f"「{child.matter.name}」已启动办理（{child.case_no}）", actor=actor
    )


@transaction.atomic
def bundle_intake(
    *,
    actor: Any,
    site: Site,
    bundle: Bundle,
    resident_name: str,
    resident_phone: str,
    address: str,
    description: str = "",
    channel: str = "doorstep",
    special_groups: Iterable[str] = (),
    grid: Grid | None = None,
    id_number: str = "",
) -> Case:
    """One request for a 一件事: the parent case (via ``case_create``: same checks, the bundle's one
    ``case_received`` SMS) and a child case per member; members with no dependency start now."""
    if not bundle.is_active or bundle.matter is None:
        raise ValidationError({"bundle": ["该一件事未启用。"]})
    if not bundle.sites.filter(pk=site.pk).exists():
        raise ValidationError({"bundle": [f"{site.name}不提供「{bundle.name}」。"]})
    parent = case_services.case_create(
        actor=actor,
        site=site,
        matter=bundle.matter,
        resident_name=resident_name,
        resident_phone=resident_phone,
        address=address,
        description=description,
        channel=channel,
        special_groups=special_groups,
        grid=grid,
        id_number=id_number,
    )
    holder = BundleCase.objects.create(bundle=bundle, case=parent)
    members = list(
        bundle.members.select_related("matter").prefetch_related("depends_on").order_by("order", "id")
    )
    made: list[tuple[Case, list[int]]] = []
    for member in members:
        child = _new_child(parent=parent, matter=member.matter, actor=actor)
        waits = sorted(d.pk for d in member.depends_on.all())
        BundleChild.objects.create(
            parent=holder, case=child, member=member, order=member.order, waits_for=waits
        )
        made.append((child, waits))
    names = "、".join(m.matter.name for m in members)
    # The parent itself is not worked on: its members are. It waits where a case handled by departments waits
    # (``submitted``, the flow's ``handling`` step), so no "unassigned" alert fires for it, its due date (the
    # bundle's limit) still counts, and it completes from there when the last member is done.
    parent.status = S.SUBMITTED
    parent.department = "一件事联办"
    _save(parent, ["status", "department"])
    _event(case=parent, kind="bundle", note=f"一件事联办：{names}（共 {len(members)} 项）", actor=actor)
    _run_step(parent, action="bundle", actor=actor)
    for child, waits in made:
        if not waits:
            _child_start(child=child, parent=parent, actor=actor)
    return parent


# --- the parent follows its members ---------------------------------------------------------------------


def _lock_parent(parent_id: int) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("site", "matter", "assigned_agent")
        .get(pk=parent_id)
    )


def _start_ready(*, parent: Case, actor: Any) -> None:
    """Start every waiting member whose dependencies are all resolved (done, withdrawn or refused)."""
    rows = list(
        BundleChild.objects.filter(parent__case=parent)
        .select_related("case")
        .values_list("case_id", "case__matter_id", "case__status", "waits_for")
    )
    status_by_matter: dict[int, str] = {}
    for _case_id, matter_id, status, _waits in rows:
        # a matter added twice (withdrawn, then added again): the live one counts
        if status not in DROPPED_STATUSES or matter_id not in status_by_matter:
            status_by_matter[matter_id] = status
    for case_id, _matter_id, status, waits in rows:
        if status != S.WAITING:
            continue
        if all(status_by_matter.get(m, S.CLOSED) in RESOLVED for m in waits or []):
            child = Case.objects.select_for_update(of=("self",)).select_related("matter").get(pk=case_id)
            if child.status == S.WAITING:  # exactly once, whoever gets here first
                _child_start(child=child, parent=parent, actor=actor)


def _parent_finish(*, parent: Case, actor: Any) -> None:
    """Every member resolved: the parent completes (or is withdrawn when nothing was done)."""
    if parent.status not in S.OPEN:  # type: ignore[attr-defined]
        return
    statuses = list(Case.objects.filter(bundle_parent=parent).values_list("status", flat=True))
    if not statuses or any(s not in RESOLVED for s in statuses):
        return
    progress = bundle_progress_label(statuses)
    if not any(s in DONE_STATUSES for s in statuses):
        parent.status = S.WITHDRAWN
        parent.closed_at = timezone.now()
        _save(parent, ["status", "closed_at"])
        _event(case=parent, kind="withdrawn", note=f"一件事各项均已撤回或不予受理（{progress}）", actor=actor)
        _run_step(parent, action="withdraw", actor=actor)
        return
    case_services._complete_fields(
        parent, result=f"一件事全部办结：{progress}", delivery_method=Case.DeliveryMethod.DOOR, tracking_no=""
    )
    BundleCase.objects.filter(case=parent).update(completed_at=parent.completed_at)
    _event(case=parent, kind="completed", note=f"一件事全部办结（{progress}）", actor=actor)
    case_services._notify_resident(
        parent, "result_ready", "completed", result=progress, delivery="", tracking_no="", delivery_note=""
    )
    case_services._notify_resident(
        parent, "feedback_request", "feedback", track_url=case_services._feedback_link(parent)
    )
    _run_step(parent, action="complete", actor=actor)


_CHILD_WORDS = {
    "complete": "已办结",
    "answer": "已答复办结",
    "withdraw": "已撤回",
    "reject": "不予受理",
    "handoff_return": "异地办理结果已返回",
}


def _child_changed(*, child: Case, action: str, actor: Any, reason: str = "") -> None:
    """A member changed state (its transaction holds its row): the parent's row, SMS, dependants, finish."""
    if child.bundle_parent_id is None:
        return
    parent = _lock_parent(child.bundle_parent_id)
    words = _CHILD_WORDS.get(action, child.get_status_display())
    progress = _progress(parent)
    note = f"「{child.matter.name}」{words}（{child.case_no}）：{progress}"
    if reason:
        note += f"。原因：{reason}"
    _event(
        case=parent, kind="bundle", note=note, actor=actor, data={"child": child.case_no, "action": action}
    )
    if child.status in DONE_STATUSES:
        # one milestone SMS per member done — the bundle's stream, not the member's
        case_services._notify_resident(
            parent,
            "bundle_progress",
            f"member:{child.case_no}:done",
            member=child.matter.name,
            progress=progress,
        )
    elif child.status == S.REJECTED:
        # a refused member matters to the resident too (a withdrawal is their own request: no SMS)
        case_services._notify_resident(
            parent,
            "case_rejected",
            f"member:{child.case_no}:rejected",
            matter=f"{parent.matter.name}·{child.matter.name}",
            reason=reason or "详情请咨询本站",
        )
    if child.status in RESOLVED:
        _start_ready(parent=parent, actor=actor)
        _parent_finish(parent=parent, actor=actor)


def _withdraw_open_children(*, parent: Case, actor: Any, reason: str) -> int:
    """The parent was withdrawn or refused: withdraw each member still open or waiting, exactly once."""
    ids = list(
        Case.objects.filter(bundle_parent=parent, status__in=[*S.OPEN, S.WAITING]).values_list(  # type: ignore[attr-defined]
            "id", flat=True
        )
    )
    done = 0
    for case_id in ids:
        try:
            child = (
                Case.objects.select_for_update(of=("self",), nowait=True)
                .select_related("site", "matter", "assigned_agent")
                .get(pk=case_id)
            )
        except DatabaseError as exc:
            raise ApplicationError(
                "一件事的子事项正在被他人处理，请稍后重试。", {"reason": "busy"}, status=409
            ) from exc
        if child.status not in S.OPEN and child.status != S.WAITING:  # type: ignore[attr-defined]
            continue
        child.status = S.WITHDRAWN
        child.closed_at = timezone.now()
        _save(child, ["status", "closed_at"])
        _event(case=child, kind="withdrawn", note=f"随一件事撤回：{reason}", actor=actor)
        if child.process_id is not None:
            _run_step(child, action="withdraw", actor=actor)
        done += 1
    if done:
        _event(
            case=parent, kind="bundle", note=f"随一件事撤回 {done} 项未办结事项", actor=actor, public=False
        )
    return done


def _last_reason(case: Case, kind: str) -> str:
    event = case.events.filter(kind=kind).order_by("-at", "-id").first()
    return event.note if event else ""


def on_case_changed(*, case: Case, action: str, actor: Any) -> None:
    """``workflows.extensions`` callback: keeps a bundle's parent and members in step (see module docstring)."""
    if case.bundle_parent_id is not None:
        if case.status in RESOLVED or action == "handoff_return":
            reason = _last_reason(case, case.status) if case.status in DROPPED_STATUSES else ""
            _child_changed(child=case, action=action, actor=actor, reason=reason)
        return
    if (
        action in {"withdraw", "reject"}
        and case.status in DROPPED_STATUSES
        and BundleCase.objects.filter(case=case).exists()
    ):
        _withdraw_open_children(
            parent=case, actor=actor, reason=_last_reason(case, case.status) or "一件事撤回"
        )


# --- staff on one member ---------------------------------------------------------------------------------


def _staff_check(*, actor: Any, case: Case) -> None:
    if not case_selectors.case_in_scope(user=actor, case=case):
        raise ApplicationError("案件不存在或无权查看。", {"case_no": case.case_no}, status=404)
    if case_selectors.actor_role(actor) not in STAFF_ROLES:
        raise ApplicationError("您无权执行此操作。", status=403)


def bundle_intake_check(*, actor: Any) -> None:
    """403 for a role that may not log requests; the API view calls it before reading the body."""
    if not role_may_create(case_selectors.actor_role(actor)):
        raise ApplicationError("您无权登记帮办事项。", status=403)


def bundle_add_check(*, actor: Any, parent: Case) -> None:
    """May ``actor`` add a member to ``parent``? 404 outside scope, 403 not staff — checked before the body,
    like the case action views; whether it is an open 一件事 (409) ``bundle_child_add`` decides under the lock."""
    _staff_check(actor=actor, case=parent)


def bundle_drop_check(*, actor: Any, child: Case) -> None:
    """May ``actor`` withdraw or refuse member ``child``? 404 outside scope, 403 the role may not, before the
    body is read; the state (a member, still open: 409) is ``bundle_child_drop``'s to check.

    A waiting member is staff's to close; a started one follows the case's own ``withdraw`` rule (staff, or
    its assigned agent), which ``bundle_child_drop`` applies again through ``case_withdraw``/``case_reject``.
    """
    if child.status == S.WAITING or child.bundle_parent_id is None:
        _staff_check(actor=actor, case=child)
        return
    if not case_selectors.case_in_scope(user=actor, case=child):
        raise ApplicationError("案件不存在或无权查看。", {"case_no": child.case_no}, status=404)
    assigned = case_selectors.is_assigned_agent(user=actor, case=child)
    if not role_may(role=case_selectors.actor_role(actor), is_assigned_agent=assigned, action="withdraw"):
        raise ApplicationError("您无权执行此操作。", status=403)


def bundle_child_drop(*, actor: Any, child: Case, reason: str, action: str = "withdraw") -> Case:
    """Withdraw (``withdraw``) or refuse (``reject``) one member with a reason, without failing the bundle.

    A started member goes through ``case_withdraw`` / ``case_reject`` (the hook writes the parent's row); a
    waiting one has no process yet and is closed here, parent locked first.
    """
    if action not in {"withdraw", "reject"}:
        raise ValidationError({"action": ["未知的操作。"]})
    if child.bundle_parent_id is None:
        raise ApplicationError("该案件不是一件事的子事项。", {"case_no": child.case_no}, status=409)
    reason = _text(reason, field="reason", max_length=2000, required=True)
    if child.status != S.WAITING:
        service = case_services.case_withdraw if action == "withdraw" else case_services.case_reject
        return service(actor=actor, case=child, reason=reason)
    _staff_check(actor=actor, case=child)
    with transaction.atomic():
        _lock_parent(child.bundle_parent_id)
        locked = _lock(child)
        if locked.status != S.WAITING:
            raise ApplicationError("子事项状态已变化，请刷新后重试。", {"status": locked.status}, status=409)
        locked.status = S.WITHDRAWN if action == "withdraw" else S.REJECTED
        locked.closed_at = timezone.now()
        _save(locked, ["status", "closed_at"])
        _event(case=locked, kind=locked.status, note=reason, actor=actor)
        _child_changed(child=locked, action=action, actor=actor, reason=reason)
    return locked


def bundle_child_add(*, actor: Any, parent: Case, matter: Matter, reason: str) -> Case:
    """Add a matter the resident turns out to need; it starts at once. Staff of the parent's site."""
    reason = _text(reason, field="reason", max_length=2000, required=True)
    _staff_check(actor=actor, case=parent)
    if not matter.is_active:
        raise ValidationError({"matter": ["该事项已停用。"]})
    with transaction.atomic():
        locked = _lock_parent(parent.pk)
        holder = BundleCase.objects.filter(case=locked).first()
        if holder is None:
            raise ApplicationError("该案件不是一件事。", {"case_no": parent.case_no}, status=409)
        if locked.status not in S.OPEN:  # type: ignore[attr-defined]
            raise ApplicationError(
                "一件事已办结或关闭，不能再添加事项。", {"status": locked.status}, status=409
            )
        live = Case.objects.filter(bundle_parent=locked, matter=matter).exclude(
            status__in=sorted(DROPPED_STATUSES)
        )
        if live.exists():
            raise ValidationError({"matter": [f"「{matter.name}」已在本一件事中。"]})
        child = _new_child(parent=locked, matter=matter, actor=actor)
        order = (holder.children.order_by("-order").values_list("order", flat=True).first() or 0) + 1
        BundleChild.objects.create(parent=holder, case=child, order=order, added_by=actor)
        _event(case=locked, kind="bundle", note=f"增加事项「{matter.name}」：{reason}", actor=actor)
        _child_start(child=child, parent=locked, actor=actor)
    return child
