"""Writes of the agency domain: areas, sites, grids, matters, agents, duty rota and the agent import.

Every function is keyword-only, runs in one transaction, validates with ``full_clean()`` before saving
and appends one ``core.services.audit_log`` row per change. Bad input raises Django's ``ValidationError``
(field errors, Chinese) or ``ApplicationError``; the API turns both into 400s.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agency.models import Agent, Area, DutyShift, Grid, Matter, Site, SiteMatter
from core.exceptions import ApplicationError
from core.models import User
from core.phones import normalize_phone
from core.services import audit_log

PHONE_INVALID_MESSAGE = "请输入有效的手机号码，例如 138 0013 8000。"

SITE_UPDATABLE = frozenset(
    {
        "name",
        "kind",
        "tier",
        "partner_type",
        "area",
        "parent",
        "address",
        "lat",
        "lng",
        "phone",
        "hours",
        "policy_text",
        "capabilities",
        "is_active",
    }
)
MATTER_UPDATABLE = frozenset(
    {
        "name",
        "category",
        "materials",
        "time_limit_days",
        "doorstep",
        "handling_level",
        "fee",
        "guide",
        "is_consultation",
        "is_active",
        "sort_order",
    }
)
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


def _audit(actor: User | None, action: str, obj: Any, **detail: Any) -> None:
    audit_log(
        actor=actor,
        action=action,
        target_type=obj._meta.model_name,
        target_id=str(obj.pk),
        detail={k: _jsonable(v) for k, v in detail.items()},
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


def _phone_e164(raw: str | None, *, field_name: str = "phone") -> str:
    number = normalize_phone(raw)
    if number is None:
        raise ValidationError({field_name: [PHONE_INVALID_MESSAGE]})
    return number


def _apply(obj: Any, allowed: frozenset[str], fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError("不能修改这些字段。", {"fields": sorted(unknown)})
    changed: dict[str, Any] = {}
    for name, value in fields.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed[name] = value
    return changed


# --- areas, sites, grids -------------------------------------------------------------------------------


@transaction.atomic
def area_create(
    *, code: str, name: str, level: str, parent: Area | None = None, actor: User | None = None
) -> Area:
    area = Area(code=code.strip(), name=name.strip(), level=level, parent=parent)
    area.full_clean()
    area.save()
    _audit(actor, "area_create", area, code=area.code, name=area.name, level=level)
    return area


@transaction.atomic
def site_create(
    *,
    code: str,
    name: str,
    kind: str,
    area: Area,
    parent: Site | None = None,
    tier: str = "",
    partner_type: str = "",
    address: str = "",
    lat: Any = None,
    lng: Any = None,
    phone: str = "",
    hours: str = "",
    policy_text: str = "",
    capabilities: str = "",
    is_active: bool = True,
    actor: User | None = None,
) -> Site:
    """Create a center, station, partner point or self-service terminal."""
    site = Site(
        code=code.strip(),
        name=name.strip(),
        kind=kind,
        area=area,
        parent=parent,
        tier=tier,
        partner_type=partner_type,
        address=address,
        lat=lat,
        lng=lng,
        phone=phone,
        hours=hours,
        policy_text=policy_text,
        capabilities=capabilities,
        is_active=is_active,
    )
    _site_check(site)
    site.full_clean()
    site.save()
    _audit(actor, "site_create", site, code=site.code, name=site.name, kind=kind)
    return site


def _site_check(site: Site) -> None:
    # A center is the top of the tree; everything else hangs off a center
    # (or nothing, for district-level points).
    if site.parent is not None:
        if site.kind == Site.Kind.CENTER:
            raise ValidationError({"parent": ["便民服务中心不能有上级中心。"]})
        if site.parent.kind != Site.Kind.CENTER:
            raise ValidationError({"parent": ["上级必须是镇（街道）便民服务中心。"]})
    if site.partner_type and site.kind != Site.Kind.PARTNER:
        raise ValidationError({"partner_type": ["只有合作网点才有合作类型。"]})


@transaction.atomic
def site_update(*, site: Site, actor: User | None = None, **fields: Any) -> Site:
    """Change a site's fields (``name``, ``address``, ``hours``, ``policy_text`` …; not ``code``)."""
    changed = _apply(site, SITE_UPDATABLE, fields)
    if not changed:
        return site
    _site_check(site)
    site.full_clean()
    site.save()
    _audit(actor, "site_update", site, **changed)
    return site


@transaction.atomic
def site_matter_enable(*, site: Site, matter: Matter, actor: User | None = None) -> SiteMatter:
    """Offer ``matter`` at ``site`` (idempotent)."""
    link, created = SiteMatter.objects.get_or_create(site=site, matter=matter)
    if created:
        _audit(actor, "site_matter_enable", site, matter=matter.code)
    return link


