"""Writes of 全省通办 / 跨省通办: hand a case off, record the receiving reference, record the outcome.

Each follows the case transition rules of ``workflows.services`` (scope 404 → role 403 → status 409, the
case row locked, one timeline event, the open flow step completed, messages through the outbox) and then
calls ``workflows.extensions.case_changed`` so apps built on cases (a 一件事's parent) follow.

Flow: ``visited`` (materials collected) ─handoff─► ``handed_off`` (the ``handling`` step waits) ─return─►
``completed`` (feedback as usual) or ``rejected``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.text import clean_text
from core.workdays import add_working_days
from handoffs.models import Channel, Handoff, Scope
from notifications.services import notification_enqueue
from workflows import selectors as case_selectors
from workflows import services as case_services
from workflows.extensions import case_changed
from workflows.models import Case
from workflows.permissions import STAFF_ROLES

S = Case.Status
MAX_MATERIALS = 50

# the transition helpers of workflows.services (see bundles.services for the same use)
_event = case_services._event
_lock = case_services._lock
_save = case_services._save
_run_step = case_services._run_step
_text = case_services._text


def remind_delay_workdays() -> int:
    return int(getattr(settings, "HANDOFF_REMIND_WORKING_DAYS", 5))


def _check(*, actor: Any, case: Case, statuses: Iterable[str] | None) -> None:
    """Staff of the case's scope or its assigned agent; 404 / 403 / 409 in that order (no status check when
    ``statuses`` is None)."""
    if not case_selectors.case_in_scope(user=actor, case=case):
        raise ApplicationError("案件不存在或无权查看。", {"case_no": case.case_no}, status=404)
    if case_selectors.actor_role(actor) not in STAFF_ROLES and not case_selectors.is_assigned_agent(
        user=actor, case=case
    ):
        raise ApplicationError("您无权执行此操作。", status=403)
    if statuses is not None and case.status not in set(statuses):
        raise ApplicationError(
            f"案件当前状态为「{case.get_status_display()}」，不能执行此操作。",
            {"status": case.status},
            status=409,
        )


def handoff_action_check(*, actor: Any, case: Case) -> None:
    """May ``actor`` act on ``case``'s hand-off? 404 outside scope, 403 the role may not. The API views call it
    before reading the body, like the case action views, so a volunteer who can see the case hears 403, not a
    field error; the services check again (and the status, 409) under the case's lock."""
    _check(actor=actor, case=case, statuses=None)


def handoff_send(
    *,
    actor: Any,
    case: Case,
    region: str,
    authority: str,
    channel: str,
    scope: str = Scope.CROSS_PROVINCE,
    materials_sent: list[str] | None = None,
    note: str = "",
) -> Handoff:
    """Hand a case whose materials are complete (``visited``) to another region's authority.

    Queues the outbound message (outbox channel ``handoff``, key ``handoff:<id>:send``) in the same
    transaction, sets the case ``handed_off`` and schedules the station's reminder.
    """
    region = _text(region, field="region", max_length=64, required=True)
    authority = _text(authority, field="authority", max_length=128, required=True)
    note = _text(note, field="note", max_length=2000)
    if channel not in Channel.values:
        raise ValidationError({"channel": ["渠道须为 省平台、邮寄 或 跨省专窗。"]})
    if scope not in Scope.values:
        raise ValidationError({"scope": ["通办范围须为 全省通办 或 跨省通办。"]})
    materials = [clean_text(m).strip() for m in (materials_sent or [])]
    materials = list(dict.fromkeys(m for m in materials if m))
    if len(materials) > MAX_MATERIALS or any(len(m) > 128 for m in materials):
        raise ValidationError({"materials_sent": [f"最多 {MAX_MATERIALS} 项，每项不超过 128 个字符。"]})
    _check(actor=actor, case=case, statuses=[S.VISITED])
    with transaction.atomic():
        c = _lock(case)
        _check(actor=actor, case=c, statuses=[S.VISITED])
        now = timezone.now()
        if not materials:
            materials = [str(m) for m in (c.matter.materials or [])]
        handoff = Handoff(
            case=c,
            scope=scope,
            region=region,
            authority=authority,
            channel=channel,
            materials_sent=materials,
            note=note,
            sent_at=now,
            sent_by=actor if getattr(actor, "is_authenticated", False) else None,
            remind_at=add_working_days(now, remind_delay_workdays()),
        )
        handoff.full_clean(exclude=["case", "sent_by"])
        handoff.save()
        handoff.outbox_key = f"handoff:{handoff.pk}:send"
        handoff.save(update_fields=["outbox_key"])
        c.status = S.HANDED_OFF
        c.department = f"{region}{authority}"[:128]
        _save(c, ["status", "department"])
        channel_label = str(Channel(channel).label)
        _event(
            case=c,
            kind="handed_off",
            note=f"{Scope(scope).label}：已通过{channel_label}转交{region}{authority}办理"
            + (f"。{note}" if note else ""),
            actor=actor,
            data={"handoff_id": handoff.pk, "region": region, "authority": authority, "channel": channel},
        )
        notification_enqueue(
            dedupe_key=handoff.outbox_key,
            template="handoff_outbound",
            channel="handoff",
            audience="staff",
            context={
                "site_name": c.site.name,
                "site_code": c.site.code,
                "case_no": c.case_no,
                "matter": c.matter.name,
                "matter_code": c.matter.code,
                "scope": scope,
                "region": region,
                "authority": authority,
                "channel": channel_label,
                "materials": "、".join(materials),
                "note": note,
                "sent_at": now.isoformat(),
            },
        )
        _run_step(c, action="handoff", actor=actor)
        case_changed(case=c, action="handoff", actor=actor)
    return handoff


