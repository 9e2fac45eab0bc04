"""Stored XSS (issue 8, security suite; lives here for the shared browser fixtures): script payloads typed into a case and an agent's name, then the staff case page, the
grid-worker case page and the public roster opened in headless Chromium: no dialog fires, no injected element
exists, and the payload text is shown literally."""

from typing import Any

import pytest
from django.conf import settings

from agency.models import Agent
from agency.tests.factories import AgentFactory
from tests.security.conftest import build_world
from workflows import case_steps, intake_services, services

PAYLOADS = [
    "<script>alert('xss1')</script>",
    '"><img src=x onerror=alert("xss2")>',
    "<svg onload=alert(3)>",
    "javascript:alert(4)",
    "</textarea><iframe srcdoc='<script>alert(5)</script>'>",
]
INJECTED = (
    "document.querySelectorAll('img[src=\"x\"], [onerror], [onload], iframe[srcdoc], svg[onload]').length"
    " + [...document.scripts].filter(s => s.textContent.includes('alert(')).length"
)


def _visit(page: Any, url: str, dialogs: list[str]) -> str:
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)
    assert page.evaluate(INJECTED) == 0, f"injected element on {url}"
    return str(page.inner_text("body"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_payloads_are_shown_as_text_and_never_run(live_server: Any, page_360: Any, login: Any) -> None:
    sw = build_world()
    text = " ".join(PAYLOADS)
    case = intake_services.case_create(
        actor=sw.world.grid_worker,
        site=sw.world.station,
        matter=sw.world.matter,
        resident_name=PAYLOADS[0][:64],
        resident_phone="+8613800138009",
        address=PAYLOADS[1],
        description=text,
    )
    case = services.case_assign(actor=sw.users["staff"], case=case, agent=sw.world.agent_grid)
    case_steps.case_visit(
        actor=sw.users["grid"], case=case, note=PAYLOADS[2], materials_missing=[PAYLOADS[3]]
    )
    AgentFactory(
        name=PAYLOADS[2][:32], kind=Agent.Kind.VOLUNTEER, sites=[sw.world.station], is_published=True
    )

    dialogs: list[str] = []
    page_360.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    roster = _visit(page_360, f"{live_server.url}/sites/{sw.world.station.code}/roster/", dialogs)
    assert PAYLOADS[2][:32] in roster
    login(page_360, sw.users["staff"].username, next_url=f"/staff/cases/{case.case_no}/")
    staff_page = _visit(page_360, f"{live_server.url}/staff/cases/{case.case_no}/", dialogs)
    assert PAYLOADS[1] in staff_page and "<svg onload=alert(3)>" in staff_page
    page_360.context.clear_cookies()
    login(page_360, sw.users["grid"].username, next_url=f"/m/cases/{case.case_no}/")
    m_page = _visit(page_360, f"{live_server.url}/m/cases/{case.case_no}/", dialogs)
    assert PAYLOADS[1] in m_page
    assert dialogs == [], dialogs
    assert settings.DEBUG is False
