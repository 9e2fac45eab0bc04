"""The map view above /map/'s list: the server's SVG schematic without tiles, Leaflet with ``MAP_TILE_URL``;
pins coloured open/closed now and linked to their cards; filters apply to the pins; every badge ≥ 4.5:1."""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.urls import reverse
from freezegun import freeze_time

from oversight.map_schematic import schematic_svg
from oversight.map_selectors import MapQuery, map_entries
from oversight.tests.test_map import network  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
FRIDAY_10 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=TZ)
FRIDAY_20 = dt.datetime(2026, 11, 27, 20, 0, tzinfo=TZ)
CSS = Path(__file__).resolve().parents[2] / "static" / "css"


def _pins(html: str) -> dict[str, str]:
    """site code → pin state class, from the schematic."""
    return dict(re.findall(r'<a href="#site-([^"]+)" class="map-pin map-pin-(\w+)"', html))


@override_settings(MAP_TILE_URL="")
def test_without_tiles_the_server_draws_the_sites(client, network):  # noqa: F811
    with freeze_time(FRIDAY_10):
        html = client.get(reverse("service-map")).content.decode()
    assert '<svg class="map-schematic"' in html and "leaflet.js" not in html
    pins = _pins(html)
    # every site with coordinates has a pin, linked to its card; those without have none
    with_coords = {network[k].code for k in ("center", "near", "far", "bank")}
    assert set(pins) == with_coords
    for code in pins:
        assert f'id="site-{code}"' in html
    assert pins[network["near"].code] == "open"  # 周一至周五 8:30-17:30 on a Friday at 10:00
    assert 'aria-label="东村便民服务站（便民服务站，正在办公）"' in html
    assert "正在办公" in html and "非办公时间" in html  # the legend says it in words
    with freeze_time(FRIDAY_20):
        evening = _pins(client.get(reverse("service-map")).content.decode())
    assert evening[network["near"].code] == "closed"


