"""Public pages of a station: the printable roster (人员名单公示) and the hall's display screen."""

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET

from agency import selectors
from agency.models import Site
from agency.qr import qr_svg, track_url
from core.exceptions import ApplicationError

SCREEN_REFRESH_SECONDS = 180  # how often screen.js fetches the live part (no page reload)


def _site_or_404(code: str) -> Site:
    try:
        return selectors.site_get_public(code)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc


def _context(site: Site) -> dict[str, Any]:
    today = timezone.localdate()
    roster = selectors.site_roster(site, today=today)
    return {
        "site": site,
        "today": today,
        "roster": roster,
        "on_duty": [e for e in roster if e.on_duty],
        "matters": selectors.site_matters_public(site),
        "track_url": track_url(),
        # sections other apps add (e.g. the 一件事 a site offers): agency cannot import them, settings name them
        "extra_sections": [import_string(path)(site) for path in getattr(settings, "SITE_PAGE_SECTIONS", ())],
        "updated_at": timezone.localtime(),
    }


@require_GET
def site_roster_page(request: HttpRequest, code: str) -> HttpResponse:
    """A4 printable roster: 帮办代办制度, agents with roles, published phones and scopes, today's duty, QR."""
    context = _context(_site_or_404(code))
    context["qr"] = qr_svg(context["track_url"], scale=4, title="扫码查询办理进度")
    return render(request, "agency/roster.html", context)


def _screen_context(site: Site) -> dict[str, Any]:
    context = _context(site)
    context["qr"] = qr_svg(context["track_url"], scale=6, title="扫码查询办理进度")
    context["refresh_seconds"] = SCREEN_REFRESH_SECONDS
    return context


@require_GET
def site_screen_page(request: HttpRequest, code: str) -> HttpResponse:
    """The hall TV: roster, matters with time limits and the 制度 in turn (CSS only). No meta refresh: with
    JavaScript the live part is re-fetched from ``site_screen_data``; without, the page stays as loaded."""
    return render(request, "agency/screen.html", _screen_context(_site_or_404(code)))


@require_GET
def site_screen_data(request: HttpRequest, code: str) -> JsonResponse:
    """``{"updated": "HH:MM", "updated_at": ISO-8601, "html": the live part}`` for the screen's refresh."""
    context = _screen_context(_site_or_404(code))
    html = render_to_string("agency/screen_live.html", context, request=request)
    updated = context["updated_at"]
    response = JsonResponse(
        {"updated": updated.strftime("%H:%M"), "updated_at": updated.isoformat(), "html": html}
    )
    response["Cache-Control"] = "no-store"
    return response
