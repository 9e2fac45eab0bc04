"""The station workbench /staff/cases/ (issue 32): server-side sort, filters, search, tabs with counts, saved
views, the query budget at a 1,000-case station, and bulk 分派/转办 with one confirmation."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agency.tests.factories import MatterFactory
from workflows.case_numbers import generate_case_no
from workflows.models import Case, CaseEvent
from workflows.tests.factories import CaseFactory
from workflows.tests.page_helpers import assigned_case, create_case

pytestmark = pytest.mark.django_db

# The list's query budget (session, user and agent, scope, matters and agents of the filters, the rows, the
# capped count, one bounded count per tab, the page's latest events, the nav): constant, whatever the rows.
QUERY_BUDGET = 24


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-case="([^"]+)"', html)


def test_sorts_on_the_server(client, world):
    cases = [CaseFactory(site=world.station, matter=world.matter) for _ in range(4)]
    client.force_login(world.staff)
    up = _rows(client.get("/staff/cases/?sort=case_no").content.decode())
    down = _rows(client.get("/staff/cases/?sort=-case_no").content.decode())
    assert up == sorted(c.case_no for c in cases)
    assert down == list(reversed(up))
    html = client.get("/staff/cases/?sort=case_no").content.decode()
    assert 'aria-sort="ascending"' in html and "sort=-case_no" in html  # the header offers the reverse
    assert client.get("/staff/cases/?sort=bogus").status_code == 200


def test_search_by_number_phone_tail_and_name(client, world):
    a = create_case(world, resident_name="李桂兰", resident_phone="13900001234")
    b = create_case(world, resident_name="周建国", resident_phone="13900005678")
    client.force_login(world.staff)
    assert _rows(client.get(f"/staff/cases/?q={a.case_no}").content.decode()) == [a.case_no]
    assert _rows(client.get("/staff/cases/?q=5678").content.decode()) == [b.case_no]
    assert _rows(client.get("/staff/cases/?q=桂兰").content.decode()) == [a.case_no]
    html = client.get("/staff/cases/?q=李桂兰").content.decode()
    assert "李桂兰" not in html.split('id="wb-table"')[1]  # the table shows the name masked
    assert "139****1234" in html


def test_filters_special_channel_bundle_and_tabs(client, world):
    elderly = CaseFactory(site=world.station, matter=world.matter, special_groups=["elderly"], priority=1)
    phone = CaseFactory(site=world.station, matter=world.matter, channel=Case.Channel.PHONE)
    parent = CaseFactory(site=world.station, matter=world.matter)
    child = CaseFactory(site=world.station, matter=world.matter, bundle_parent=parent)
    closed = CaseFactory(site=world.station, matter=world.matter, status=Case.Status.CLOSED)
    client.force_login(world.staff)
    assert _rows(client.get("/staff/cases/?special=elderly").content.decode()) == [elderly.case_no]
    assert _rows(client.get("/staff/cases/?special=disabled").content.decode()) == []
    assert _rows(client.get("/staff/cases/?channel=phone").content.decode()) == [phone.case_no]
    assert _rows(client.get("/staff/cases/?bundle=member").content.decode()) == [child.case_no]
    assert _rows(client.get("/staff/cases/?bundle=parent").content.decode()) == [parent.case_no]
    html = client.get("/staff/cases/").content.decode()
    assert closed.case_no not in _rows(html)
    tabs = dict(re.findall(r'data-tab="(\w+)"[^>]*>[^<]*<span class="n">([^<]+)<', html))
    assert tabs["active"] == "4" and tabs["final"] == "1" and tabs["all"] == "5" and tabs["new"] == "4"
    assert _rows(client.get("/staff/cases/?tab=final").content.decode()) == [closed.case_no]


def test_saved_views_my_overdue_and_due_today(client, world):
    mine = assigned_case(world)
    other = create_case(world)
    today = create_case(world)
    now = timezone.now()
    Case.objects.filter(pk__in=[mine.pk, other.pk]).update(due_at=now - dt.timedelta(days=1))
    end_of_today = timezone.localtime(now).replace(hour=23, minute=59, second=0)
    Case.objects.filter(pk=today.pk).update(due_at=max(end_of_today, now + dt.timedelta(minutes=1)))
    client.force_login(world.staff)
    rows = _rows(client.get("/staff/cases/?view=mine_overdue").content.decode())
    assert rows == []  # station staff neither logged nor are assigned these
    Case.objects.filter(pk=mine.pk).update(created_by=world.staff)
    assert _rows(client.get("/staff/cases/?view=mine_overdue").content.decode()) == [mine.case_no]
    assert _rows(client.get("/staff/cases/?view=due_today").content.decode()) == [today.case_no]


def test_query_budget_at_a_thousand_case_station(client, world):
    client.force_login(world.staff)
    CaseFactory.create_batch(3, site=world.station, matter=world.matter)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/staff/cases/?sort=-due").status_code == 200
    other = MatterFactory()
    Case.objects.bulk_create(
        [
            Case(
                case_no=generate_case_no(),
                site=world.station,
                matter=other if i % 3 else world.matter,
                resident_name=f"居民{i}",
                resident_phone=f"+86137{i:08d}",
                address="测试村",
                special_groups=["elderly"] if i % 5 == 0 else [],
                priority=1 if i % 5 == 0 else 0,
                status=[Case.Status.NEW, Case.Status.ASSIGNED, Case.Status.CLOSED][i % 3],
                due_at=timezone.now() + dt.timedelta(days=i % 7 - 3),
                assigned_agent_id=None,
            )
            for i in range(1000)
        ]
    )
    CaseEvent.objects.bulk_create([CaseEvent(case=c, kind="created") for c in Case.objects.all()[:200]])
    for url in (
        "/staff/cases/?sort=-due",
        "/staff/cases/?q=居民9&special=elderly",
        "/staff/cases/?tab=all&per=100",
    ):
        with CaptureQueriesContext(connection) as many:
            response = client.get(url)
        assert response.status_code == 200
        assert len(many) <= QUERY_BUDGET, [q["sql"][:120] for q in many.captured_queries]
    with CaptureQueriesContext(connection) as many:
        client.get("/staff/cases/?sort=-due")
    assert len(many) == len(few)


def test_bulk_assign_confirms_once_and_changes_exactly_the_chosen_cases(client, world):
    chosen = [create_case(world, resident_phone=f"1380000000{i}") for i in range(3)]
    untouched = create_case(world, resident_phone="13800000009")
    client.force_login(world.staff)
    data = {
        "op": "assign",
        "agent": str(world.agent_grid.pk),
        "case": [c.case_no for c in chosen],
        "next": "/staff/cases/",
    }
    confirm = client.post("/staff/cases/bulk/", data)
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "确认批量分派 3 件" in html and all(c.case_no in html for c in chosen)
    assert not Case.objects.filter(status=Case.Status.ASSIGNED).exists()  # nothing happens before confirming
    response = client.post("/staff/cases/bulk/", {**data, "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == "/staff/cases/"
    for case in chosen:
        case.refresh_from_db()
        assert case.status == Case.Status.ASSIGNED and case.assigned_agent == world.agent_grid
        assert case.events.filter(kind="assigned").count() == 1
    untouched.refresh_from_db()
    assert untouched.status == Case.Status.NEW and not untouched.events.filter(kind="assigned").exists()
    # a second run: every case is already assigned → refused per case (409), nothing changes
    again = client.post(
        "/staff/cases/bulk/", {**data, "confirm": "on", "agent": str(world.agent_grid2.pk)}, follow=True
    )
    assert "未分派" in again.content.decode()
    assert Case.objects.filter(assigned_agent=world.agent_grid2).count() == 0


def test_bulk_transfer_and_bad_input(client, world):
    cases = [create_case(world, resident_phone=f"1380000001{i}") for i in range(2)]
    client.force_login(world.staff)
    base = {"op": "transfer", "site": str(world.station_b.pk), "case": [c.case_no for c in cases]}
    assert client.post("/staff/cases/bulk/", {**base, "confirm": "on"}).status_code == 302  # no reason
    assert all(c.site == world.station for c in Case.objects.filter(pk__in=[c.pk for c in cases]))
    response = client.post("/staff/cases/bulk/", {**base, "reason": "属地调整", "confirm": "on"})
    assert response.status_code == 302
    for case in cases:
        case.refresh_from_db()
        assert case.site == world.station_b and case.events.filter(kind="transferred").count() == 1
    outside = create_case(world, actor=world.outsider, site=world.station2)
    client.post("/staff/cases/bulk/", {**base, "case": [outside.case_no], "reason": "x", "confirm": "on"})
    outside.refresh_from_db()
    assert outside.site == world.station2  # not in scope: refused, unchanged
    assert client.post("/staff/cases/bulk/", {"op": "assign"}).status_code == 302  # nothing chosen
    client.force_login(world.grid_worker)
    assert client.post("/staff/cases/bulk/", base).status_code == 403


def test_case_page_two_columns_materials_and_ledger(client, world):
    world.matter.materials = ["户口簿", "身份证"]
    world.matter.save()
    case = assigned_case(world)
    client.force_login(world.staff)
    html = client.get(f"/staff/cases/{case.case_no}/").content.decode()
    main, side = html.split('class="case-main"')[1].split('class="case-side"')
    assert 'id="case-details"' in main and 'id="case-materials"' in main and 'id="case-timeline"' in main
    assert "户口簿" in main and "未收" in main
    assert 'id="action-schedule_visit"' in side  # the actions the user may take now, on the other side
    assert "帮办代办事项台账" in html and 'id="print-ledger"' in html