def _open_handoff(case: Case) -> Handoff:
    handoff = Handoff.objects.filter(case=case, returned_at__isnull=True).order_by("-sent_at", "-id").first()
    if handoff is None:
        raise ApplicationError("该案件没有待返回的异地转办。", {"status": case.status}, status=409)
    return handoff


def handoff_record_reference(*, actor: Any, case: Case, reference_no: str) -> Handoff:
    """The receiving authority's reference number, once known (the status does not change)."""
    reference_no = _text(reference_no, field="reference_no", max_length=64, required=True).strip()
    _check(actor=actor, case=case, statuses=[S.HANDED_OFF])
    with transaction.atomic():
        c = _lock(case)
        _check(actor=actor, case=c, statuses=[S.HANDED_OFF])
        handoff = _open_handoff(c)
        handoff.reference_no = reference_no
        handoff.reference_at = timezone.now()
        handoff.save(update_fields=["reference_no", "reference_at"])
        c.reference_no = reference_no
        _save(c, ["reference_no"])
        _event(
            case=c,
            kind="progress",
            note=f"{handoff.region}{handoff.authority}已受理，受理号 {reference_no}",
            actor=actor,
        )
    return handoff


def handoff_return(*, actor: Any, case: Case, outcome: str, result: str) -> Case:
    """The outcome came back: ``completed`` (the case completes, feedback as usual) or ``refused``."""
    result = _text(result, field="result", max_length=2000, required=True)
    if outcome not in Handoff.Outcome.values:
        raise ValidationError({"outcome": ["结果须为 completed 或 refused。"]})
    _check(actor=actor, case=case, statuses=[S.HANDED_OFF])
    with transaction.atomic():
        c = _lock(case)
        _check(actor=actor, case=c, statuses=[S.HANDED_OFF])
        handoff = _open_handoff(c)
        now = timezone.now()
        handoff.outcome, handoff.outcome_note, handoff.returned_at = outcome, result, now
        handoff.returned_by = actor if getattr(actor, "is_authenticated", False) else None
        handoff.save(update_fields=["outcome", "outcome_note", "returned_at", "returned_by"])
        where = f"{handoff.region}{handoff.authority}"
        if outcome == Handoff.Outcome.COMPLETED:
            case_services._complete_fields(
                c, result=result, delivery_method=Case.DeliveryMethod.MAIL, tracking_no=""
            )
            _event(
                case=c,
                kind="handoff_returned",
                note=f"{where}已办结：{result}",
                actor=actor,
                data={"handoff_id": handoff.pk},
            )
            case_services._notify_resident(
                c, "result_ready", "completed", result=result, delivery="", tracking_no="", delivery_note=""
            )
            case_services._notify_resident(
                c, "feedback_request", "feedback", track_url=case_services._feedback_link(c)
            )
        else:
            c.status = S.REJECTED
            c.closed_at = now
            _save(c, ["status", "closed_at"])
            _event(
                case=c,
                kind="rejected",
                note=f"{where}不予办理：{result}",
                actor=actor,
                data={"handoff_id": handoff.pk},
            )
            case_services._notify_resident(c, "case_rejected", "rejected", reason=result)
        _run_step(c, action="handoff_return", actor=actor)
        case_changed(
            case=c, action="handoff_return" if outcome == Handoff.Outcome.COMPLETED else "reject", actor=actor
        )
    return c


def handoff_remind_due(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """The hand-off's own reminder: each open hand-off past ``remind_at`` tells the case's agent (or the
    station's phone as in every staff message) once, then again a working day later. Idempotent per day."""
    now = now or timezone.now()
    ids = list(
        Handoff.objects.filter(returned_at__isnull=True, remind_at__lte=now)
        .order_by("remind_at")
        .values_list("id", flat=True)[:batch_size]
    )
    sent = 0
    for handoff_id in ids:
        with transaction.atomic():
            handoff = (
                Handoff.objects.select_for_update(of=("self",))
                .select_related("case", "case__site", "case__matter", "case__assigned_agent")
                .get(pk=handoff_id)
            )
            if handoff.returned_at is not None or handoff.remind_at is None or handoff.remind_at > now:
                continue
            case = handoff.case
            days = max(1, (now - handoff.sent_at).days)
            case_services._notify_agent(
                case,
                case.assigned_agent,
                "handoff_remind",
                f"handoff:{handoff.pk}:remind:{handoff.reminders_sent + 1}",
                region=handoff.region,
                days=str(days),
            )
            handoff.reminders_sent += 1
            handoff.remind_at = add_working_days(now, 1)
            handoff.save(update_fields=["reminders_sent", "remind_at"])
            sent += 1
    return sent
