"""Writes of agents: profile, publishing, AB岗 (away and backup) and the duty rota (干部轮值)."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agency.models import Agent, DutyShift, Grid, Matter, Site
from agency.services._common import PHONE_INVALID_MESSAGE, apply_changes, audit, phone_e164
from core.models import User
from core.phones import normalize_phone

AGENT_UPDATABLE = frozenset(
    {
        "name",
        "kind",
        "title",
        "phone",
        "work_phone",
        "publish_mobile_consent",
        "user",
        "is_active",
        "is_published",
    }
)
AGENT_M2M = frozenset({"sites", "grids", "scopes"})


# --- agents --------------------------------------------------------------------------------------------


@transaction.atomic
def agent_create(
    *,
    name: str,
    kind: str,
    phone: str,
    work_phone: str = "",
    publish_mobile_consent: bool = False,
    title: str = "",
    sites: Sequence[Site] = (),
    grids: Sequence[Grid] = (),
    scopes: Sequence[Matter] = (),
    user: User | None = None,
    is_published: bool = False,
    is_active: bool = True,
    actor: User | None = None,
) -> Agent:
    """Register an agent.

    ``phone`` is what people type; it is stored in E.164 or refused with a field error on ``phone``.
    """
    e164 = normalize_phone(phone)
    agent = Agent(
        name=(name or "").strip(),
        kind=kind,
        title=title,
        phone=e164 or "",
        work_phone=(work_phone or "").strip(),
        publish_mobile_consent=publish_mobile_consent,
        user=user,
        is_published=is_published,
        is_active=is_active,
    )
    # Report every bad field at once (a form shows them all), the phone in our own words.
    errors: dict[str, list[str]] = {}
    try:
        agent.full_clean(exclude=["phone"] if e164 is None else None)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if e164 is None:
        errors["phone"] = [PHONE_INVALID_MESSAGE]
    if errors:
        raise ValidationError(errors)
    agent.save()
    if sites:
        agent.sites.set(sites)
    if grids:
        agent.grids.set(grids)
    if scopes:
        agent.scopes.set(scopes)
    audit(
        actor,
        "agent_create",
        agent,
        name=agent.name,
        kind=kind,
        sites=[s.code for s in sites],
        scopes=[m.code for m in scopes],
    )
    return agent


@transaction.atomic
def agent_update(*, agent: Agent, actor: User | None = None, **fields: Any) -> Agent:
    """Change an agent. ``sites``/``grids``/``scopes`` replace the current sets; ``phone`` is normalised."""
    m2m = {k: fields.pop(k) for k in list(fields) if k in AGENT_M2M}
    if "phone" in fields:
        fields["phone"] = phone_e164(fields["phone"])
    changed = apply_changes(agent, AGENT_UPDATABLE, fields)
    if changed:
        agent.full_clean()
        agent.save()
    for name, values in m2m.items():
        getattr(agent, name).set(values)
        changed[name] = [getattr(v, "code", v) for v in values]
    if changed:
        # Never write the personal mobile into the audit trail in clear.
        if "phone" in changed:
            changed["phone"] = "(changed)"
        audit(actor, "agent_update", agent, **changed)
    return agent


@transaction.atomic
def agent_publish(*, agent: Agent, actor: User | None = None) -> Agent:
    """Put the agent on the public roster (人员名单公示)."""
    if not agent.is_published:
        agent.is_published = True
        agent.full_clean()
        agent.save(update_fields=["is_published"])
        audit(actor, "agent_publish", agent)
    return agent


@transaction.atomic
def agent_unpublish(*, agent: Agent, actor: User | None = None) -> Agent:
    if agent.is_published:
        agent.is_published = False
        agent.full_clean()
        agent.save(update_fields=["is_published"])
        audit(actor, "agent_unpublish", agent)
    return agent


@transaction.atomic
def agent_set_away(
    *, agent: Agent, away: bool, until: dt.date | None = None, actor: User | None = None
) -> Agent:
    """AB岗: mark the agent away (their backup takes over their tasks) or back."""
    if not away and until is not None:
        raise ValidationError({"away_until": ["返岗后不能再设置外出截止日期。"]})
    if away and until is not None and until < timezone.localdate():
        raise ValidationError({"away_until": ["外出截止日期不能早于今天。"]})
    if agent.is_away == away and agent.away_until == until:
        return agent
    agent.is_away = away
    agent.away_until = until if away else None
    agent.full_clean()
    agent.save(update_fields=["is_away", "away_until"])
    audit(actor, "agent_set_away", agent, away=away, until=until.isoformat() if until else None)
    return agent


@transaction.atomic
def agent_set_backup(*, agent: Agent, backup: Agent | None, actor: User | None = None) -> Agent:
    """AB岗: name who takes over ``agent``'s work while they are away (``None`` clears it)."""
    if backup is not None and backup.pk == agent.pk:
        raise ValidationError({"backup": ["备岗人不能是本人。"]})
    if agent.backup_id == (backup.pk if backup else None):
        return agent
    agent.backup = backup
    agent.full_clean()
    agent.save(update_fields=["backup"])
    audit(actor, "agent_set_backup", agent, backup=backup.pk if backup else None)
    return agent


@transaction.atomic
def duty_shift_set(
    *, site: Site, date: dt.date, agents: Sequence[Agent], note: str = "", actor: User | None = None
) -> list[DutyShift]:
    """Set who is on duty at ``site`` on ``date`` (干部轮值), replacing that day's rota.

    An agent must serve the site or its parent center.
    """
    allowed_sites = {site.pk} | ({site.parent_id} if site.parent_id else set())
    bad = [a.name for a in agents if not set(a.sites.values_list("pk", flat=True)) & allowed_sites]
    if bad:
        raise ValidationError({"agents": [f"{'、'.join(bad)} 不在本站点服务，不能排班。"]})
    DutyShift.objects.filter(site=site, date=date).exclude(agent__in=list(agents)).delete()
    shifts: list[DutyShift] = []
    for agent in agents:
        shift = DutyShift.objects.filter(site=site, date=date, agent=agent).first() or DutyShift(
            site=site, date=date, agent=agent
        )
        shift.note = note
        shift.full_clean()
        shift.save()
        shifts.append(shift)
    audit(actor, "duty_shift_set", site, date=date.isoformat(), agents=[a.pk for a in agents])
    return shifts