@transaction.atomic
def site_matter_disable(*, site: Site, matter: Matter, actor: User | None = None) -> bool:
    """Stop offering ``matter`` at ``site``; returns whether it was offered."""
    deleted, _ = SiteMatter.objects.filter(site=site, matter=matter).delete()
    if deleted:
        _audit(actor, "site_matter_disable", site, matter=matter.code)
    return bool(deleted)


@transaction.atomic
def grid_create(*, code: str, name: str, site: Site, actor: User | None = None) -> Grid:
    if site.kind != Site.Kind.STATION:
        raise ValidationError({"site": ["网格只能属于便民服务站。"]})
    grid = Grid(code=code.strip(), name=name.strip(), site=site)
    grid.full_clean()
    grid.save()
    _audit(actor, "grid_create", grid, code=grid.code, site=site.code)
    return grid


# --- matters -------------------------------------------------------------------------------------------


def _clean_materials(materials: Iterable[str] | None) -> list[str]:
    return [str(m).strip() for m in (materials or []) if str(m).strip()]


@transaction.atomic
def matter_create(
    *,
    code: str,
    name: str,
    category: str,
    materials: Iterable[str] | None = None,
    time_limit_days: int = 5,
    doorstep: bool = True,
    handling_level: str = Matter.Level.TOWN,
    fee: str = "不收费",
    guide: str = "",
    is_consultation: bool = False,
    is_active: bool = True,
    sort_order: int = 0,
    actor: User | None = None,
) -> Matter:
    matter = Matter(
        code=code.strip(),
        name=name.strip(),
        category=category,
        materials=_clean_materials(materials),
        time_limit_days=time_limit_days,
        doorstep=doorstep,
        handling_level=handling_level,
        fee=fee,
        guide=guide,
        is_consultation=is_consultation,
        is_active=is_active,
        sort_order=sort_order,
    )
    matter.full_clean()
    matter.save()
    _audit(actor, "matter_create", matter, code=matter.code, name=matter.name)
    return matter


