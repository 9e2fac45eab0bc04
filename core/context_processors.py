from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core.calendar_coverage import coverage_banner


def ui_prefs(request: HttpRequest) -> dict[str, bool]:
    """Large-font mode is a cookie so it persists and works without JavaScript."""
    return {"large_font": request.COOKIES.get("bb_font") == "large"}


def calendar_coverage(request: HttpRequest) -> dict[str, Any]:
    """``calendar_banner`` for staff pages (dashboard, admin): computed only if a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"calendar_banner": SimpleLazyObject(coverage_banner)}
