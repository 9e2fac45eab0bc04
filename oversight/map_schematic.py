"""The service map's picture without a tile server: an SVG schematic of the sites drawn from their coordinates.

Drawn by the server, so ``/map/`` shows where everything is offline, without JavaScript and in tests. It is a
schematic, not a map: longitude is scaled by cos(latitude), north is up, the view is fitted to the sites (an
axis may be stretched, up to ``MAX_STRETCH``, to fill the box) and nothing else (roads, borders) is drawn. Each marker is a link to the site's card in the list below (``#site-<code>``);
its colour and shape say whether the site is open now, the legend says it in words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 600
PAD = 30
RADIUS = 22  # ≥ 24 CSS px across at 360 px wide (viewBox scaled by 0.55): a finger-sized target
MIN_ASPECT, MAX_ASPECT = 0.45, 1.0  # the box's height to width, whatever the sites' spread
MAX_STRETCH = 4.0  # how much more one axis may be stretched than the other to fill the box

STATES: dict[bool | None, tuple[str, str]] = {
    True: ("open", "正在办公"),
    False: ("closed", "非办公时间"),
    None: ("unknown", "办公时间以现场为准"),
}


def state_of(open_now: bool | None) -> tuple[str, str]:
    """CSS suffix and label of a site's open-now state (shared by the schematic, Leaflet markers, legend)."""
    return STATES[open_now]


def _shape(kind: str, x: float, y: float) -> SafeString:
    if kind == "center":  # a square for a 便民服务中心
        side = RADIUS * 2
        return format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" rx="4"/>',
            f"{x - RADIUS:.1f}",
            f"{y - RADIUS:.1f}",
            side,
            side,
        )
    if kind in ("partner", "terminal"):  # a diamond for partner points and self-service terminals
        r = RADIUS + 3
        return format_html(
            '<polygon points="{},{} {},{} {},{} {},{}"/>',
            f"{x:.1f}",
            f"{y - r:.1f}",
            f"{x + r:.1f}",
            f"{y:.1f}",
            f"{x:.1f}",
            f"{y + r:.1f}",
            f"{x - r:.1f}",
            f"{y:.1f}",
        )
    return format_html('<circle cx="{}" cy="{}" r="{}"/>', f"{x:.1f}", f"{y:.1f}", RADIUS)


def schematic_svg(entries: Sequence[Any], origin: dict[str, float] | None = None) -> SafeString:
    """The SVG for the map entries that have coordinates (empty when none has); ``origin`` adds 我的位置."""
    placed = [e for e in entries if e.lat is not None and e.lng is not None]
    if not placed:
        return mark_safe("")
    lats = [e.lat for e in placed] + ([origin["lat"]] if origin else [])
    lngs = [e.lng for e in placed] + ([origin["lng"]] if origin else [])
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    min_x, max_x = min(lngs) * k, max(lngs) * k
    min_y, max_y = min(lats), max(lats)
    span_x, span_y = max(max_x - min_x, 1e-4), max(max_y - min_y, 1e-4)
    inner_w = WIDTH - 2 * PAD
    inner_h = min(max(inner_w * span_y / span_x, inner_w * MIN_ASPECT), inner_w * MAX_ASPECT)
    # Fit the view to the sites (issue 26: a district long from north to south drew its pins in a thin
    # column of a mostly empty box): each axis fills the box, the shorter one stretched at most MAX_STRETCH
    # times the other, so north stays up and near stays near, but the box is used.
    scale_x, scale_y = inner_w / span_x, inner_h / span_y
    scale_x = min(scale_x, scale_y * MAX_STRETCH)
    scale_y = min(scale_y, scale_x * MAX_STRETCH)
    off_x = PAD + (inner_w - span_x * scale_x) / 2
    off_y = PAD + (inner_h - span_y * scale_y) / 2
    height = round(inner_h + 2 * PAD)

    def project(lat: float, lng: float) -> tuple[float, float]:
        return off_x + (lng * k - min_x) * scale_x, off_y + (max_y - lat) * scale_y

    pins = []
    for entry in placed:
        x, y = project(entry.lat, entry.lng)
        state, label = state_of(entry.open_now)
        pins.append(
            (
                entry.site.code,
                state,
                entry.site.kind,
                f"{entry.site.name}（{entry.site.get_kind_display()}，{label}）",
                _shape(entry.site.kind, x, y),
            )
        )
    markers = format_html_join(
        "\n",
        '<a href="#site-{}" class="map-pin map-pin-{}" data-kind="{}" aria-label="{}">{}</a>',
        pins,
    )
    here = ""
    if origin:
        x, y = project(origin["lat"], origin["lng"])
        here = format_html(
            '<g class="map-origin" aria-hidden="true"><path d="M{} {}h32M{} {}v32"/><circle cx="{}" cy="{}" r="9"/></g>',
            f"{x - 16:.1f}",
            f"{y:.1f}",
            f"{x:.1f}",
            f"{y - 16:.1f}",
            f"{x:.1f}",
            f"{y:.1f}",
        )
    return format_html(
        '<svg class="map-schematic" viewBox="0 0 {} {}" role="group" aria-label="{}">'
        '<rect class="map-bg" x="0" y="0" width="{}" height="{}"/>'
        '<text class="map-north" x="{}" y="26" aria-hidden="true">北 ↑</text>\n{}\n{}</svg>',
        WIDTH,
        height,
        "网点分布示意图：按经纬度绘制，点选网点跳到下方对应信息",
        WIDTH,
        height,
        WIDTH - 62,
        markers,
        here,
    )
