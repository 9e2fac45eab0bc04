"""Issue 17's "done when": axe-core finds nothing serious or critical, and nothing scrolls sideways at 360 px, on
/track/, the roster, the hall screen, /map/, /m/ and the new-request page; the hall screen also reflows up to a
3840 px panel and refreshes its live part in place (no reload)."""

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agency.tests.factories import SiteMatterFactory
from core.testing import require
from tests.browser.conftest import PASSWORD
from workflows.tests.factories import World, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe_path() -> Path:
    require(AXE.exists(), f"axe-core missing at {AXE} (npm install --prefix var/node axe-core)")
    return AXE


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """``new_page(width, height=740)``: a zh-CN page of that size able to inject axe-core despite the CSP."""
    contexts: list[Any] = []

    def make(width: int = 360, height: int = 740) -> Any:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            is_mobile=width < 800,
            has_touch=width < 800,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            bypass_csp=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()


def serious_violations(page: Any, axe: Path) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(axe))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def scroll_width(page: Any) -> int:
    return int(page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"))


def _world() -> World:
    world = make_world()
    SiteMatterFactory(site=world.station, matter=world.matter)
    SiteMatterFactory(site=world.station, matter=world.consult)
    for site in (world.station, world.station_b, world.center):
        site.lat, site.lng = 36.65 + site.pk * 0.01, 117.0 + site.pk * 0.01
        site.save(update_fields=["lat", "lng"])
    return world


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/?next=/m/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_public_pages_pass_axe_and_fit_360(new_page, live_server, axe_path):
    world = _world()
    page = new_page(360)
    for path in (
        "/track/",
        f"/sites/{world.station.code}/roster/",
        f"/sites/{world.station.code}/screen/",
        "/map/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert scroll_width(page) <= 360, (path, scroll_width(page))
        assert serious_violations(page, axe_path) == [], path
    assert page.js_errors == []


def test_grid_worker_pages_pass_axe_and_fit_360(new_page, live_server, axe_path):
    from notifications.services import notification_enqueue

    world = _world()
    for n in range(3):  # unread messages: the bell shows its count
        notification_enqueue(
            dedupe_key=f"a11y:{n}",
            template="case_assigned",
            context={"case_no": f"BB{n}", "site_name": world.station.name},
            channel="inapp",
            audience="staff",
            recipient_user_id=world.grid_worker.pk,
        )
    page = new_page(360)
    _login(page, live_server.url, "w_grid")
    for path in ("/m/", "/m/new/", f"/m/new/matter/{world.matter.code}/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert scroll_width(page) <= 360, (path, scroll_width(page))
        assert serious_violations(page, axe_path) == [], path
    page.goto(f"{live_server.url}/m/")
    bell = page.locator("a.notification-bell")
    assert bell.locator("svg.icon").is_visible() and bell.locator(".bell-label").inner_text() == "消息"
    assert bell.locator(".badge").inner_text() == "3"
    assert (
        page.get_by_role("link", name=re.compile(r"^消息\s*3\s*条未读$")).count() == 1
    )  # name = visible label
    assert bell.locator("svg.icon").bounding_box()["width"] >= 16  # drawn, not an empty emoji box
    assert page.js_errors == []


@pytest.mark.parametrize("width", [360, 768, 1366, 1920, 3840])
def test_hall_screen_reflows_without_sideways_scroll(new_page, live_server, width):
    world = _world()
    page = new_page(width, 1080 if width > 800 else 740)
    page.goto(f"{live_server.url}/sites/{world.station.code}/screen/")
    assert scroll_width(page) <= width, scroll_width(page)
    assert page.locator(f"text={world.agent_grid.name}").count() >= 1
    assert page.locator("meta[http-equiv=refresh]").count() == 0


def test_hall_screen_refreshes_in_place(new_page, live_server):
    world = _world()
    page = new_page(1366, 768)
    page.clock.install()
    page.goto(f"{live_server.url}/sites/{world.station.code}/screen/")
    page.evaluate("window.__same_document = true")
    assert page.locator("#screen-live .updated time").count() == 1
    world.agent_grid.name = "刷新后的名字"
    world.agent_grid.save(update_fields=["name"])
    with page.expect_response(lambda r: r.url.endswith("/screen/data/")) as info:
        page.clock.run_for(4 * 60 * 1000)
    assert info.value.status == 200
    page.wait_for_selector("text=刷新后的名字")
    assert page.evaluate("window.__same_document") is True  # swapped in, the page never reloaded
    assert "更新于" in page.locator("#screen-live .updated").inner_text()
    assert page.js_errors == []


def test_map_schematic_pin_jumps_to_its_card(new_page, live_server, settings):
    settings.MAP_TILE_URL = ""
    world = _world()
    page = new_page(360)
    page.goto(f"{live_server.url}/map/")
    pin = page.locator(f'svg.map-schematic a[href="#site-{world.station.code}"]')
    assert pin.count() == 1
    pin.click()
    assert page.url.endswith(f"#site-{world.station.code}")
    card = page.locator(f"#site-{world.station.code}")
    assert card.evaluate("el => el.matches(':target')")
    assert card.is_visible()
    assert scroll_width(page) <= 360


def test_map_with_tiles_draws_leaflet_markers_that_jump_to_cards(new_page, live_server, settings, axe_path):
    # tiles from our own (404-answering) origin: the test needs no network; markers do not depend on tiles
    settings.MAP_TILE_URL = f"{live_server.url}/static/no-tiles/{{z}}/{{x}}/{{y}}.png"
    world = _world()
    page = new_page(360)
    page.goto(f"{live_server.url}/map/")
    page.wait_for_selector("#service-map.leaflet-container")
    assert page.locator("#service-map svg.map-schematic").count() == 0  # the fallback made way for Leaflet
    markers = page.locator("#service-map path.leaflet-interactive")
    assert markers.count() == 3
    markers.first.click(force=True)
    page.wait_for_function("location.hash.startsWith('#site-')")
    code = page.evaluate("location.hash.slice(6)")
    assert code in {world.station.code, world.station_b.code, world.center.code}
    assert page.evaluate("document.activeElement.id") == f"site-{code}"
    assert scroll_width(page) <= 360
    assert serious_violations(page, axe_path) == []
    assert page.js_errors == []


def test_map_sorts_by_distance_when_the_browser_shares_its_location(browser, live_server, settings):
    settings.MAP_TILE_URL = ""
    world = _world()
    near = world.station_b  # put the phone right next to this station
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="zh-CN",
        geolocation={"latitude": float(near.lat), "longitude": float(near.lng)},
        permissions=["geolocation"],
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/map/")
        button = page.get_by_role("button", name="用我的位置找最近的网点")
        assert button.is_visible()  # shown only where the browser can locate (progressive enhancement)
        button.click()
        page.wait_for_url(re.compile(r".*/map/\?.*lat=.*"))
        assert "按距离“我的位置”由近到远排列" in page.content()
        cards = page.locator(".site-card")
        assert cards.first.get_attribute("id") == f"site-{near.code}"
        assert page.locator(".site-card .distance").first.is_visible()
        assert page.locator("svg.map-schematic .map-origin").count() == 1
    finally:
        context.close()
