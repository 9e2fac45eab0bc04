"""``{% staff_nav %}``: the one staff navigation (every staff page's header), with the user's role and sites.

Pages of other apps (dashboards, standards, training, showcase) load it through ``templates/staff/base_desk.html``;
the links are plain URLs so this module needs none of those apps.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template import engines

from agency.models import Agent
from workflows import permissions, selectors

register = template.Library()

ROLE_LABELS = dict(Agent.Kind.choices)

# (key, label, url): ``key`` is what a page passes as ``nav`` to mark itself current.
LINKS: tuple[tuple[str, str, str], ...] = (
    ("queue", "待分派", "/staff/"),
    ("cases", "案件工作台", "/staff/cases/"),
    ("away", "AB岗", "/staff/away/"),
    ("ratings", "差评整改", "/staff/ratings/"),
    ("cockpit", "数据驾驶舱", "/cockpit/"),
    ("dashboard", "统计报表", "/dashboard/"),
    ("standards", "达标建设", "/standards/"),
    ("training", "培训练兵", "/training/"),
    ("showcase", "典型案例", "/showcase/staff/"),
    ("tasks", "我的任务", "/m/"),
)


def _bell_available() -> bool:
    """The notifications app may provide ``{% notification_bell %}``; the nav skips it when it does not."""
    try:
        return "notifications_tags" in engines["django"].engine.template_libraries  # type: ignore[attr-defined]
    except (AttributeError, KeyError):
        return False


@register.inclusion_tag("staff/_nav.html", takes_context=True)
def staff_nav(context: template.Context, current: str = "") -> dict[str, Any]:
    """Links, the current one marked; the role's name and the user's sites (one small query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    role = selectors.actor_role(user)
    agent = selectors.actor_agent(user)
    sites = list(agent.sites.order_by("code").values_list("name", flat=True)[:3]) if agent else []
    current = current or str(context.get("nav") or "")
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "links": [(key, label, url, key == current) for key, label, url in LINKS],
        "role_label": str(ROLE_LABELS.get(role or "", "")) if role else "",
        "site_names": sites,
        "is_staff_role": role in permissions.STAFF_ROLES,
        "bell_available": _bell_available(),
        "user": user,
    }
