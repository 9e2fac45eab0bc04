"""Staff pages of the rating kiosk: the current 现场评价码 and enrolling the station's tablet (residents.kiosk)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from agency.models import Site
from agency.selectors import site_get_public, sites_for_user
from core.exceptions import ApplicationError
from residents.kiosk import kiosk_device_enroll, kiosk_presence_code
from workflows.views import staff_required


def _site_in_scope(request: HttpRequest, code: str) -> Site:
    try:
        site = site_get_public(code)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc
    if site.code not in sites_for_user(request.user):  # type: ignore[arg-type]
        raise Http404("未找到该站点。")
    return site


@never_cache
@require_GET
@staff_required
def kiosk_code_page(request: HttpRequest, code: str) -> HttpResponse:
    """The station's current code, large, for the hall screen's staff browser or the window (refreshes itself)."""
    site = _site_in_scope(request, code)
    current, seconds_left = kiosk_presence_code(site)
    return render(
        request,
        "residents/staff/kiosk_code.html",
        {"site": site, "code": current, "seconds_left": seconds_left, "refresh": min(60, seconds_left + 1)},
    )


@require_POST
@staff_required
def kiosk_enroll(request: HttpRequest, code: str) -> HttpResponse:
    """Make this browser the station's kiosk tablet (ratings from it need no code), then open the kiosk."""
    site = _site_in_scope(request, code)
    response = HttpResponseRedirect(reverse("kiosk-rate", args=[site.code]))
    kiosk_device_enroll(response, site)
    return response
