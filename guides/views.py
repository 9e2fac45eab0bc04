"""Public guide pages (办事指南) and the printable PDFs. Anonymous, read-only, no personal data."""

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agency import selectors as agency_selectors
from agency.models import Site
from core.exceptions import ApplicationError
from guides import pdf, selectors

P = ParamSpec("P")
T = TypeVar("T")
PDF_CACHE_SECONDS = 600  # posters change when the catalogue or roster does; a print run may re-fetch them


def _or_404(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """A selector's 404 ``ApplicationError`` as the site's 404 page."""
    try:
        return fn(*args, **kwargs)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc


def _site_param(request: HttpRequest) -> Site | None:
    code = request.GET.get("site", "")[:32]
    return _or_404(agency_selectors.site_get_public, code) if code else None


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """``/guides/?q=低保&site=CODE``: the matters a resident can ask for, searched by the words people use."""
    site = _site_param(request)
    query = request.GET.get("q", "").strip()[:60]
    matters = list(agency_selectors.matter_search_public(query, site=site))
    return render(request, "guides/index.html", {"matters": matters, "q": query, "site": site})


@require_GET
def matter_page(request: HttpRequest, code: str) -> HttpResponse:
    """``/guides/<code>/?site=CODE``: one matter's guide — 一次性告知, time limit, links, stations, posters."""
    matter = _or_404(selectors.matter_get_public, code)
    site = _site_param(request)
    if site is not None:
        site, matter = _or_404(selectors.site_matter_get, site.code, matter.code)
    context = {
        "guide": selectors.matter_guide(matter, site),
        "site": site,
        "sites": selectors.sites_offering(matter) if site is None else [],
    }
    return render(request, "guides/matter.html", context)


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{filename}"
    response["Cache-Control"] = f"public, max-age={PDF_CACHE_SECONDS}"
    return response


@require_GET
def poster(request: HttpRequest, site_code: str, matter_code: str) -> HttpResponse:
    """``/sites/<site>/guides/<matter>/poster.pdf``: the A4 宣传海报 of one matter at one station."""
    site, matter = _or_404(selectors.site_matter_get, site_code, matter_code)
    return _pdf_response(
        pdf.matter_poster_pdf(selectors.matter_guide(matter, site)), f"poster-{site.code}-{matter.code}.pdf"
    )


@require_GET
def leaflet(request: HttpRequest, site_code: str) -> HttpResponse:
    """``/sites/<site>/leaflet.pdf``: the station's tri-fold 工作折页."""
    site = _or_404(agency_selectors.site_get_public, site_code[:32])
    return _pdf_response(pdf.site_leaflet_pdf(selectors.site_leaflet(site)), f"leaflet-{site.code}.pdf")
