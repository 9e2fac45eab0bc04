"""Headless Chromium (Debian's ``/usr/bin/chromium``) via Playwright, against pytest-django's ``live_server``.

Fixtures: ``browser`` (one per session), ``page_360`` (a fresh 360×740 zh-CN phone-sized page per test),
``login`` (logs a page in through the real login form) and ``screenshot`` (saves to ``var/screenshots/``).
Tests here need ``@pytest.mark.browser`` and ``@pytest.mark.django_db(transaction=True)`` (the live server
runs in another thread and must see committed data). Without Chromium they are skipped, except under
``CI=true`` where that is a failure. Never run ``playwright install``: we use the system browser.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.testing import require

# Playwright's sync API runs an asyncio loop in this thread; Django refuses ORM calls from a thread with a
# running loop unless told that this is fine (it is: fixtures and the page never share a connection).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("BANGBAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PASSWORD = "pw-Test-12345"  # agency.tests.factories.UserFactory's password


def _missing_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs the playwright Python package"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("browser") is None:
        return
    reason = _missing_reason()
    require(reason is None, reason or "")


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Any) -> Iterator[Any]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def page_360(browser: Any) -> Iterator[Any]:
    """A phone-sized page: 360×740 CSS pixels, zh-CN, touch, device scale 2 (screenshots stay crisp)."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(live_server: Any) -> Callable[..., None]:
    """``login(page, username)``: sign in through ``/accounts/login/`` like a person would."""

    def _login(page: Any, username: str, password: str = PASSWORD, next_url: str = "/m/") -> None:
        page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("main button[type=submit]")
        page.wait_for_load_state()

    return _login


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """``screenshot(page, "name")`` → ``var/screenshots/name.png`` (full page) for a human to look at."""

    def _shot(page: Any, name: str) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


def assert_fits_phone(page: Any, width: int = 360) -> None:
    """No horizontal scroll at ``width`` and body text at least 16px."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"horizontal scroll: scrollWidth={scroll_width} > {width}"
    font_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_px >= 16, f"base font {font_px}px < 16px"