@transaction.atomic
def matter_update(*, matter: Matter, actor: User | None = None, **fields: Any) -> Matter:
    if "materials" in fields:
        fields["materials"] = _clean_materials(fields["materials"])
    changed = _apply(matter, MATTER_UPDATABLE, fields)
    if not changed:
        return matter
    matter.full_clean()
    matter.save()
    _audit(actor, "matter_update", matter, **changed)
    return matter


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
    _audit(
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
        fields["phone"] = _phone_e164(fields["phone"])
    changed = _apply(agent, AGENT_UPDATABLE, fields)
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
        _audit(actor, "agent_update", agent, **changed)
    return agent


@transaction.atomic
def agent_publish(*, agent: Agent, actor: User | None = None) -> Agent:
    """Put the agent on the public roster (人员名单公示)."""
    if not agent.is_published:
        agent.is_published = True
        agent.full_clean()
        agent.save(update_fields=["is_published"])
        _audit(actor, "agent_publish", agent)
    return agent


@transaction.atomic
def agent_unpublish(*, agent: Agent, actor: User | None = None) -> Agent:
    if agent.is_published:
        agent.is_published = False
        agent.full_clean()
        agent.save(update_fields=["is_published"])
        _audit(actor, "agent_unpublish", agent)
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
    _audit(actor, "agent_set_away", agent, away=away, until=until.isoformat() if until else None)
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
    _audit(actor, "agent_set_backup", agent, backup=backup.pk if backup else None)
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
    _audit(actor, "duty_shift_set", site, date=date.isoformat(), agents=[a.pk for a in agents])
    return shifts


# --- bulk import ---------------------------------------------------------------------------------------

IMPORT_COLUMNS = (
    "姓名",
    "身份",
    "手机号",
    "工作电话",
    "同意公开手机号",
    "站点编码",
    "网格编码",
    "服务事项编码",
    "公示",
)
_YES = {"是", "y", "yes", "true", "1", "√", "同意"}
_NO = {"否", "n", "no", "false", "0", "", "不同意"}


@dataclass
class ImportRowError:
    line: int
    messages: list[str]


@dataclass
class ImportReport:
    """What ``agent_import`` did: ``created`` agents, or per-line errors (then nothing was imported)."""

    total: int = 0
    created: int = 0
    errors: list[ImportRowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        return [f"第 {e.line} 行：{'；'.join(e.messages)}" for e in self.errors]


@dataclass
class _ParsedRow:
    line: int
    name: str
    kind: str
    phone: str
    work_phone: str
    consent: bool
    sites: list[Site]
    grids: list[Grid]
    scopes: list[Matter]
    published: bool


def _split_codes(value: Any) -> list[str]:
    text = str(value or "")
    for sep in ("、", "，", ";", "；", "\n", " "):
        text = text.replace(sep, ",")
    return [c.strip() for c in text.split(",") if c.strip()]


def _yes_no(value: Any, *, default: bool, label: str, errors: list[str]) -> bool:
    text = str(value if value is not None else "").strip().lower()
    if text == "":
        return default
    if text in _YES:
        return True
    if text in _NO:
        return False
    errors.append(f"“{label}”应填“是”或“否”")
    return default


def _parse_rows(rows: Sequence[tuple[int, dict[str, Any]]]) -> tuple[list[_ParsedRow], list[ImportRowError]]:
    site_codes: set[str] = set()
    grid_codes: set[str] = set()
    matter_codes: set[str] = set()
    for _, row in rows:
        site_codes.update(_split_codes(row.get("站点编码")))
        grid_codes.update(_split_codes(row.get("网格编码")))
        matter_codes.update(_split_codes(row.get("服务事项编码")))
    # Three queries however many rows: the importer must not hit the database per cell.
    sites = {s.code: s for s in Site.objects.filter(code__in=site_codes)}
    grids = {g.code: g for g in Grid.objects.filter(code__in=grid_codes)}
    matters = {m.code: m for m in Matter.objects.filter(code__in=matter_codes)}
    kinds = {value: value for value in Agent.Kind.values}
    kinds.update({str(label): value for value, label in Agent.Kind.choices})

    parsed: list[_ParsedRow] = []
    errors: list[ImportRowError] = []
    seen_phones: dict[str, int] = {}
    for line, row in rows:
        problems: list[str] = []
        name = str(row.get("姓名") or "").strip()
        if not name:
            problems.append("缺少姓名")
        elif len(name) > 64:
            problems.append("姓名过长")
        kind_text = str(row.get("身份") or "").strip()
        kind = kinds.get(kind_text) or kinds.get(kind_text.lower(), "")
        if not kind:
            problems.append(f"未知身份“{kind_text}”" if kind_text else "缺少身份")
        phone = normalize_phone(str(row.get("手机号") or ""))
        if phone is None:
            problems.append(f"手机号无效“{str(row.get('手机号') or '').strip()}”")
        elif phone in seen_phones:
            problems.append(f"手机号与第 {seen_phones[phone]} 行重复")
        else:
            seen_phones[phone] = line
        work_phone = str(row.get("工作电话") or "").strip()
        if len(work_phone) > 32:
            problems.append("工作电话过长")
        consent = _yes_no(row.get("同意公开手机号"), default=False, label="同意公开手机号", errors=problems)
        published = _yes_no(row.get("公示"), default=True, label="公示", errors=problems)
        row_sites, row_grids, row_scopes = [], [], []
        for code in _split_codes(row.get("站点编码")):
            if code in sites:
                row_sites.append(sites[code])
            else:
                problems.append(f"未知站点编码“{code}”")
        for code in _split_codes(row.get("网格编码")):
            if code in grids:
                row_grids.append(grids[code])
            else:
                problems.append(f"未知网格编码“{code}”")
        for code in _split_codes(row.get("服务事项编码")):
            if code in matters:
                row_scopes.append(matters[code])
            else:
                problems.append(f"未知事项编码“{code}”")
        if not _split_codes(row.get("站点编码")):
            problems.append("缺少站点编码")
        if problems:
            errors.append(ImportRowError(line=line, messages=problems))
            continue
        parsed.append(
            _ParsedRow(
                line=line,
                name=name,
                kind=kind,
                phone=phone or "",
                work_phone=work_phone,
                consent=consent,
                sites=row_sites,
                grids=row_grids,
                scopes=row_scopes,
                published=published,
            )
        )
    return parsed, errors


@transaction.atomic
def agent_import(
    *, rows: Sequence[tuple[int, dict[str, Any]]], dry_run: bool = False, actor: User | None = None
) -> ImportReport:
    """Import agents from parsed sheet rows ``[(line_number, {Chinese header: value})]``.

    Everything is validated first; every bad row is reported by its line number and, if there is any,
    nothing is imported. ``dry_run`` validates only.
    """
    report = ImportReport(total=len(rows), dry_run=dry_run)
    parsed, errors = _parse_rows(rows)
    if errors:
        report.errors = errors
        return report
    if dry_run:
        return report
    sid = transaction.savepoint()
    try:
        for item in parsed:
            try:
                agent_create(
                    name=item.name,
                    kind=item.kind,
                    phone=item.phone,
                    work_phone=item.work_phone,
                    publish_mobile_consent=item.consent,
                    sites=item.sites,
                    grids=item.grids,
                    scopes=item.scopes,
                    is_published=item.published,
                    actor=actor,
                )
            except ValidationError as exc:
                msgs = [str(m) for m in exc.messages]
                report.errors.append(ImportRowError(line=item.line, messages=msgs))
        if report.errors:
            transaction.savepoint_rollback(sid)
            return report
    except Exception:
        transaction.savepoint_rollback(sid)
        raise
    transaction.savepoint_commit(sid)
    report.created = len(parsed)
    audit_log(actor=actor, action="agent_import", target_type="agent", detail={"created": report.created})
    return report
