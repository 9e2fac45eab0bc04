"""``{% notification_bell %}`` (load ``notifications_tags``): bell with unread count, link to the list."""

from typing import Any

from django import template

from notifications.selectors import case_sms_deliveries as case_sms_deliveries_for
from notifications.selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/bell.html", takes_context=True)
def notification_bell(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    authenticated = bool(getattr(user, "is_authenticated", False))
    return {"show": authenticated, "unread": unread_count(user) if authenticated else 0}


@register.inclusion_tag("notifications/_case_sms.html")
def case_sms_deliveries(case_no: str) -> dict[str, Any]:
    """``{% case_sms_deliveries case.case_no %}``: the case's resident SMS and their delivery state (issue 27)."""
    return {"deliveries": case_sms_deliveries_for(case_no=case_no)}
