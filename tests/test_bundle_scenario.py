"""Scenario (issue 15): 出生一件事 end to end through the HTTP API, the real outbox and the resident's pages.

Intake of the bundle at the door → members start in dependency order → 户口登记 is handed off 跨省 and comes
back → the resident sees one item with its progress, gets the bundle's SMS only and rates once → the
dashboards count one bundle.
"""

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from bundles.tests.factories import PHONE, make_bundle_world
from notifications.models import Notification
from residents.models import Rating
from residents.tests.track_helpers import private_cache  # noqa: F401
from workflows.models import Case
from workflows.tests.helpers import assert_flow_in_step

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def resident() -> APIClient:
    client = APIClient(REMOTE_ADDR="10.1.1.2")
    assert client.post("/api/v1/track/otp/", {"phone": PHONE}, format="json").status_code == 202
    otp = Notification.objects.filter(template="otp_code", recipient_phone=PHONE).order_by("-id").first()
    response = client.post(
        "/api/v1/track/verify/", {"phone": PHONE, "code": otp.context["code"]}, format="json"
    )
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    return client


def ok(response, code=200):
    assert response.status_code == code, response.content.decode()
    return response.json()


def drive(bw, case_no: str) -> None:
    """Assign, visit, submit and complete one member through the staff/agent API."""
    staff, agent = api(bw.w.staff), api(bw.w.grid_worker)
    ok(staff.post(f"/api/v1/cases/{case_no}/assign/", {"agent": bw.w.grid_worker.username}, format="json"))
    ok(agent.post(f"/api/v1/cases/{case_no}/visit/", {"note": "", "materials_missing": []}, format="json"))
    ok(agent.post(f"/api/v1/cases/{case_no}/submit/", {"department": "区医保局"}, format="json"))
    ok(agent.post(f"/api/v1/cases/{case_no}/complete/", {"result": "已办结"}, format="json"))


def members(body) -> dict[str, dict]:
    return {c["matter"]: c for c in body["children"]}


@freeze_time("2026-12-01 02:00:00")  # Tuesday 10:00 Shanghai: no quiet hours
def test_birth_bundle_end_to_end():
    bw = make_bundle_world()
    worker, staff = api(bw.w.grid_worker), api(bw.w.staff)

    # intake at the door: one request
    body = ok(
        worker.post(
            "/api/v1/bundles/intake/",
            {
                "site": bw.w.station.code,
                "bundle": "birth",
                "resident_name": "李娜",
                "resident_phone": "139 0013 9000",
                "address": "幸福村5组8号",
            },
            format="json",
        ),
        201,
    )
    parent_no = body["case_no"]
    kids = members(body)
    assert body["progress"] == "4 项中已办结 0 项"
    assert [kids[m.name]["status"] for m in (bw.hukou, bw.yibao, bw.jiaofei, bw.sbk)] == [
        "new", "waiting", "waiting", "waiting",
    ]  # fmt: skip

    # 户口登记: the parents' 户籍 is in another province → handed off 跨省, then the outcome comes back
    hukou_no = kids[bw.hukou.name]["case_no"]
    agent = api(bw.w.grid_worker)
    ok(staff.post(f"/api/v1/cases/{hukou_no}/assign/", {"agent": bw.w.grid_worker.username}, format="json"))
    ok(
        agent.post(
            f"/api/v1/cases/{hukou_no}/visit/", {"note": "材料齐全", "materials_missing": []}, format="json"
        )
    )
    handed = ok(
        agent.post(
            f"/api/v1/cases/{hukou_no}/handoff/",
            {
                "region": "河南省郑州市",
                "authority": "金水区公安分局",
                "channel": "window",
                "scope": "cross_province",
            },
            format="json",
        )
    )
    assert handed["status"] == "handed_off"
    assert Notification.objects.filter(channel="handoff", dedupe_key__startswith="handoff:").count() == 1
    ok(agent.post(f"/api/v1/cases/{hukou_no}/handoff/reference/", {"reference_no": "HN-0001"}, format="json"))
    ok(
        staff.post(
            f"/api/v1/cases/{hukou_no}/handoff/return/",
            {"outcome": "completed", "result": "已落户"},
            format="json",
        )
    )

    # the members waiting for 户口 start now; 医保缴费 still waits for 医保参保
    body = ok(staff.get(f"/api/v1/bundles/cases/{parent_no}/"))
    kids = members(body)
    assert kids[bw.hukou.name]["status"] == "completed"
    assert kids[bw.yibao.name]["status"] == "new" and kids[bw.sbk.name]["status"] == "new"
    assert kids[bw.jiaofei.name]["status"] == "waiting"
    assert body["progress"] == "4 项中已办结 1 项"

    # the resident: one item, its members' progress and the merged materials
    me = resident()
    [item] = ok(me.get("/api/v1/track/cases/"))
    assert item["case_no"] == parent_no and item["matter"] == "出生一件事"
    assert item["bundle"]["progress"] == "4 项中已办结 1 项" and item["bundle"]["total"] == 4
    assert item["bundle"]["materials"].count("户口簿") == 1
    assert "一件事联办中" in item["status_label"]
    assert item["feedback_allowed"] is False

    for matter in (bw.yibao, bw.sbk):
        drive(bw, kids[matter.name]["case_no"])
    drive(bw, members(ok(staff.get(f"/api/v1/bundles/cases/{parent_no}/")))[bw.jiaofei.name]["case_no"])
    parent = Case.objects.get(case_no=parent_no)
    assert parent.status == "completed"
    assert_flow_in_step(parent)

    # SMS: only the bundle's stream — accepted, each member done, all done + the rating invitation
    resident_sms = Notification.objects.filter(recipient_phone=PHONE, channel="sms").exclude(
        template="otp_code"
    )
    keys = sorted(resident_sms.values_list("dedupe_key", flat=True))
    assert all(k.startswith(f"case:{parent_no}:") for k in keys), keys
    templates = sorted(resident_sms.values_list("template", flat=True))
    assert templates == ["bundle_progress"] * 4 + ["case_received", "feedback_request", "result_ready"]

    # one rating, for the bundle; a member cannot be rated on its own
    [item] = ok(me.get("/api/v1/track/cases/"))
    assert item["feedback_allowed"] is True and item["bundle"]["progress"] == "4 项中已办结 4 项"
    ok(
        me.post(
            f"/api/v1/track/cases/{parent_no}/feedback/", {"rating": 5, "comment": "一次办好"}, format="json"
        ),
        201,
    )
    assert (
        me.post(f"/api/v1/track/cases/{hukou_no}/feedback/", {"rating": 5}, format="json").status_code == 404
    )
    assert Rating.objects.count() == 1 and Rating.objects.get().case.case_no == parent_no

    # dashboards: one bundle beside the single matters
    admin = api(bw.w.admin)
    stats = ok(admin.get("/api/v1/bundles/stats/"))
    assert stats["bundles"] == {"received": 1, "completed": 1, "on_time_rate": 1.0}
    assert stats["by_bundle"][0]["bundle"] == "birth" and stats["by_bundle"][0]["received"] == 1
    assert stats["single"]["received"] == 0
    by_matter = {row["matter"]: row["n"] for row in ok(admin.get("/api/v1/stats/"))["by_matter"]}
    assert by_matter.get(bw.bundle.matter.code) == 1  # the bundle is one request in the matter figures too
