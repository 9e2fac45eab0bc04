"""Demo assessments (called by ``manage.py demo_data`` through ``settings.DEMO_DATA_STEPS``).

Every tier appears, one station sits below 基础型, one submission waits for review and one station was never
assessed. Submissions and reviews go through the services (so the history reads like real use). Idempotent:
a site that already has an assessment is left alone.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from agency.models import Agent, Site
from core.models import User
from standards import services
from standards.models import TIER_ORDER, Assessment
from standards.tiers import Table, fmt_number, table_load

# In site-code order: the tier each demo site is filled to ("below": under 基础型; None: never assessed).
CENTER_PLAN = ["standard", "basic", "benchmark"]
STATION_PLAN = ["benchmark", "standard", "basic", "below", "standard:pending", "basic", None]


def answers_for_tier(table: Table, tier: str, *, cumulative: bool = True) -> dict[str, list[str]]:
    """Form values (``raw``) that meet exactly ``tier``'s minimum in every row of ``table``.

    ``cumulative``: also tick the lower tiers' items (a real site at 标准型 kept what 基础型 asked for, e.g.
    附件1's 考核管理制度); without it, only ``tier``'s own full lists.
    """
    raw: dict[str, list[str]] = {}
    upto = TIER_ORDER[: TIER_ORDER.index(tier) + 1] if cumulative else (tier,)
    for row in table.rows:
        cell = row.cells.get(tier)
        if cell is None:
            continue
        if row.is_staffing:
            spec = cell.spec
            if table.kind == "center":
                raw["staffing-leaders"] = list(spec.get("leaders", []))
                raw["staffing-full_time"] = [fmt_number(cell.min_value or 0)]
                if spec.get("establishment_defined"):
                    raw["staffing-establishment_defined"] = ["1"]
            else:
                raw["staffing-full_time"] = [str(spec.get("min_full_time", 0))]
                raw["staffing-part_time"] = [str(spec.get("min_part_time", 0))]
                if spec.get("committee_cadre_in_charge"):
                    raw["staffing-cadre_in_charge"] = ["1"]
                raw["staffing-attendance"] = [str(spec.get("attendance", ""))]
        elif cell.min_value is not None:
            raw[f"{row.key}-value"] = [fmt_number(cell.min_value)]
        items: list[str] = []
        for lower in upto:
            c = row.cells.get(lower)
            if c is not None:
                wanted = list(c.items) + ([c.practice] if c.practice_required else [])
                items += [i for i in wanted if i not in items]
        if items:
            raw[f"{row.key}-items"] = items
    return raw


def _reviewer(site: Site, admin: User) -> User:
    if site.kind == Site.Kind.STATION and site.parent is not None:
        town = Agent.objects.filter(
            kind=Agent.Kind.TOWN_STAFF, sites=site.parent, is_active=True, user__isnull=False
        ).first()
        if town is not None and town.user is not None:
            return town.user
    return admin


def _submitter(site: Site, admin: User) -> User:
    agent = Agent.objects.filter(
        kind__in=[Agent.Kind.STATION_STAFF, Agent.Kind.TOWN_STAFF],
        sites=site,
        is_active=True,
        user__isnull=False,
    ).first()
    return agent.user if agent is not None and agent.user is not None else admin


@transaction.atomic
def standards_demo_load() -> int:
    """Load the demo assessments; returns how many were submitted."""
    admin = User.objects.filter(is_superuser=True).order_by("id").first()
    if admin is None:
        return 0
    made = 0
    for kind, plan in ((Site.Kind.CENTER, CENTER_PLAN), (Site.Kind.STATION, STATION_PLAN)):
        table = table_load(kind)
        sites = Site.objects.filter(kind=kind, is_active=True).select_related("parent").order_by("code")
        for site, target in zip(sites, plan, strict=False):
            if target is None or Assessment.objects.filter(site=site).exists():
                continue
            tier, _, mode = target.partition(":")
            raw = answers_for_tier(table, "basic" if tier == "below" else tier)
            if tier == "below":  # too small and no 饮水机: the campaign page must show a site below 基础型
                raw["area-value"] = [str(Decimal(15))]
                raw["facilities-items"] = [i for i in raw.get("facilities-items", []) if i != "饮水机"]
            submitter = _submitter(site, admin)
            assessment = services.assessment_submit(actor=submitter, site=site, raw=raw)
            made += 1
            if mode != "pending":
                reviewer = _reviewer(site, admin)
                if reviewer == submitter and not reviewer.is_superuser:
                    reviewer = admin
                services.assessment_review(actor=reviewer, assessment=assessment, approve=True)
    return made
