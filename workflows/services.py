"""Writes of the case workflow about who holds a case: assigning and transferring (who may take a case), AB岗
rerouting, and the audited phone reveal.

The other case writes live by responsibility, each imported from its own module:

- ``workflows.transitions``: the one writer of a case's state (``case_transition``, ``case_move``,
  ``case_finish``) and the kit every transition shares;
- ``workflows.intake_services``: ``case_create``;
- ``workflows.case_steps``: the assigned agent's steps (visit, 预约上门, submit, progress, complete, answer);
- ``workflows.case_closing``: reject, withdraw, close/auto-close and the bad-rating loop's case half.

The actions people take on a case (pages and API) are listed once in ``workflows.actions``.
Viewflow transitions do not check permissions: these services do. Keyword-only arguments throughout.
"""

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from agency.models import Agent, Site
from agency.selectors import agent_serves_site
from core.exceptions import ApplicationError
from core.services import audit_log
from workflows import extensions, permissions, selectors
from workflows.models import Case
from workflows.selectors import CasePermit
from workflows.timeline import case_event_write
from workflows.transitions import (
    S,
    case_move,
    case_text,
    case_transition,
    case_update,
    case_visit_reminders_cancel,
    notify_agent,
    notify_resident,
)

logger = logging.getLogger(__name__)


# --- who may take a case ---------------------------------------------------------------------------------


def _check_assignable(agent: Agent, site: Site) -> None:
    if not agent.is_active or agent.user_id is None:
        raise ValidationError({"agent": ["该帮办员未启用或没有登录账号。"]})
    if agent.is_away:
        raise ValidationError({"agent": ["该帮办员外出/休假中，请选择其他人员或其AB岗备岗人。"]})
    if not agent_serves_site(agent, site):
        raise ValidationError({"agent": ["该帮办员不服务于本站点。"]})


# --- staff ---------------------------------------------------------------------------------------------


def case_assign(*, actor: Any, case: Case, agent: Agent, permit: CasePermit | None = None) -> Case:
    """Station staff assign an agent (分派). Only from ``new``: a second concurrent assign gets 409."""

    def check(c: Case) -> None:
        _check_assignable(agent, c.site)

    def apply(c: Case) -> None:
        case_move(
            case=c,
            actor=actor,
            status=S.ASSIGNED,
            assigned_agent=agent,
            kind="assigned",
            note=f"已分派帮办员：{agent.name}",
            data={"agent_id": agent.pk},
        )
        for flag in extensions.assign_flags(c, agent):  # e.g. not qualified: allowed, flagged for staff
            case_event_write(
                case=c, kind="note", note=flag, actor=actor, public=False, data={"flag": "unqualified"}
            )
        notify_agent(c, agent, "case_assigned", f"assigned:{agent.pk}")

    return case_transition(
        actor=actor, case=case, action="assign", apply=apply, extra_check=check, permit=permit
    )


def case_transfer(
    *,
    actor: Any,
    case: Case,
    reason: str,
    site: Site | None = None,
    agent: Agent | None = None,
    permit: CasePermit | None = None,
) -> Case:
    """Transfer to another site (the new site starts over, or straight to ``agent``) or to another agent."""
    reason = case_text(reason, field="reason", max_length=2000, required=True)
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
        values: dict[str, Any] = {"assigned_agent": agent}
        status = c.status
        if site is not None and site.pk != c.site_id:
            values.update(site=site, grid=None)
            # the new site starts over from intake (or from the chosen agent)
            status = S.ASSIGNED if agent is not None else S.NEW
        elif status == S.NEW:
            status = S.ASSIGNED
        if c.visit_at is not None:
            # the appointment was the previous agent's: the new one makes their own
            case_visit_reminders_cancel(c)
            values["visit_at"] = None
        new_site = values.get("site", old_site)
        parts = []
        if new_site.pk != old_site.pk:
            parts.append(f"转至{new_site.name}")
        if agent is not None:
            parts.append(f"改由{agent.name}办理")
        event = case_move(
            case=c,
            actor=actor,
            status=status,
            kind="transferred",
            note=f"{'，'.join(parts)}。原因：{reason}",
            public=False,  # the reason is internal; the resident sees the new agent on the track page
            data={
                "from_site": old_site.code,
                "to_site": new_site.code,
                "from_agent_id": old_agent.pk if old_agent else None,
                "to_agent_id": agent.pk if agent else None,
            },
            **values,
        )
        if agent is not None:
            for flag in extensions.assign_flags(c, agent):  # the same check as case_assign
                case_event_write(
                    case=c, kind="note", note=flag, actor=actor, public=False, data={"flag": "unqualified"}
                )
            notify_agent(c, agent, "case_assigned", f"assigned:{agent.pk}")
        if c.site_id != old_site.pk:  # the resident hears where the case went (the reason stays internal)
            notify_resident(
                c,
                "case_transferred",
                f"transferred:{event.pk}",
                new_site=c.site.name,
                new_site_phone=c.site.phone or "",
            )

    return case_transition(
        actor=actor, case=case, action="transfer", apply=apply, extra_check=check, permit=permit
    )


# --- AB岗 ------------------------------------------------------------------------------------------------


def usable_backup(agent: Agent) -> Agent | None:
    """The away agent's AB岗 backup if they can take work at all (active, with an active login, not away)."""
    backup = agent.backup
    if backup is None or backup.pk == agent.pk or not backup.is_active or backup.is_away:
        return None
    user = backup.user if backup.user_id is not None else None
    if user is None or not user.is_active:
        return None
    return backup


def agent_away_reroute(*, agent: Agent) -> list[Case]:
    """AB岗: move the away agent's active cases to their named backup, one timeline event each.

    No backup (or an unusable one) → nothing moves; the station queue shows the cases as before. Usable means
    what a normal assign checks (``_check_assignable``: active, a login account, not away, serves the case's
    site), so a backup without a login (the demo's 陈海燕) never receives cases nobody can act on.
    """
    backup = usable_backup(agent)
    if backup is None:
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
            try:
                _check_assignable(backup, c.site)
            except ValidationError:
                logger.info("Backup %s cannot take case %s (site %s); it stays", backup.pk, c.pk, c.site_id)
                continue
            case_update(case=c, assigned_agent=backup)
            case_event_write(
                case=c,
                kind="reassigned_backup",
                note=f"{agent.name}外出，由AB岗备岗人{backup.name}接办",
                actor=None,
                public=False,
                data={"from_agent_id": agent.pk, "to_agent_id": backup.pk},
            )
            notify_agent(c, backup, "case_assigned", f"assigned:{backup.pk}")
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
    for agent in Agent.objects.filter(pk__in=list(agent_ids)).select_related("backup", "backup__user"):
        moved += len(agent_away_reroute(agent=agent))
    return moved


# --- privacy ---------------------------------------------------------------------------------------------


@transaction.atomic
def case_phone_view_record(*, actor: Any, case: Case, reason: str, ip: str | None) -> None:
    """Audit one view of a resident's full phone number (PIPL): a staff reveal (``staff_reveal``) or the
    assigned agent's case page (``assigned_agent``), who calls the resident before the visit."""
    audit_log(
        actor=actor,
        action="view_resident_phone",
        target_type="case",
        target_id=case.case_no,
        ip=ip,
        detail={"reason": reason},
    )
