"""Station standards: which tier a site actually meets, what it lacks for the next, and profile edits.

Tiers are cumulative: a site meets ``standard`` only if it meets every ``basic`` and every ``standard``
criterion. List criteria of a higher tier name only the items added at that tier (the lower tier's items
are required through the lower tier). See ``agency.standards_models`` for the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from agency.models import Agent, Site
from agency.standards_models import TIER_ORDER, SiteProfile, SiteProfileChange, StandardCriterion
from core.exceptions import ApplicationError
from core.models import User
from core.services import audit_log

TIER_LABELS = dict(StandardCriterion.Tier.choices)
KEY_LABELS = dict(StandardCriterion.Key.choices)

# Which profile attribute each criterion key reads; ``matters`` is counted from SiteMatter instead.
NUMBER_FIELDS = {"area": "area_m2", "windows": "windows", "seats": "seats", "staffing": "staffing"}
LIST_FIELDS = {k: k for k in ("zones", "equipment", "facilities", "network", "rules")}
PROFILE_FIELDS = (
    "area_m2",
    "has_unified_signage",
    "zones",
    "windows",
    "seats",
    "staffing",
    "equipment",
    "facilities",
    "network",
    "rules",
    "note",
)
RATED_KINDS = (Site.Kind.CENTER, Site.Kind.STATION)


@dataclass
class TierResult:
    """The tier a site meets (``""`` when not even basic), the next tier and every gap to reach it."""

    met_tier: str
    next_tier: str
    gaps_to_next: list[str] = field(default_factory=list)

    @property
    def met_label(self) -> str:
        return str(TIER_LABELS.get(self.met_tier, "未达标"))

    @property
    def next_label(self) -> str:
        return str(TIER_LABELS.get(self.next_tier, ""))


def _fmt(value: Decimal | int | None) -> str:
    if value is None:
        return "0"
    d = Decimal(value)
    return str(d.quantize(Decimal(1))) if d == d.to_integral_value() else str(d.normalize())


def criterion_gap(criterion: StandardCriterion, profile: SiteProfile | None, matter_count: int) -> str | None:
    """A human sentence saying how ``profile`` falls short of ``criterion``, or None when it is met."""
    label = KEY_LABELS.get(criterion.key, criterion.key)
    key = criterion.key
    if key == StandardCriterion.Key.SIGNAGE:
        if profile is not None and profile.has_unified_signage:
            return None
        return f"{label}：未设置统一标识"
    if key == StandardCriterion.Key.MATTERS or key in NUMBER_FIELDS:
        need = criterion.min_value or Decimal(0)
        if key == StandardCriterion.Key.MATTERS:
            have: Decimal = Decimal(matter_count)
        else:
            have = (
                Decimal(getattr(profile, NUMBER_FIELDS[key], 0) or 0) if profile is not None else Decimal(0)
            )
        if have >= need:
            return None
        unit = criterion.unit
        return f"{label}：现有 {_fmt(have)}{unit}，需达到 {_fmt(need)}{unit}"
    if key in LIST_FIELDS:
        have_items = set(getattr(profile, LIST_FIELDS[key], None) or []) if profile is not None else set()
        missing = [item for item in criterion.required_items or [] if item not in have_items]
        if not missing:
            return None
        return f"{label}：缺少{'、'.join(missing)}"
    return None  # an unknown key (added in a later edition) never blocks a tier


def criteria_by_kind() -> dict[str, dict[str, list[StandardCriterion]]]:
    """Active criteria as ``{site_kind: {tier: [criteria]}}`` in table order (one query)."""
    table: dict[str, dict[str, list[StandardCriterion]]] = {}
    for row in StandardCriterion.objects.filter(is_active=True).order_by("sort_order", "key"):
        table.setdefault(row.site_kind, {}).setdefault(row.tier, []).append(row)
    return table


def tier_evaluate(
    *,
    site_kind: str,
    profile: SiteProfile | None,
    matter_count: int,
    table: dict[str, dict[str, list[StandardCriterion]]],
) -> TierResult:
    """Pure evaluation against pre-loaded criteria (used by the report to avoid a query per site)."""
    tiers = table.get(site_kind, {})
    met = ""
    for tier in TIER_ORDER:
        gaps = [g for c in tiers.get(tier, []) if (g := criterion_gap(c, profile, matter_count))]
        if gaps:
            return TierResult(met_tier=met, next_tier=tier, gaps_to_next=gaps)
        met = tier
    return TierResult(met_tier=met, next_tier="", gaps_to_next=[])


def _matter_count(site: Site) -> int:
    return site.matters.filter(is_active=True).count()


def site_tier_compute(*, site: Site) -> TierResult:
    """The highest tier ``site`` fully meets and every gap to the next tier (all unmet criteria of it).

    Partner points and terminals have no construction standard: they get an empty result.
    """
    if site.kind not in RATED_KINDS:
        return TierResult(met_tier="", next_tier="", gaps_to_next=[])
    profile = SiteProfile.objects.filter(site=site).first()
    return tier_evaluate(
        site_kind=site.kind, profile=profile, matter_count=_matter_count(site), table=criteria_by_kind()
    )


# --- Scope -------------------------------------------------------------------------------------------


def _agent(user: User) -> Agent | None:
    try:
        return user.agent  # type: ignore[attr-defined,no-any-return]
    except Agent.DoesNotExist:
        return None


def standards_role(user: User | Any) -> str:
    """Who may see the standards report: ``district_admin``, ``town_staff``, ``station_staff`` or ``""``."""
    if not getattr(user, "is_authenticated", False):
        return ""
    agent = _agent(user)
    if user.is_superuser or (agent is not None and agent.kind == Agent.Kind.DISTRICT_ADMIN):
        return Agent.Kind.DISTRICT_ADMIN.value
    if agent is None or not agent.is_active:
        return ""
    if agent.kind in (Agent.Kind.TOWN_STAFF, Agent.Kind.STATION_STAFF):
        return str(agent.kind)
    return ""


def sites_in_standards_scope(user: User | Any) -> QuerySet[Site]:
    """Centers and stations the user may see in the report (district: all; town: own center + its sites)."""
    role = standards_role(user)
    base = Site.objects.filter(is_active=True, kind__in=RATED_KINDS)
    if role == Agent.Kind.DISTRICT_ADMIN:
        return base
    if role == Agent.Kind.TOWN_STAFF:
        own = _agent(user).sites.values_list("id", flat=True)  # type: ignore[union-attr]
        return base.filter(Q(id__in=own) | Q(parent_id__in=own))
    if role == Agent.Kind.STATION_STAFF:
        return base.filter(id__in=_agent(user).sites.values_list("id", flat=True))  # type: ignore[union-attr]
    return base.none()


def can_edit_profile(user: User | Any, site: Site) -> bool:
    """Town staff (their town's sites) and district admins edit profiles; station staff only read."""
    role = standards_role(user)
    if role not in (Agent.Kind.DISTRICT_ADMIN, Agent.Kind.TOWN_STAFF):
        return False
    return sites_in_standards_scope(user).filter(pk=site.pk).exists()


@dataclass
class ReportRow:
    site: Site
    declared_tier: str
    result: TierResult

    @property
    def declared_label(self) -> str:
        return str(TIER_LABELS.get(self.declared_tier, "未申报"))

    @property
    def matches(self) -> bool:
        return self.declared_tier == self.result.met_tier


def standards_report(*, user: User | Any) -> list[ReportRow]:
    """Every center and station in the user's scope with declared vs met tier and gaps (3 queries)."""
    sites = list(
        sites_in_standards_scope(user)
        .select_related("parent", "profile")
        .annotate(n_matters=Count("matters", filter=Q(matters__is_active=True), distinct=True))
        .order_by("parent__code", "kind", "code")
    )
    table = criteria_by_kind()
    rows = []
    for site in sites:
        profile = getattr(site, "profile", None)  # RelatedObjectDoesNotExist is an AttributeError
        result = tier_evaluate(
            site_kind=site.kind,
            profile=profile,
            matter_count=site.n_matters,  # type: ignore[attr-defined]
            table=table,
        )
        rows.append(ReportRow(site=site, declared_tier=site.tier, result=result))
    return rows


def profile_history(*, site: Site) -> QuerySet[SiteProfileChange]:
    return SiteProfileChange.objects.filter(profile__site=site).select_related("actor").order_by("-at", "-id")


def items_clean(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [v for part in value.replace("，", ",").replace("、", ",").split(",") if (v := part.strip())]
    items: list[str] = []
    for v in value or []:
        text = str(v).strip()
        if text and text not in items:
            items.append(text)
    return items


@transaction.atomic
def site_profile_update(*, actor: User, site: Site, note: str = "", **values: Any) -> SiteProfile:
    """Record what ``site`` has. Only changed fields are written to the history row; no-op edits add none.

    ``values`` keys are ``SiteProfile`` fields (``area_m2``, ``zones`` …). 403 unless the actor may edit.
    """
    if site.kind not in RATED_KINDS:
        raise ApplicationError("合作网点和自助终端不适用建设标准。", {"site": site.code}, status=400)
    if not can_edit_profile(actor, site):
        raise ApplicationError("无权修改该站点的建设情况。", {"site": site.code}, status=403)
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ApplicationError("未知字段。", {"fields": sorted(unknown)}, status=400)
    profile, _ = SiteProfile.objects.select_for_update().get_or_create(site=site)
    changes: dict[str, list[Any]] = {}
    for name, raw in values.items():
        new: Any = raw
        if name in LIST_FIELDS.values():
            new = items_clean(raw)
        elif name == "area_m2":
            try:
                new = Decimal(str(raw if raw not in (None, "") else 0))
            except (InvalidOperation, ValueError):
                raise ApplicationError("面积须为数字。", {"area_m2": str(raw)}, status=400)
            if new < 0:
                raise ApplicationError("面积不能为负数。", {"area_m2": str(raw)}, status=400)
        elif name in ("windows", "seats", "staffing"):
            try:
                new = int(raw or 0)
            except (TypeError, ValueError):
                raise ApplicationError("数量须为整数。", {name: str(raw)}, status=400)
            if new < 0:
                raise ApplicationError("数量不能为负数。", {name: str(raw)}, status=400)
        elif name == "has_unified_signage":
            new = bool(raw)
        else:
            new = str(raw or "")
        old = getattr(profile, name)
        if name == "area_m2":  # compare and record as plain decimal strings ("45.5", "0")
            old, shown_new = _fmt(Decimal(str(old or 0))), _fmt(new)
        else:
            shown_new = new
        if old != shown_new:
            changes[name] = [old, shown_new]
            setattr(profile, name, new)
    if not changes:
        return profile
    profile.updated_by = actor
    profile.full_clean()
    profile.save()
    SiteProfileChange.objects.create(profile=profile, actor=actor, changes=changes, note=note[:255])
    audit_log(
        actor=actor,
        action="site_profile_update",
        target_type="site",
        target_id=site.code,
        detail={"fields": sorted(changes)},
    )
    return profile


def items_offered(site_kind: str) -> dict[str, list[str]]:
    """Every item any tier's criterion names, per list key: the checkboxes of the profile form."""
    offered: dict[str, list[str]] = {k: [] for k in LIST_FIELDS}
    rows = StandardCriterion.objects.filter(is_active=True, site_kind=site_kind)
    for row in sorted(rows, key=lambda r: TIER_ORDER.index(r.tier) if r.tier in TIER_ORDER else 9):
        if row.key in offered:
            for item in row.required_items or []:
                if item not in offered[row.key]:
                    offered[row.key].append(item)
    return offered


@transaction.atomic
def standards_demo_seed() -> int:
    """Demo only: give every center/station without a profile one that meets its declared tier, except
    every third site, which misses one item (so the report shows gaps). Idempotent; returns rows made."""
    table = criteria_by_kind()
    made = 0
    sites = Site.objects.filter(is_active=True, kind__in=RATED_KINDS, profile__isnull=True).order_by("code")
    for index, site in enumerate(sites):
        tiers = TIER_ORDER[: TIER_ORDER.index(site.tier) + 1] if site.tier in TIER_ORDER else TIER_ORDER[:1]
        values: dict[str, Any] = {"area_m2": Decimal(0), "has_unified_signage": False}
        values.update(dict.fromkeys(("windows", "seats", "staffing"), 0))
        values.update({k: [] for k in LIST_FIELDS})
        for tier in tiers:
            for row in table.get(site.kind, {}).get(tier, []):
                if row.key == StandardCriterion.Key.SIGNAGE:
                    values["has_unified_signage"] = True
                elif row.key in NUMBER_FIELDS:
                    field_name = NUMBER_FIELDS[row.key]
                    need = row.min_value or Decimal(0)
                    values[field_name] = max(
                        values[field_name], need if field_name == "area_m2" else int(need)
                    )
                elif row.key in LIST_FIELDS:
                    values[row.key] += [i for i in row.required_items or [] if i not in values[row.key]]
        if index % 3 == 2 and values["zones"]:
            values["zones"] = values["zones"][:-1]
        SiteProfile.objects.create(site=site, note="演示数据", **values)
        made += 1
    return made
