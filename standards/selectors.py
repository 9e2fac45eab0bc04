"""Reads for assessments: who sees and may act on which site, history, the campaign table and its progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from agency.models import Agent, Site
from agency.roles import STAFF_ROLES
from agency.selectors import user_role, user_site_ids
from core.models import User
from standards.models import Assessment, AssessmentEvent, SiteStanding
from standards.tiers import TIER_LABELS, tier_label

RATED_KINDS = (Site.Kind.CENTER, Site.Kind.STATION)


def standards_role(user: User | Any) -> str:
    """``district_admin``, ``town_staff``, ``station_staff`` or ``""`` (no access to assessments): the user's
    role (``agency.selectors.user_role``) when it is one of the staff roles (``agency.roles.STAFF_ROLES``);
    a superuser counts as district admin here whatever agent profile they have."""
    if not getattr(user, "is_authenticated", False):
        return ""
    if user.is_superuser:
        return Agent.Kind.DISTRICT_ADMIN.value
    role = user_role(user)
    return str(role) if role in STAFF_ROLES else ""


def sites_in_scope(user: User | Any) -> QuerySet[Site]:
    """Centers and stations the user may see (district: all; town: own center and its stations; station: own):
    the site scope (``agency.selectors.user_site_ids``) of those with a ``standards_role``."""
    role = standards_role(user)
    base = Site.objects.filter(is_active=True, kind__in=RATED_KINDS)
    if role == Agent.Kind.DISTRICT_ADMIN:
        return base
    if not role:
        return base.none()
    site_ids = user_site_ids(user)
    return base if site_ids is None else base.filter(pk__in=sorted(site_ids))


def can_submit(user: User | Any, site: Site) -> bool:
    """Anyone with the site in scope fills in its assessment (station staff their own; town staff any of theirs)."""
    return bool(standards_role(user)) and sites_in_scope(user).filter(pk=site.pk).exists()


def can_review(user: User | Any, site: Site) -> bool:
    """The town reviews its stations; a town center is reviewed by the district (not by its own staff)."""
    role = standards_role(user)
    if role == Agent.Kind.DISTRICT_ADMIN:
        return True
    if role != Agent.Kind.TOWN_STAFF or site.kind != Site.Kind.STATION:
        return False
    return sites_in_scope(user).filter(pk=site.pk).exists()


def pending_assessment(site: Site) -> Assessment | None:
    return Assessment.objects.filter(site=site, status=Assessment.Status.SUBMITTED).first()


def latest_assessment(site: Site) -> Assessment | None:
    return Assessment.objects.filter(site=site).order_by("-submitted_at", "-id").first()


def site_history(site: Site) -> QuerySet[AssessmentEvent]:
    return (
        AssessmentEvent.objects.filter(assessment__site=site)
        .select_related("actor", "assessment")
        .order_by("-at", "-id")
    )


def approved_tiers() -> dict[int, str]:
    """``{site id: approved tier}`` of every site with an approved assessment, as stored (one query)."""
    return dict(SiteStanding.objects.values_list("site_id", "tier"))


def shown_tiers(sites: list[Site] | None = None) -> dict[int, str]:
    """``{site id: tier}`` a person is shown for ``sites`` (None: every site with an approved assessment): the
    approved tier, lowered where the system's records contradict the approved answers (``standing_view``,
    the tier the station's standards page shows).

    Sites read with their ``standing`` (``select_related``, as the public selectors do) cost no query when none
    was approved; otherwise six queries (the approved answers and the record's facts), whatever the count.
    """
    from standards.facts import sites_facts
    from standards.standing import standing_view

    if sites is None:
        rows = list(SiteStanding.objects.select_related("site", "assessment"))
    else:
        rows = []
        for site in sites:
            try:
                standing = site.standing  # type: ignore[attr-defined]  # reverse one-to-one of SiteStanding
            except SiteStanding.DoesNotExist:
                continue
            standing.site = site
            rows.append(standing)
        answers = Assessment.objects.in_bulk([r.assessment_id for r in rows]) if rows else {}
        for standing in rows:
            standing.assessment = answers[standing.assessment_id]
    facts = sites_facts([standing.site for standing in rows])
    out: dict[int, str] = {}
    for standing in rows:
        view = standing_view(standing, facts[standing.site_id])
        out[standing.site_id] = view.tier if view is not None else standing.tier
    return out


# --- Campaign ----------------------------------------------------------------------------------------


@dataclass
class CampaignRow:
    site: Site
    town: Site
    tier: str
    approved_at: datetime | None
    gaps: list[str]
    next_tier: str
    pending: bool
    assessed: bool
    submitted: bool = False  # any self-assessment on record (pending, returned or approved)

    @property
    def tier_label(self) -> str:
        """One state per site (issue 26: a village showed 未自评 beside 待审核): the approved tier; else 待审核
        (a first submission under review), 未通过审核 (submitted, returned) or 未自评 (nothing submitted)."""
        if self.assessed:
            return tier_label(self.tier)
        if self.pending:
            return "待审核"
        return "未通过审核" if self.submitted else "未自评"

    @property
    def not_assessed_note(self) -> str:
        """The line under a site never approved, in the same words as its state."""
        if self.pending:
            return "首次自评待审核"
        return "自评未通过审核" if self.submitted else "从未自评"

    @property
    def next_label(self) -> str:
        return TIER_LABELS.get(self.next_tier, "")


@dataclass
class Progress:
    """Counts toward the policy's target for one town or the district."""

    name: str
    centers: int = 0
    centers_basic: int = 0
    sites: int = 0
    sites_basic: int = 0
    sites_standard: int = 0
    never_assessed: int = 0
    rows: list[CampaignRow] = field(default_factory=list)

    def add(self, row: CampaignRow) -> None:
        self.sites += 1
        self.never_assessed += 0 if row.assessed else 1
        self.sites_basic += 1 if row.tier else 0
        self.sites_standard += 1 if row.tier in ("standard", "benchmark") else 0
        if row.site.kind == Site.Kind.CENTER:
            self.centers += 1
            self.centers_basic += 1 if row.tier else 0

    @staticmethod
    def _pct(part: int, whole: int) -> int:
        return round(100 * part / whole) if whole else 0

    @property
    def centers_pct(self) -> int:
        return self._pct(self.centers_basic, self.centers)

    @property
    def standard_pct(self) -> int:
        return self._pct(self.sites_standard, self.sites)

    @property
    def basic_pct(self) -> int:
        return self._pct(self.sites_basic, self.sites)

    @property
    def target_met(self) -> bool:
        return self.centers > 0 and self.centers_basic == self.centers


def campaign_rows(user: User | Any) -> list[CampaignRow]:
    """Every center and station in scope with its approved tier, date, gaps and pending submission (4 queries)."""
    sites = list(sites_in_scope(user).select_related("parent").order_by("parent__code", "kind", "code"))
    standings = {s.site_id: s for s in SiteStanding.objects.filter(site__in=[x.pk for x in sites])}
    pending = set(
        Assessment.objects.filter(
            site__in=[x.pk for x in sites], status=Assessment.Status.SUBMITTED
        ).values_list("site_id", flat=True)
    )
    submitted = set(
        Assessment.objects.filter(site__in=[x.pk for x in sites]).values_list("site_id", flat=True).distinct()
    )
    rows = []
    for site in sites:
        standing = standings.get(site.pk)
        town = site if site.kind == Site.Kind.CENTER or site.parent is None else site.parent
        rows.append(
            CampaignRow(
                site=site,
                town=town,
                tier=standing.tier if standing else "",
                approved_at=standing.approved_at if standing else None,
                gaps=list(standing.gaps) if standing else [],
                next_tier=standing.next_tier if standing else "basic",
                pending=site.pk in pending,
                assessed=standing is not None,
                submitted=site.pk in submitted,
            )
        )
    rows.sort(key=lambda r: (r.town.code, r.site.kind != Site.Kind.CENTER, r.site.code))
    return rows


def campaign_progress(rows: list[CampaignRow]) -> tuple[Progress, list[Progress]]:
    """District-wide progress and one per town (grouped by the town's center), in the rows' order."""
    district = Progress(name="全区")
    towns: dict[int, Progress] = {}
    for row in rows:
        district.add(row)
        town = towns.setdefault(row.town.pk, Progress(name=row.town.name))
        town.add(row)
        town.rows.append(row)
    return district, list(towns.values())


def standards_met(
    *, site_ids: frozenset[int] | set[int] | None, before: datetime | None = None
) -> tuple[int, int]:
    """``(sites with an approved tier, active centers and stations)`` among ``site_ids`` (None = all): the
    cockpit's 达标 figure. ``before``: only standings approved before then (the previous period's figure)."""
    sites = Site.objects.filter(is_active=True, kind__in=[Site.Kind.CENTER, Site.Kind.STATION])
    if site_ids is not None:
        sites = sites.filter(pk__in=sorted(site_ids))
    met = SiteStanding.objects.filter(site__in=sites).exclude(tier="")
    if before is not None:
        met = met.filter(approved_at__lt=before)
    return met.count(), sites.count()
