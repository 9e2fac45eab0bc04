"""Cross-app scenarios of the case workflow over HTTP, as a grid worker and station staff use it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient
from viewflow.workflow.timers import fire_due_timers

from workflows import selectors
from workflows.models import Case
from workflows.tests.factories import make_world
from workflows.tests.helpers import assert_flow_in_step

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def login(username: str) -> APIClient:
    client = APIClient()
    res = client.post(
        "/api/v1/auth/token/", {"username": username, "password": "pw-Test-12345"}, format="json"
    )
    assert res.status_code == 200, res.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {res.json()['token']}")
    return client


def test_doorstep_request_over_national_day_to_autoclose():
    """An elderly resident asks on 30 Sep 2026; the holiday is skipped; the case runs its whole course and,
    with no rating, closes itself when the feedback window ends (the Viewflow timer fires)."""
    world = make_world()
    grid, staff = login("w_grid"), login("w_staff")
    with freeze_time(dt.datetime(2026, 9, 30, 9, 30, tzinfo=SH)):
        res = grid.post(
            "/api/v1/cases/",
            {
                "site": world.station.code,
                "matter": world.matter.code,
                "resident_name": "赵奶奶",
                "resident_phone": "139 0000 1111",
                "address": "幸福村5组",
                "description": "腿脚不便，请上门",
                "channel": "phone",
                "special_groups": ["elderly", "living_alone"],
            },
            format="json",
        )
        assert res.status_code == 201
    body = res.json()
    no = body["case_no"]
    assert body["channel"] == "doorstep"  # special groups are served at home
    due = dt.datetime.fromisoformat(body["due_at"]).astimezone(SH)
    assert due.date() > dt.date(2026, 10, 8)  # National Day week does not count

    # the next resident with the same phone is pre-filled
    prefill = selectors.case_prefill(phone="13900001111")
    assert prefill["resident_name"] == "赵奶奶" and prefill["special_groups"] == ["elderly", "living_alone"]

    # staff see it in the queue, with the suggested agent, and assign
    queue = staff.get("/api/v1/cases/?status=new").json()
    assert [r["case_no"] for r in queue["results"]] == [no]
    assert queue["results"][0]["resident_phone"] == "139****1111"
    assert staff.post(f"/api/v1/cases/{no}/assign/", {"agent": "w_grid"}, format="json").status_code == 200
    steps = [
        ("visit", {"note": "缺户口簿", "materials_missing": ["户口簿"]}, "awaiting_materials"),
        ("visit", {"note": "已补齐", "materials_missing": []}, "visited"),
        ("submit", {"department": "区民政局", "reference_no": "MZ-2026-1", "note": ""}, "submitted"),
        ("progress", {"note": "部门审核中"}, "submitted"),
        ("complete", {"result": "证明已开具", "note": "", "delivery_method": "door"}, "completed"),
    ]
    for action, data, status in steps:
        res = grid.post(f"/api/v1/cases/{no}/{action}/", data, format="json")
        assert res.status_code == 200, (action, res.json())
        assert res.json()["status"] == status
    case = Case.objects.get(case_no=no)
    assert_flow_in_step(case)
    # the timer fires only after the feedback window
    assert fire_due_timers() == 0
    with freeze_time(case.feedback_due_at + dt.timedelta(minutes=5)):
        assert fire_due_timers() == 1
    detail = staff.get(f"/api/v1/cases/{no}/").json()
    assert detail["status"] == "closed" and detail["actions"] == []
    assert detail["timeline"][-1]["kind"] == "closed"
    assert_flow_in_step(Case.objects.get(case_no=no))


def test_rejected_and_withdrawn_cases_leave_the_queue():
    world = make_world()
    grid, staff = login("w_grid"), login("w_staff")
    nos = []
    for name in ("甲", "乙"):
        res = grid.post(
            "/api/v1/cases/",
            {
                "site": world.station.code,
                "matter": world.matter.code,
                "resident_name": name,
                "resident_phone": "13800138000",
                "address": "x",
                "description": "",
            },
            format="json",
        )
        nos.append(res.json()["case_no"])
    assert (
        staff.post(f"/api/v1/cases/{nos[0]}/reject/", {"reason": "非本辖区"}, format="json").status_code
        == 200
    )
    assert (
        staff.post(f"/api/v1/cases/{nos[1]}/withdraw/", {"reason": "群众撤回"}, format="json").status_code
        == 200
    )
    open_ = staff.get("/api/v1/cases/?status=new,assigned").json()
    assert open_["count"] == 0
    assert staff.get("/api/v1/cases/?status=rejected,withdrawn").json()["count"] == 2
    for no in nos:
        assert_flow_in_step(Case.objects.get(case_no=no))