def test_schematic_geometry_north_up_and_east_right(network):  # noqa: F811
    entries = map_entries(MapQuery(), now=FRIDAY_10)
    svg = str(schematic_svg(entries))
    width, height = (int(v) for v in re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    near = re.search(rf'href="#site-{network["near"].code}"[^>]*><circle cx="([\d.]+)" cy="([\d.]+)"', svg)
    far = re.search(rf'href="#site-{network["far"].code}"[^>]*><circle cx="([\d.]+)" cy="([\d.]+)"', svg)
    assert near and far
    nx, ny, fx, fy = (float(v) for v in (*near.groups(), *far.groups()))
    assert fx > nx  # 西村 is further east (117.30 vs 117.01)
    assert fy < ny  # and further north (36.90 vs 36.66): smaller y
    for value in (nx, fx):
        assert 0 <= value <= width
    for value in (ny, fy):
        assert 0 <= value <= height
    assert str(schematic_svg([])) == ""


@override_settings(MAP_TILE_URL="")
def test_filters_and_origin_apply_to_the_picture(client, network):  # noqa: F811
    stations = _pins(client.get(reverse("service-map"), {"kind": "station"}).content.decode())
    assert set(stations) == {network["near"].code, network["far"].code}
    offering = _pins(client.get(reverse("service-map"), {"matter": network["matter"].code}).content.decode())
    assert set(offering) == {network["far"].code, network["center"].code}
    html = client.get(reverse("service-map"), {"lat": "36.65", "lng": "117.0"}).content.decode()
    assert 'class="map-origin"' in html
    assert 'class="map-origin"' not in client.get(reverse("service-map")).content.decode()


@override_settings(
    MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png", MAP_TILE_ATTRIBUTION="审图号：测GS(2026)1号"
)
def test_with_tiles_leaflet_box_keeps_the_schematic_as_fallback(client, network):  # noqa: F811
    html = client.get(reverse("service-map")).content.decode()
    box = html[
        html.index('<div id="service-map"') : html.index("</div>", html.index('<div id="service-map"'))
    ]
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in box
    assert 'data-tile-attribution="审图号：测GS(2026)1号"' in box
    assert '<svg class="map-schematic"' in box  # shown until (unless) Leaflet runs
    assert "/static/vendor/leaflet/leaflet.js" in html and 'id="map-markers"' in html


# --- colour contrast of every badge (WCAG AA for normal text: 4.5:1) ---------------------------------------


def _rgb(value: str) -> tuple[float, float, float]:
    value = value.strip().lower()
    named = {"#fff": "#ffffff", "#000": "#000000", "white": "#ffffff", "black": "#000000"}
    value = named.get(value, value)
    if re.fullmatch(r"#[0-9a-f]{3}", value):
        value = "#" + "".join(c * 2 for c in value[1:])
    assert re.fullmatch(r"#[0-9a-f]{6}", value), f"colour {value!r} not understood by the test"
    return tuple(int(value[i : i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def _luminance(rgb: tuple[float, float, float]) -> float:
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((_luminance(_rgb(fg)), _luminance(_rgb(bg))), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _variables() -> dict[str, str]:
    root = re.search(r":root\s*\{([^}]*)\}", (CSS / "bangban.css").read_text())
    assert root
    return dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", root.group(1)))


def _badge_rules() -> list[tuple[str, str, dict[str, str]]]:
    rules = []
    for path in sorted(CSS.glob("*.css")):
        text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
        for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
            if ".badge" not in selector:
                continue
            props = {k.strip(): v.strip() for k, v in re.findall(r"([\w-]+)\s*:\s*([^;]+)", body)}
            rules.append((path.name, selector.strip(), props))
    return rules


def test_contrast_formula_matches_known_pairs():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the old 非办公时间 badge: fails


def test_every_badge_colour_pair_is_at_least_4_5_to_1():
    variables = _variables()
    base_bg, base_fg = "#eeeeee", variables["--fg"]  # .badge in bangban.css on body text colour
    checked = 0
    for filename, selector, props in _badge_rules():
        bg = props.get("background-color") or props.get("background")
        fg = props.get("color")
        if bg is None and fg is None:
            continue  # size or layout only
        resolve = lambda v: variables.get(re.sub(r"var\((--[\w-]+)\)", r"\1", v), v)  # noqa: E731
        bg_value = resolve(bg) if bg else base_bg
        fg_value = resolve(fg) if fg else base_fg
        ratio = contrast(fg_value, bg_value)
        assert ratio >= 4.5, f"{filename} {selector}: {fg_value} on {bg_value} is {ratio:.2f}:1"
        checked += 1
    assert checked >= 8  # .badge, -overdue, -open, -closed (map and mobile), -special, -status, screen, bell


def test_schematic_fits_the_view_to_the_sites():
    """Issue 26: the demo district (long north to south) drew its pins in a thin column of a mostly empty
    box. The pins now span the box both ways (inside the padding), north still up."""
    from types import SimpleNamespace

    from agency.demo import district
    from oversight.map_schematic import PAD

    coords = [(float(t.lat), float(t.lng)) for t in district.TOWNS]
    coords += [(float(v.lat), float(v.lng)) for t in district.TOWNS for v in t.villages]
    coords += [(float(p[5]), float(p[6])) for p in district.PARTNERS]
    entries = [
        SimpleNamespace(
            lat=lat,
            lng=lng,
            open_now=True,
            site=SimpleNamespace(
                code=f"S{i}", kind="station", name=f"站{i}", get_kind_display=lambda: "服务站"
            ),
        )
        for i, (lat, lng) in enumerate(coords)
    ]
    svg = str(schematic_svg(entries))
    width, height = (int(v) for v in re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    points = [(float(x), float(y)) for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    used_x = (max(xs) - min(xs)) / (width - 2 * PAD)
    used_y = (max(ys) - min(ys)) / (height - 2 * PAD)
    assert used_x > 0.75 and used_y > 0.9, (used_x, used_y)  # x was about 0.2 of the width
    north = max(range(len(coords)), key=lambda i: coords[i][0])
    assert ys[north] == min(ys)  # the northernmost site is drawn highest
