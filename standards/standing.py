"""The tier a site's assessment page shows: approved, and consistent with the system's records (issue 26).

The approved tier (``SiteStanding.tier``) is what the town accepted on the day. When the page flags that the
approved answers contradict the record (a ticked box the record denies, more staff than on record), showing
that tier as a 标杆型 badge beside the contradictions says two things at once. The page shows one tier: the
approved one, lowered to what the approved answers still support once the contradicted items are taken
out. A read only: nothing is re-approved or written.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from standards.facts import SiteFacts
from standards.models import TIER_ORDER, SiteStanding
from standards.tiers import TIER_LABELS, table_load, tier_evaluate, tier_label


@dataclass
class StandingView:
    tier: str  # shown: approved and consistent ("" below 基础型)
    approved_tier: str
    approved_at: datetime
    next_tier: str
    gaps: list[str]
    contradictions: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return tier_label(self.tier)

    @property
    def approved_label(self) -> str:
        return tier_label(self.approved_tier)

    @property
    def next_label(self) -> str:
        return TIER_LABELS.get(self.next_tier, "")

    @property
    def lowered(self) -> bool:
        return self.tier != self.approved_tier


def _rank(tier: str) -> int:
    return TIER_ORDER.index(tier) + 1 if tier in TIER_ORDER else 0


def consistent_answers(answers: dict[str, Any], facts: SiteFacts) -> dict[str, Any]:
    """``answers`` without what the record denies: denied ticked items dropped, staff counts capped at the
    staff on record."""
    cleaned = copy.deepcopy(answers)
    for row, denied in facts.denied.items():
        answer = cleaned.get(row)
        if answer and answer.get("items"):
            answer["items"] = [i for i in answer["items"] if i not in denied]
    staffing = cleaned.get("staffing")
    if staffing:
        full = min(int(staffing.get("full_time") or 0), facts.staff_on_record)
        part = min(int(staffing.get("part_time") or 0), facts.staff_on_record - full)
        staffing["full_time"], staffing["part_time"] = full, part
    return cleaned


def standing_view(standing: SiteStanding | None, facts: SiteFacts) -> StandingView | None:
    """What the page shows of ``standing`` against today's ``facts`` (None when never approved)."""
    if standing is None:
        return None
    answers = standing.assessment.answers or {}
    contradictions = [m for msgs in facts.warnings(answers).values() for m in msgs]
    view = StandingView(
        tier=standing.tier,
        approved_tier=standing.tier,
        approved_at=standing.approved_at,
        next_tier=standing.next_tier,
        gaps=list(standing.gaps or []),
        contradictions=contradictions,
    )
    if contradictions:
        result = tier_evaluate(table_load(standing.site.kind), consistent_answers(answers, facts))
        if _rank(result.met_tier) < _rank(standing.tier):
            view.tier, view.next_tier, view.gaps = result.met_tier, result.next_tier, result.gaps
    return view
