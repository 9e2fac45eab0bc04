"""The front page (``/``): where a resident and a member of staff start."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agency import selectors
from agency.models import Site


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Residents: 查进度, 服务地图, 一件事, 预约 and every station's 人员名单 (grouped under its center); staff: 登录
    (or, signed in, their task list). No JavaScript; the page is what a 360 px phone shows first."""
    sites = list(selectors.site_list_public().filter(kind__in=[Site.Kind.CENTER, Site.Kind.STATION]))
    centers = [s for s in sites if s.kind == Site.Kind.CENTER]
    stations_of: dict[int | None, list[Site]] = {}
    for site in sites:
        if site.kind == Site.Kind.STATION:
            stations_of.setdefault(site.parent_id, []).append(site)
    known = {c.pk for c in centers}
    groups = [(center, stations_of.get(center.pk, [])) for center in centers]
    orphans = [s for parent, group in stations_of.items() if parent not in known for s in group]
    return render(request, "agency/home.html", {"groups": groups, "orphans": orphans})
