"""``{% load showcase_tags %}{% showcase_rotation site %}``: the hall screen's 典型案例 strip.

The town's latest published cases take turns (CSS only, like the screen's panels; with reduced motion
they are listed). One query; one line in agency's screen template.
"""

from __future__ import annotations

from typing import Any

from django import template

from showcase.selectors import published
from showcase.services import town_center

register = template.Library()

ROTATION_SIZE = 5
SECONDS_EACH = 12


@register.inclusion_tag("showcase/_rotation.html")
def showcase_rotation(site: Any) -> dict[str, Any]:
    cases = list(published(town=town_center(site))[:ROTATION_SIZE]) if site is not None else []
    total = SECONDS_EACH * max(len(cases), 1)
    return {
        "cases": cases,
        "total": total,
        "items": [(c, i * SECONDS_EACH) for i, c in enumerate(cases)],
        "share": round(100 / max(len(cases), 1), 2),
        "share_end": round(100 / max(len(cases), 1) + 0.01, 2),
    }
