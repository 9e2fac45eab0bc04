"""The case JSON API (CONTRACT §4): shapes, status codes, bad and naughty input, constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from workflows import case_closing, intake_services
from workflows.case_numbers import is_valid_case_no
from workflows.models import Case, CaseEvent
from workflows.tests.factories import CaseFactory
from workflows.tests.helpers import drive_to

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def payload(world, **kw):
    data = {
        "site": world.station.code,
        "matter": world.matter.code,
        "resident_name": "王秀英",
        "resident_phone": "+86 138-0013-8000",
        "address": "幸福村3组12号",
        "description": "开具居住证明",
    }
    data.update(kw)
    return data


def test_create_returns_201_and_contract_shape(world):
    res = client_for(world.grid_worker).post("/api/v1/cases/", payload(world), format="json")
    assert res.status_code == 201, res.json()
    body = res.json()
    assert is_valid_case_no(body["case_no"])
    assert body["status"] == "new" and body["due_at"]
    assert body["resident_phone"] == "138****8000"
    assert body["site"] == world.station.code and body["matter"] == world.matter.code
    assert body["channel"] == "doorstep"
    assert [e["kind"] for e in body["timeline"]] == ["created"]
    assert set(body["timeline"][0]) >= {"at", "kind", "note", "actor"}
    assert body["actions"] == []  # a grid worker may not assign, and is not the assigned agent yet
    case = Case.objects.get(case_no=body["case_no"])
    assert str(case.resident_phone) == "+8613800138000"


@pytest.mark.parametrize("phone", ["138 0013 8000", "+86 138-0013-8000", "8613800138000", "13800138000"])
def test_phone_formats_people_type(world, phone):
    res = client_for(world.grid_worker).post(
        "/api/v1/cases/", payload(world, resident_phone=phone), format="json"
    )
    assert res.status_code == 201
    assert str(Case.objects.get(case_no=res.json()["case_no"]).resident_phone) == "+8613800138000"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("resident_phone", "12345"),
        ("resident_phone", "电话"),
        ("site", "NOPE"),
        ("matter", "NOPE"),
        ("resident_name", ""),
        ("resident_name", "   "),
        ("address", "x" * 256),
        ("resident_name", "名" * 65),
        ("description", "d" * 2001),
        ("channel", "fax"),
        ("special_groups", ["vip"]),
        ("id_number", "123"),
    ],
)
def test_bad_fields_give_field_errors(world, field, value):
    res = client_for(world.grid_worker).post(
        "/api/v1/cases/", payload(world, **{field: value}), format="json"
    )
    assert res.status_code == 400
    body = res.json()
    assert field in body, body
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("site", "NOPE", "站点不存在。"),
        ("site", 12345, "站点不存在。"),
        ("site", ["S1"], "站点编码无效。"),
        ("site", True, "站点编码无效。"),
        ("site", None, "该字段不能为 null。"),
        ("matter", "NOPE", "事项不存在。"),
        ("matter", {"code": "x"}, "事项编码无效。"),
    ],
)
def test_site_and_matter_codes_give_field_errors(world, field, value, message):
    res = client_for(world.grid_worker).post(
        "/api/v1/cases/", payload(world, **{field: value}), format="json"
    )
    assert res.status_code == 400
    assert res.json() == {field: [message]}


def test_inactive_site_or_matter_is_unknown(world):
    client = client_for(world.grid_worker)
    assert client.post("/api/v1/cases/", payload(world), format="json").status_code == 201  # compiled, warm
    world.matter.is_active = False
    world.matter.save()
    res = client.post("/api/v1/cases/", payload(world), format="json")
    assert res.status_code == 400 and res.json() == {"matter": ["事项不存在。"]}
    world.station.is_active = False
    world.station.save()
    res = client.post("/api/v1/cases/", payload(world), format="json")
    assert res.status_code == 400 and res.json()["site"] == ["站点不存在。"]


def test_phone_error_is_chinese(world):
    res = client_for(world.grid_worker).post(
        "/api/v1/cases/", payload(world, resident_phone="123"), format="json"
    )
    assert "手机号" in res.json()["resident_phone"][0]


def test_missing_fields(world):
    res = client_for(world.grid_worker).post("/api/v1/cases/", {}, format="json")
    assert res.status_code == 400
    assert {"site", "matter", "resident_name", "resident_phone", "address"} <= set(res.json())


NAUGHTY = [
    "<script>alert(1)</script>",
    "'; DROP TABLE workflows_case; --",
    "王大爷👴🏻需要帮助🙏",
    "مرحبا עברית",
    "零\u200b宽\u200c字\u200d符\ufeff",
    "  前后有空格  ",
    "换行\n第二行\t制表",
]


@pytest.mark.parametrize("text", NAUGHTY)
def test_naughty_text_stored_as_typed(world, text):
    client = client_for(world.grid_worker)
    res = client.post("/api/v1/cases/", payload(world, description=text, address=text), format="json")
    assert res.status_code == 201, res.json()
    body = client.get(f"/api/v1/cases/{res.json()['case_no']}/").json()
    assert body["description"] == text and body["address"] == text
    case = Case.objects.get(case_no=body["case_no"])
    assert case.description == text


def test_bidi_override_and_controls_stripped_only(world):
    text = "正常\u202e反转\u0007铃"
    res = client_for(world.grid_worker).post(
        "/api/v1/cases/", payload(world, description=text), format="json"
    )
    assert res.status_code == 201
    assert res.json()["description"] == "正常反转铃"


def test_list_is_scoped_masked_and_filtered(world):
    here = drive_to(world, "assigned")
    CaseFactory(site=world.station2, matter=world.matter)
    res = client_for(world.staff).get("/api/v1/cases/")
    assert res.status_code == 200
    body = res.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    row = body["results"][0]
    assert row["case_no"] == here.case_no and row["resident_phone"] == "138****8000"
    assert row["assigned_agent"]["username"] == "w_grid"
    assert client_for(world.staff).get("/api/v1/cases/?status=new").json()["count"] == 0
    assert client_for(world.staff).get("/api/v1/cases/?status=assigned").json()["count"] == 1
    assert client_for(world.staff).get(f"/api/v1/cases/?site={world.station2.code}").json()["count"] == 0
    assert client_for(world.admin).get("/api/v1/cases/").json()["count"] == 2
    assert client_for(world.staff).get("/api/v1/cases/?status=bogus").status_code == 400


def test_unauthenticated_is_401(world):
    assert APIClient().get("/api/v1/cases/").status_code == 401
    assert APIClient().post("/api/v1/cases/", payload(world), format="json").status_code == 401


def test_detail_out_of_scope_is_404(world):
    case = drive_to(world, "new")
    assert client_for(world.staff2).get(f"/api/v1/cases/{case.case_no}/").status_code == 404
    assert (
        client_for(world.staff2).post(f"/api/v1/cases/{case.case_no}/reject/", {"reason": "x"}).status_code
        == 404
    )
    assert client_for(world.staff).get("/api/v1/cases/BB2611-AAAAAAA/").status_code == 404


def test_full_path_over_http(world):
    staff, agent = client_for(world.staff), client_for(world.grid_worker)
    no = agent.post("/api/v1/cases/", payload(world), format="json").json()["case_no"]
    base = f"/api/v1/cases/{no}"
    assert "assign" in staff.get(f"{base}/").json()["actions"]
    res = staff.post(f"{base}/assign/", {"agent": "w_grid"}, format="json")
    assert res.status_code == 200 and res.json()["status"] == "assigned"
    assert res.json()["assigned_agent"]["name"] == world.agent_grid.name
    assert staff.post(f"{base}/assign/", {"agent": "w_grid"}, format="json").status_code == 409
    assert staff.post(f"{base}/visit/", {"note": "x"}, format="json").status_code == 403
    res = agent.post(
        f"{base}/visit/", {"note": "缺材料", "materials_missing": ["户口簿", "照片"]}, format="json"
    )
    assert res.json()["status"] == "awaiting_materials"
    assert res.json()["materials_missing"] == ["户口簿", "照片"]
    assert (
        agent.post(f"{base}/visit/", {"note": "齐了", "materials_missing": []}, format="json").status_code
        == 200
    )
    res = agent.post(
        f"{base}/submit/", {"department": "民政局", "reference_no": "R1", "note": ""}, format="json"
    )
    assert res.json()["status"] == "submitted"
    assert agent.post(f"{base}/progress/", {"note": "审核中"}, format="json").status_code == 200
    res = agent.post(f"{base}/complete/", {"result": "已出证", "note": ""}, format="json")
    assert res.json()["status"] == "completed" and res.json()["actions"] == []
    res = staff.post(f"{base}/close/", {"note": ""}, format="json")
    assert res.status_code == 409 and res.json()["extra"]["status"] == "completed"
    CaseEvent.objects.create(case=Case.objects.get(case_no=no), kind="rating", note="5")
    res = staff.post(f"{base}/close/", {"note": "满意"}, format="json")
    assert res.status_code == 200 and res.json()["status"] == "closed"
    kinds = [e["kind"] for e in res.json()["timeline"]]
    assert kinds == [
        "created",
        "assigned",
        "materials_requested",
        "visited",
        "submitted",
        "progress",
        "completed",
        "rating",
        "closed",
    ]


def test_action_errors(world):
    staff = client_for(world.staff)
    case = drive_to(world, "new")
    base = f"/api/v1/cases/{case.case_no}"
    assert staff.post(f"{base}/assign/", {"agent": "nobody"}, format="json").json() == {
        "agent": ["帮办员不存在。"]
    }
    res = staff.post(f"{base}/assign/", {"agent": "w_outsider"}, format="json")
    assert res.status_code == 400 and "agent" in res.json()
    assert "reason" in staff.post(f"{base}/reject/", {}, format="json").json()
    assert staff.post(f"{base}/reject/", {"reason": "r" * 2001}, format="json").status_code == 400
    res = staff.post(f"{base}/transfer/", {"reason": "x"}, format="json")
    assert res.status_code == 400 and "site" in res.json()
    res = staff.post(f"{base}/transfer/", {"site": world.station_b.code, "reason": "邻村"}, format="json")
    assert res.status_code == 200  # now outside the station staff's scope: a minimal answer
    assert res.json() == {"case_no": case.case_no, "status": "new", "actions": []}
    assert staff.get(f"{base}/").status_code == 404


def test_complete_by_mail_requires_tracking(world):
    case = drive_to(world, "submitted")
    agent = client_for(world.grid_worker)
    base = f"/api/v1/cases/{case.case_no}"
    res = agent.post(f"{base}/complete/", {"result": "r", "delivery_method": "mail"}, format="json")
    assert res.status_code == 400 and "tracking_no" in res.json()
    res = agent.post(
        f"{base}/complete/", {"result": "r", "delivery_method": "mail", "tracking_no": "SF1"}, format="json"
    )
    assert res.status_code == 200 and res.json()["tracking_no"] == "SF1"


def test_answer_and_rectify_actions(world):
    from workflows import services

    agent, staff = client_for(world.grid_worker), client_for(world.staff)
    case = intake_services.case_create(
        actor=world.grid_worker,
        site=world.station,
        matter=world.consult,
        resident_name="李",
        resident_phone="13800138001",
        address="a",
    )
    services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    res = agent.post(f"/api/v1/cases/{case.case_no}/answer/", {"answer": "可以办理"}, format="json")
    assert res.status_code == 200 and res.json()["status"] == "completed"
    case_closing.case_mark_rectifying(case=case, rating_id=None, note="差评")
    assert "rectify" in staff.get(f"/api/v1/cases/{case.case_no}/").json()["actions"]
    res = staff.post(f"/api/v1/cases/{case.case_no}/rectify/", {"note": "已整改"}, format="json")
    assert res.status_code == 200 and res.json()["status"] == "completed"


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_and_detail_query_counts_are_constant(world, django_assert_num_queries):
    staff = client_for(world.staff)
    first = drive_to(world, "submitted")
    for _ in range(4):
        drive_to(world, "assigned")
    list_5 = _count(staff, "/api/v1/cases/?page_size=100")
    detail_5 = _count(staff, f"/api/v1/cases/{first.case_no}/")
    for _ in range(45):
        CaseFactory(
            site=world.station, matter=world.matter, assigned_agent=world.agent_grid, status="assigned"
        )
    for _ in range(10):  # a longer timeline
        CaseEvent.objects.create(case=first, kind="progress", note="n", actor_name="x")
    assert Case.objects.count() == 50
    list_50 = _count(staff, "/api/v1/cases/?page_size=100")
    detail_50 = _count(staff, f"/api/v1/cases/{first.case_no}/")
    assert list_5 == list_50
    assert detail_5 == detail_50
    print(f"\nQUERY COUNTS list={list_50} detail={detail_50}")
    with django_assert_num_queries(list_50):
        staff.get("/api/v1/cases/?page_size=100")
