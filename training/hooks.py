"""What training plugs into workflows (registered in ``TrainingConfig.ready``; see ``workflows.extensions``).

- Suggestions: agents holding a valid qualification for the case's matter category come first, and the
  reason says so (or that nobody suggested holds it).
- Assignment: staff may assign an unqualified agent; when the district checks the category on assign
  (``QualificationRule.check_on_assign``) the case's timeline gets a staff-only flag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from training.models import QualificationRule
from training.selectors import category_label, qualifications_for

if TYPE_CHECKING:
    from agency.models import Agent
    from workflows.models import Case


def rank_by_qualification(case: Case, agents: list[Agent]) -> dict[int, tuple[int, str]]:
    category = case.matter.category
    label = category_label(category)
    quals = qualifications_for([a.pk for a in agents])
    out: dict[int, tuple[int, str]] = {}
    for agent in agents:
        qual = quals.get(agent.pk, {}).get(category)
        if qual is None:
            out[agent.pk] = (1, f"未取得「{label}」资格")
        else:
            until = f"，有效期至{qual.expires_on:%Y-%m-%d}" if qual.expires_on else ""
            out[agent.pk] = (0, f"已取得「{label}」资格{until}（优先）")
    return out


def flag_unqualified_assignment(case: Case, agent: Agent) -> list[str]:
    category = case.matter.category
    if not QualificationRule.objects.filter(category=category, check_on_assign=True).exists():
        return []
    if category in qualifications_for([agent.pk])[agent.pk]:
        return []
    return [
        f"注意：{agent.name}未取得（或已过期）「{category_label(category)}」类事项资格，由工作人员指定分派。"
    ]
