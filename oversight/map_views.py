"""Public service map (/map/) page (the standards pages live in the ``standards`` app).

The map is one server-rendered list that works without JavaScript and offline, under a picture of where the
sites are: with ``MAP_TILE_URL`` set, ``static/js/map.js`` draws a Leaflet map (``static/vendor/leaflet``);
without, the server draws an SVG schematic from the coordinates (``oversight.map_schematic``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET

from agency.models import Site
from oversight import map_selectors
from oversight.map_schematic import schematic_svg


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
    # names other apps add per site (e.g. the 一件事 offered there), one batch call each: agency cannot import them
    badges: dict[int, list[str]] = {}
    for path in getattr(settings, "SITE_MAP_BADGES", ()):
        for site_id, names in import_string(path)([e.site.pk for e in entries]).items():
            badges.setdefault(site_id, []).extend(names)
    for entry in entries:
        setattr(entry, "badges", badges.get(entry.site.pk, []))  # noqa: B010 (not a MapEntry field)
    tile_url = getattr(settings, "MAP_TILE_URL", "") or ""
    origin = {"lat": query.lat, "lng": query.lng} if query.lat is not None and query.lng is not None else None
    context: dict[str, Any] = {
        "entries": entries,
        "query": query,
        "matters": map_selectors.map_matter_choices(),
        "kinds": Site.Kind.choices,
        "tile_url": tile_url,
        "tile_attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", "") or "",
        "markers": [map_selectors.as_marker(e) for e in entries if e.lat is not None] if tile_url else [],
        "origin": origin,
        # the picture without tiles, and the fallback inside the Leaflet box until (unless) Leaflet runs
        "schematic": schematic_svg(entries, origin),
    }
    return render(request, "oversight/map/map.html", context)
