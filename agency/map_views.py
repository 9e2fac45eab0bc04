"""Public service map (/map/) page (the standards pages live in the ``standards`` app).

The map is one server-rendered list that works without JavaScript and offline; when ``MAP_TILE_URL`` is
set, ``static/js/map.js`` adds a Leaflet map (served from ``static/vendor/leaflet``) above the list.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agency import map_selectors
from agency.models import Matter, Site


@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    """政务服务地图: every site, nearest first from ``?lat=&lng=`` or a typed ``?place=``; ``?matter=``."""
    query = map_selectors.MapQuery(
        lat=map_selectors.parse_coord(request.GET.get("lat"), limit=90),
        lng=map_selectors.parse_coord(request.GET.get("lng"), limit=180),
        place=(request.GET.get("place") or "").strip()[:64],
        matter=(request.GET.get("matter") or "").strip()[:32],
        kind=(request.GET.get("kind") or "").strip()[:16],
    )
    if query.place or query.lat is None or query.lng is None:
        # A typed place wins over coordinates left in the form by an earlier "my location" search.
        query.lat = query.lng = None
    elif not query.origin_label:
        query.origin_label = "我的位置"
    entries = map_selectors.map_entries(query)
    tile_url = getattr(settings, "MAP_TILE_URL", "") or ""
    context: dict[str, Any] = {
        "entries": entries,
        "query": query,
        "matters": Matter.objects.filter(is_active=True).order_by("sort_order", "code"),
        "kinds": Site.Kind.choices,
        "tile_url": tile_url,
        "markers": [map_selectors.as_marker(e) for e in entries if e.lat is not None] if tile_url else [],
        "origin": {"lat": query.lat, "lng": query.lng} if query.lat is not None else None,
    }
    return render(request, "agency/map/map.html", context)
