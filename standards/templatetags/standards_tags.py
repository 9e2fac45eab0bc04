"""``{% load standards_tags %}{% tier_badge site %}``: a site's tier as a badge (roster, map).

The tier is the one the station's standards page shows: approved, and consistent with the system's records
(``standards.selectors.shown_tiers``). The tiers of all sites are read once per request (a fixed number of
queries) and kept on the request, so a list of sites costs the same at 3 or 300 sites. Renders nothing for a site without an approved tier.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from standards.selectors import shown_tiers
from standards.tiers import TIER_LABELS

register = template.Library()


@register.simple_tag(takes_context=True)
def tier_badge(context: Any, site: Any) -> str:
    request = context.get("request")
    tiers = getattr(request, "_standards_tiers", None) if request is not None else None
    if tiers is None:
        tiers = shown_tiers()
        if request is not None:
            request._standards_tiers = tiers
    tier = tiers.get(int(getattr(site, "pk", 0) or 0), "")
    if tier not in TIER_LABELS:
        return ""
    return format_html(
        '<span class="badge badge-tier badge-tier-{}" title="经审核的达标等级">达标：{}</span>',
        tier,
        TIER_LABELS[tier],
    )
