"""Issue 32's proof in Chromium: the station workbench, the two-column case page and the district cockpit at
1366×768 and 1920×1080 (no sideways scroll, axe-core 0 serious/critical), server-side sort and filter, bulk
assign changing exactly the chosen cases, a cockpit click-through listing exactly the cases it counts, the
wall screen without scrollbars refreshing in place, the cockpit's tables with JavaScript off, and 360 px."""

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone

from core.testing import require
from oversight.tests.test_stats import build_stats_fixture
from tests.browser.conftest import PASSWORD
from tests.browser.test_a11y import AXE, scroll_width, serious_violations
from workflows.models import Case
from workflows.tests.factories import CaseFactory, World, make_world
from workflows.tests.page_helpers import create_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [(1366, 768), (1920, 1080)]


@pytest.fixture
def axe_path() -> Any:
    require(AXE.exists(), f"axe-core missing at {AXE} (npm install --prefix var/node axe-core)")
    return AXE


@pytest.fixture
def desk_page(browser: Any) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def make(width: int, height: int, *, js: bool = True) -> Any:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            bypass_csp=True,  # to inject axe-core; the page's own scripts obey the CSP in the other checks
            java_script_enabled=js,
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


def _login(page: Any, base: str, username: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    if "?" in next_url:  # the login form keeps only the path's first parameter of an unquoted next
        page.goto(f"{base}{next_url}")


def _rows(page: Any) -> list[str]:
    return page.locator("#wb-table tbody tr").evaluate_all("rs => rs.map(r => r.dataset.case)")


def _station(world: World) -> list[Case]:
    cases = [
        create_case(
            world,
            resident_name=f"居民{i}",
            resident_phone="139" + str(i) * 8,
            special_groups=["elderly"] if i % 4 == 0 else [],
        )
        for i in range(8)
    ]
    Case.objects.filter(pk=cases[1].pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    for i in range(12):
        CaseFactory(
            site=world.station,
            matter=world.matter,
            status=Case.Status.ASSIGNED,
            assigned_agent=world.agent_grid,
        )
    return cases


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_workbench_sorts_filters_and_bulk_assigns(
    desk_page, live_server, axe_path, screenshot, width, height
):
    world = make_world()
    cases = _station(world)
    page = desk_page(width, height)
    _login(page, live_server.url, "w_staff", "/staff/cases/")
    assert page.locator("#wb-table thead").is_visible()  # a table at desk width, not cards
    assert scroll_width(page) <= width, scroll_width(page)
    assert serious_violations(page, axe_path) == []
    assert "站点工作人员" in page.locator("#staff-who").inner_text()  # the nav names the role and the station
    assert world.station.name in page.locator("#staff-who").inner_text()
    if width == 1366:
        screenshot(page, "desk_workbench_1366")

    page.click("#wb-table thead th >> text=编号")  # sort: a new request, ordered by the server
    page.wait_for_url(re.compile(r"sort=case_no"))
    rows = _rows(page)
    assert rows == sorted(rows) and len(rows) == 20
    page.click("#wb-table thead th >> text=编号")
    page.wait_for_url(re.compile(r"sort=-case_no"))
    assert _rows(page) == sorted(rows, reverse=True)

    page.fill("#id_q", "3333")  # phone tail
    page.click("#wb-filters button[type=submit]")
    page.wait_for_url(re.compile(r"q=3333"))
    assert _rows(page) == [cases[3].case_no]
    page.goto(f"{live_server.url}/staff/cases/?tab=new")
    assert set(_rows(page)) == {c.case_no for c in cases}

    page.keyboard.press("j")  # keyboard: move to the first row, tick it
    page.keyboard.press("x")
    first = page.locator("#wb-table tbody tr").nth(0)
    assert "is-cursor" in (first.get_attribute("class") or "")
    chosen = [_rows(page)[0], _rows(page)[2]]
    page.check(f'input[name=case][value="{chosen[1]}"]')
    assert page.locator("#bulk-selected").inner_text() == "已选 2 件"
    page.select_option("#bulk-agent", str(world.agent_grid2.pk))
    page.click("#bulk-submit")
    page.wait_for_selector("#bulk-confirm")  # one confirmation, listing what will change
    assert set(page.locator("#bulk-cases tbody td:first-child").all_inner_texts()) == set(chosen)
    assert scroll_width(page) <= width
    page.click("#bulk-confirm")
    page.wait_for_url(re.compile(r"/staff/cases/\?tab=new"))
    assert "已分派 2 件" in page.locator(".messages").inner_text()
    changed = set(Case.objects.filter(assigned_agent=world.agent_grid2).values_list("case_no", flat=True))
    assert changed == set(chosen)
    for case in Case.objects.filter(case_no__in=chosen):
        assert case.status == Case.Status.ASSIGNED and case.events.filter(kind="assigned").count() == 1
    assert Case.objects.filter(status=Case.Status.NEW).count() == len(cases) - 2
    assert page.js_errors == []


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_case_page_two_columns(desk_page, live_server, axe_path, screenshot, width, height):
    world = make_world()
    world.matter.materials = ["户口簿", "身份证复印件"]
    world.matter.save()
    case = create_case(world, special_groups=["elderly"], description="为行动不便的老人代办居住证明")
    page = desk_page(width, height)
    _login(page, live_server.url, "w_staff", f"/staff/cases/{case.case_no}/")
    main = page.locator(".case-main").bounding_box()
    side = page.locator(".case-side").bounding_box()
    assert side["x"] >= main["x"] + main["width"] - 1 and abs(side["y"] - main["y"]) < 40  # side by side
    assert page.locator("#case-materials").is_visible() and page.locator("#action-assign").is_visible()
    assert page.locator("#print-ledger").is_visible()
    assert scroll_width(page) <= width
    assert serious_violations(page, axe_path) == []
    page.emulate_media(media="print")
    assert page.locator("#ledger-head").is_visible() and not page.locator(".case-side").is_visible()
    page.emulate_media(media="screen")
    if width == 1366:
        screenshot(page, "desk_case_1366")
    assert page.js_errors == []


def _cockpit_world() -> tuple[World, dict[str, Case]]:
    world = make_world()
    for site in (world.center, world.center2):
        site.lat, site.lng = 36.6 + site.pk * 0.05, 117.0 + site.pk * 0.07
        site.save(update_fields=["lat", "lng"])
    return world, build_stats_fixture(world)


def _period() -> str:
    today = timezone.localdate()
    return f"period=custom&from={(today - dt.timedelta(days=30)).isoformat()}&to={today.isoformat()}"


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_cockpit_charts_and_click_through(desk_page, live_server, axe_path, screenshot, width, height):
    _world, fx = _cockpit_world()
    page = desk_page(width, height)
    _login(page, live_server.url, "w_admin", f"/cockpit/?{_period()}")
    for chart in ("ck-trend", "ck-towns", "ck-map", "ck-matters", "ck-sites"):
        page.wait_for_selector(f"#{chart} svg")  # ECharts drew it (vendored, same origin)
    assert page.locator('[data-tile="overdue"] [data-value]').inner_text() == "2"
    assert page.locator("#ck-tiles").bounding_box()["y"] < 300  # the figures come first
    assert scroll_width(page) <= width, scroll_width(page)
    assert serious_violations(page, axe_path) == []
    if width == 1366:
        screenshot(page, "desk_cockpit_1366")
    page.click('[data-tile="overdue"] a')
    page.wait_for_url(re.compile(r"/staff/cases/\?figure=overdue"))
    assert set(_rows(page)) == {fx["b"].case_no, fx["i"].case_no}  # exactly the cases the tile counts
    assert page.locator("#list-count").inner_text() == "2 件"
    assert page.js_errors == []


def test_wall_screen_fits_1080p_and_refreshes_in_place(desk_page, live_server, axe_path, screenshot):
    world, _fx = _cockpit_world()
    page = desk_page(1920, 1080)
    _login(page, live_server.url, "w_admin", f"/cockpit/wall/?{_period()}")
    page.wait_for_selector("#ck-trend svg")
    dims = page.evaluate(
        "({w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight,"
        " bw: document.body.scrollWidth, bh: document.body.scrollHeight})"
    )
    assert max(dims["w"], dims["bw"]) <= 1920 and max(dims["h"], dims["bh"]) <= 1080, dims
    assert (
        float(page.evaluate("parseFloat(getComputedStyle(document.querySelector('.ck-value')).fontSize)"))
        >= 48
    )
    assert serious_violations(page, axe_path) == []
    screenshot(page, "desk_wall_1920")
    page.evaluate("window.__sameDocument = true")
    CaseFactory(
        site=world.station, matter=world.matter, status="new", due_at=timezone.now() - dt.timedelta(hours=2)
    )
    from core.stats_generation import stats_invalidate

    stats_invalidate()
    page.evaluate("window.cockpitRefresh()")
    page.wait_for_function("document.querySelector('[data-tile=overdue] [data-value]').textContent === '3'")
    assert page.evaluate("window.__sameDocument") is True  # fetched JSON, no reload
    assert page.js_errors == []


def test_cockpit_without_javascript_shows_tables(desk_page, live_server):
    world, _fx = _cockpit_world()
    page = desk_page(1366, 768, js=False)
    _login(page, live_server.url, "w_admin", f"/cockpit/?{_period()}")
    table = page.locator("#ck-data-towns table")
    assert table.is_visible()
    assert world.center.name in table.inner_text()
    assert page.locator('[data-tile="open"] [data-value]').inner_text() == "4"
    assert page.locator("#ck-data-matters table").is_visible()
    assert scroll_width(page) <= 1366


def test_staff_pages_fit_360(desk_page, live_server, axe_path):
    world = make_world()
    _station(world)
    page = desk_page(360, 740)
    _login(page, live_server.url, "w_staff", "/staff/cases/")
    for path in ("/staff/cases/", "/cockpit/", "/staff/"):
        page.goto(f"{live_server.url}{path}")
        assert scroll_width(page) <= 360, (path, scroll_width(page))
        assert serious_violations(page, axe_path) == [], path
    assert page.js_errors == []
