"""The station staff /staff/ pages through Django's test client: access, the queue, the case list's filters,
assigning, transferring, closing and the rectification report."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agency.models import Agent
from agency.tests.factories import AgentFactory, MatterFactory
from workflows import case_closing, services
from workflows.models import Case
from workflows.tests.factories import CaseFactory
from workflows.tests.page_helpers import assigned_case, completed_case, create_case

pytestmark = pytest.mark.django_db


def test_staff_pages_forbid_grid_workers(client, world):
    client.force_login(world.grid_worker)
    assert client.get("/staff/").status_code == 403
    assert client.get("/staff/cases/").status_code == 403
    case = create_case(world)
    assert client.get(f"/staff/cases/{case.case_no}/").status_code == 403
    response = client.post(f"/staff/cases/{case.case_no}/assign/", {"assign-agent": world.agent_grid.pk})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == Case.Status.NEW


def test_staff_queue_lists_unassigned_special_first(client, world):
    plain = create_case(world, resident_name="普通")
    special = create_case(world, resident_name="残疾人", special_groups=["disabled"])
    assigned = assigned_case(world)
    other_town = create_case(world, actor=world.outsider, site=world.station2)
    client.force_login(world.staff)
    html = client.get("/staff/").content.decode()
    assert plain.case_no in html and special.case_no in html
    assert assigned.case_no not in html and other_town.case_no not in html
    assert html.index(special.case_no) < html.index(plain.case_no)
    assert f'href="/staff/cases/{special.case_no}/"' in html


def test_staff_assign_suggested_and_override(client, world):
    case = create_case(world)
    client.force_login(world.staff)
    html = client.get(f"/staff/cases/{case.case_no}/").content.decode()
    assert 'id="action-assign"' in html
    # same grid + matching scope: the grid worker is suggested first and pre-selected
    assert f'value="{world.agent_grid.pk}"' in html
    response = client.post(
        f"/staff/cases/{case.case_no}/assign/",
        {"assign-suggested": str(world.agent_grid.pk), "assign-agent": str(world.agent_volunteer.pk)},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assigned_agent == world.agent_volunteer  # the override wins
    assert case.status == Case.Status.ASSIGNED


def test_staff_assign_errors(client, world):
    case = create_case(world)
    client.force_login(world.staff)
    url = f"/staff/cases/{case.case_no}/assign/"
    assert client.post(url, {}).status_code == 400  # nobody chosen
    assert client.post(url, {"assign-agent": "999999"}).status_code == 400  # not a choice
    away = AgentFactory(kind=Agent.Kind.GRID_WORKER, sites=[world.station], is_away=True)
    response = client.post(url, {"assign-agent": str(away.pk)})
    assert response.status_code == 400
    assert "外出" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.NEW
    services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    response = client.post(url, {"assign-agent": str(world.agent_grid2.pk)})  # stale page: already assigned
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.assigned_agent == world.agent_grid


def test_staff_reject_needs_reason(client, world):
    case = create_case(world)
    client.force_login(world.staff)
    url = f"/staff/cases/{case.case_no}/reject/"
    assert client.post(url, {"reject-reason": ""}).status_code == 400
    assert client.post(url, {"reject-reason": "不属于受理范围"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.REJECTED


def test_staff_transfer_to_another_site(client, world):
    case = create_case(world)
    client.force_login(world.staff)
    url = f"/staff/cases/{case.case_no}/transfer/"
    assert client.post(url, {"transfer-reason": "属地"}).status_code == 400  # neither site nor agent
    response = client.post(url, {"transfer-site": str(world.station_b.pk), "transfer-reason": "属地调整"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.site == world.station_b
    assert case.events.filter(kind="transferred").exists()


def test_staff_cases_filters_and_pagination(client, world):
    other_matter = MatterFactory(name="代缴电费")
    assigned = assigned_case(world)
    overdue = create_case(world)
    Case.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    other = create_case(world, matter=other_matter)
    closed = create_case(world)
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED)
    client.force_login(world.staff)

    html = client.get("/staff/cases/").content.decode()
    assert all(c.case_no in html for c in (assigned, overdue, other))
    assert closed.case_no not in html  # open ones by default
    html = client.get("/staff/cases/?status=closed").content.decode()
    assert closed.case_no in html and assigned.case_no not in html
    html = client.get(f"/staff/cases/?matter={other_matter.code}").content.decode()
    assert other.case_no in html and assigned.case_no not in html
    html = client.get(f"/staff/cases/?agent={world.agent_grid.pk}").content.decode()
    assert assigned.case_no in html and other.case_no not in html
    html = client.get("/staff/cases/?agent=none").content.decode()
    assert other.case_no in html and assigned.case_no not in html
    html = client.get("/staff/cases/?overdue=on").content.decode()
    assert overdue.case_no in html and other.case_no not in html
    for bad in ("status=bogus", "matter=%3Cx%3E", "agent=abc", "page=zz", "overdue=maybe&page=-5"):
        assert client.get(f"/staff/cases/?{bad}").status_code == 200

    for _ in range(21):
        CaseFactory(site=world.station, matter=world.matter)
    html = client.get("/staff/cases/?status=new").content.decode()
    assert "第 1 / 2 页" in html and "status=new&amp;page=2" in html
    assert client.get("/staff/cases/?status=new&page=2").status_code == 200


def test_staff_list_query_counts_are_constant(client, world):
    client.force_login(world.staff)
    for _ in range(2):
        CaseFactory(site=world.station, matter=world.matter, special_groups=["elderly"])
    with CaptureQueriesContext(connection) as few_queue:
        client.get("/staff/")
    with CaptureQueriesContext(connection) as few_cases:
        client.get("/staff/cases/")
    for _ in range(15):
        CaseFactory(site=world.station, matter=MatterFactory(), assigned_agent=world.agent_grid)
        CaseFactory(site=world.station, matter=world.matter)
    with CaptureQueriesContext(connection) as many_queue:
        client.get("/staff/")
    with CaptureQueriesContext(connection) as many_cases:
        client.get("/staff/cases/")
    assert len(many_queue) == len(few_queue)
    assert len(many_cases) == len(few_cases)


def test_town_staff_and_admin_see_station_cases(client, world):
    case = create_case(world)
    for user in (world.town, world.admin):
        client.force_login(user)
        assert case.case_no in client.get("/staff/").content.decode()
        assert client.get(f"/staff/cases/{case.case_no}/").status_code == 200


def test_case_page_query_count_does_not_grow_with_timeline(client, world):
    case = assigned_case(world)
    client.force_login(world.staff)
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/staff/cases/{case.case_no}/").status_code == 200
    for i in range(12):
        case.events.create(kind="note", note=f"备注{i}", actor=world.staff, public=False)
    with CaptureQueriesContext(connection) as many:
        html = client.get(f"/staff/cases/{case.case_no}/").content.decode()
    assert "备注11" in html
    assert len(many) == len(few)


def test_notification_bell_is_shown_when_available(client, world):
    from workflows import views

    client.force_login(world.grid_worker)
    html = client.get("/m/").content.decode()
    assert ("notification-bell" in html) == views._bell_available()


def test_staff_close_only_after_feedback_window(client, world):
    case = completed_case(world)
    client.force_login(world.staff)
    url = f"/staff/cases/{case.case_no}"
    assert 'id="action-close"' not in client.get(f"{url}/").content.decode()
    response = client.post(f"{url}/close/", {"close-note": "结案"})
    assert response.status_code == 409
    assert "暂不能关闭" in response.content.decode()
    Case.objects.filter(pk=case.pk).update(feedback_due_at=timezone.now() - dt.timedelta(minutes=1))
    assert 'id="action-close"' in client.get(f"{url}/").content.decode()
    assert client.post(f"{url}/close/", {"close-note": "评价期满，结案"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED


def test_staff_rectify_report_after_bad_rating(client, world):
    case = completed_case(world)
    case_closing.case_mark_rectifying(case=case, rating_id=None, note="群众差评：办理太慢")
    client.force_login(world.staff)
    url = f"/staff/cases/{case.case_no}"
    html = client.get(f"{url}/").content.decode()
    assert 'id="action-rectify"' in html and "群众差评" in html
    assert client.post(f"{url}/rectify/", {"rectify-note": ""}).status_code == 400
    response = client.post(f"{url}/rectify/", {"rectify-note": "已回访致歉，优化流程"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.COMPLETED
    assert case.events.filter(kind="rectified").exists()


def test_staff_transfer_to_another_agent(client, world):
    case = assigned_case(world)
    client.force_login(world.staff)
    response = client.post(
        f"/staff/cases/{case.case_no}/transfer/",
        {"transfer-agent": str(world.agent_grid2.pk), "transfer-reason": "原帮办员工作调整"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assigned_agent == world.agent_grid2
