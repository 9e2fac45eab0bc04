"""``{% load training_tags %}``: the qualified categories of a roster agent (public roster and screen).

One tag line in agency's templates; the qualifications of all the site's published agents are read once
per render (two queries), whatever the number of agents.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join

from training.selectors import qualifications_for

register = template.Library()

_CACHE_KEY = "training_tags.qualified"


def _site_qualifications(context: template.Context, roster: Any) -> dict[int, list[str]]:
    cache = context.render_context.get(_CACHE_KEY)
    if cache is None:
        ids = [getattr(e, "agent_id", 0) for e in roster or []]
        quals = qualifications_for([i for i in ids if i])
        cache = {pk: sorted(q.label for q in per.values()) for pk, per in quals.items()}
        context.render_context[_CACHE_KEY] = cache
    return cache  # type: ignore[no-any-return]


@register.simple_tag(takes_context=True)
def qualified_categories(context: template.Context, entry: Any) -> str:
    """``<span class="qual">已取得资格：医保、社保</span>`` for one ``RosterEntry`` (empty when none)."""
    labels = _site_qualifications(context, context.get("roster")).get(getattr(entry, "agent_id", 0), [])
    if not labels:
        return ""
    items = format_html_join("、", "{}", ((label,) for label in labels))
    return format_html('<span class="qual">已取得资格：{}</span>', items)
