"""The grid worker's /m/ pages through Django's test client: access, my tasks, the three-tap new request,
the case page and its steps (forms → services, scope, errors)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agency.tests.factories import MatterFactory, SiteMatterFactory, UserFactory
from core.models import AuditLog
from workflows import case_steps, services
from workflows.models import Case
from workflows.tests.page_helpers import NAUGHTY, assigned_case, create_case, new_form_data

pytestmark = pytest.mark.django_db


# --- access ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/m/", "/m/new/", "/staff/", "/staff/cases/", "/m/prefill/?phone=1"])
def test_pages_require_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_user_without_role_cannot_log_requests(client, world):
    nobody = UserFactory(username="nobody")
    client.force_login(nobody)
    assert client.get("/m/new/").status_code == 403
    assert client.get(f"/m/new/matter/{world.matter.code}/").status_code == 403
    assert client.get("/m/prefill/?phone=13800138000").status_code == 403
    assert client.get("/m/").status_code == 200  # empty task list, not an error


def test_case_outside_scope_is_404(client, world):
    case = create_case(world)
    client.force_login(world.outsider)
    assert client.get(f"/m/cases/{case.case_no}/").status_code == 404
    response = client.post(f"/m/cases/{case.case_no}/withdraw/", {"withdraw-reason": "不办了"})
    assert response.status_code == 404
    client.force_login(world.staff2)
    assert client.get(f"/staff/cases/{case.case_no}/").status_code == 404
    case.refresh_from_db()
    assert case.status == Case.Status.NEW


@pytest.mark.parametrize("case_no", ["nope", "BB2611-AAAAAAA", "' OR 1=1 --", "%3Cscript%3E"])
def test_bad_case_numbers_are_404(client, world, case_no):
    client.force_login(world.staff)
    assert client.get(f"/m/cases/{case_no}/").status_code == 404
    assert client.get(f"/staff/cases/{case_no}/").status_code == 404


def test_unknown_action_is_404_and_get_is_405(client, world):
    case = assigned_case(world)
    client.force_login(world.grid_worker)
    assert client.post(f"/m/cases/{case.case_no}/explode/", {}).status_code == 404
    assert client.get(f"/m/cases/{case.case_no}/visit/").status_code == 405


# --- my tasks --------------------------------------------------------------------------------------------


def test_my_tasks_lists_mine_open_first_special_first_overdue_marked(client, world):
    mine_done = assigned_case(world, resident_name="已办结")
    Case.objects.filter(pk=mine_done.pk).update(status=Case.Status.CLOSED)
    plain = assigned_case(world, resident_name="普通居民")
    special = assigned_case(world, resident_name="独居老人", special_groups=["elderly", "living_alone"])
    overdue = assigned_case(world, resident_name="超期居民")
    Case.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    logged_by_me = create_case(world, resident_name="我登记的")  # unassigned but logged by me
    others = create_case(world, actor=world.grid_worker2, resident_name="别人的")

    client.force_login(world.grid_worker)
    response = client.get("/m/")
    assert response.status_code == 200
    html = response.content.decode()
    for case in (plain, special, overdue, logged_by_me, mine_done):
        assert case.case_no in html
    assert others.case_no not in html
    assert html.index(special.case_no) < html.index(plain.case_no)
    assert html.index(overdue.case_no) < html.index(plain.case_no)  # nearest due date first
    assert html.index(plain.case_no) < html.index(mine_done.case_no)  # closed last
    assert "is-overdue" in html and "已超期" in html
    assert "独居" in html
    assert "138****8000" in html and "13800138000" not in html


def test_my_tasks_query_count_is_constant(client, world):
    client.force_login(world.grid_worker)
    for _ in range(2):
        assigned_case(world)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/m/").status_code == 200
    for _ in range(10):
        assigned_case(world, special_groups=["disabled"])
    with CaptureQueriesContext(connection) as many:
        assert client.get("/m/").status_code == 200
    assert len(many) == len(few)


def test_my_tasks_bad_page_number_does_not_fail(client, world):
    client.force_login(world.grid_worker)
    for value in ("abc", "-1", "99999", "1e9"):
        assert client.get(f"/m/?page={value}").status_code == 200


# --- new doorstep request -----------------------------------------------------------------------------------


def test_new_request_three_taps(client, world):
    other = MatterFactory(name="代缴医保", category="payment", materials=["医保卡"])
    SiteMatterFactory(site=world.station, matter=other)
    SiteMatterFactory(site=world.station, matter=world.matter)
    client.force_login(world.grid_worker)

    home = client.get("/m/").content.decode()
    assert 'href="/m/new/"' in home  # tap 1
    categories = client.get("/m/new/").content.decode()
    assert f'href="/m/new/category/{world.matter.category}/"' in categories  # tap 2
    assert "代缴收费" in categories and "证明出具" in categories
    matters = client.get(f"/m/new/category/{world.matter.category}/").content.decode()
    assert world.matter.name in matters and other.name not in matters
    for item in world.matter.materials:  # 一次性告知 before the form
        assert item in matters
    assert f'href="/m/new/matter/{world.matter.code}/"' in matters  # tap 3
    form = client.get(f"/m/new/matter/{world.matter.code}/").content.decode()
    assert 'type="tel"' in form and 'inputmode="numeric"' in form
    assert 'name="csrfmiddlewaretoken"' in form


def test_new_request_unknown_category_or_matter_is_404(client, world):
    client.force_login(world.grid_worker)
    assert client.get("/m/new/category/nonsense/").status_code == 404
    assert client.get("/m/new/matter/NOPE/").status_code == 404


def test_new_request_matters_limited_to_those_offered_here(client, world):
    elsewhere = MatterFactory(name="别处的事项")
    SiteMatterFactory(site=world.station2, matter=elsewhere)
    SiteMatterFactory(site=world.station, matter=world.matter)
    client.force_login(world.grid_worker)
    assert client.get(f"/m/new/matter/{elsewhere.code}/").status_code == 404


def test_new_request_creates_case_through_service(client, world):
    client.force_login(world.grid_worker)
    response = client.post(f"/m/new/matter/{world.matter.code}/", new_form_data(world))
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/m/cases/{case.case_no}/"
    assert str(case.resident_phone) == "+8613800138000"
    assert case.site == world.station
    assert case.grid == world.grid  # the worker's own grid at that site
    assert case.special_groups == ["elderly"]
    assert case.created_by == world.grid_worker
    assert case.channel == Case.Channel.DOORSTEP
    assert case.events.filter(kind="created").exists()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert case.case_no in page.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("resident_phone", "12345", "手机号"),
        ("resident_phone", "", "必填"),
        ("resident_name", "", "必填"),
        ("resident_name", "名" * 65, "65"),
        ("address", "", "必填"),
        ("special_groups", ["alien"], "有效"),
        ("site", "999999", "有效"),
    ],
)
def test_new_request_bad_input_is_400_with_message(client, world, field, value, message):
    client.force_login(world.grid_worker)
    response = client.post(f"/m/new/matter/{world.matter.code}/", new_form_data(world, **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Case.objects.exists()


def test_new_request_for_site_outside_scope_is_refused(client, world):
    client.force_login(world.grid_worker)
    response = client.post(
        f"/m/new/matter/{world.matter.code}/", new_form_data(world, site=str(world.station2.pk))
    )
    assert response.status_code == 400  # not offered in the form's choices
    assert not Case.objects.exists()


def test_naughty_text_is_stored_as_typed_and_escaped(client, world):
    client.force_login(world.grid_worker)
    response = client.post(
        f"/m/new/matter/{world.matter.code}/",
        new_form_data(world, resident_name="<b>王</b>", description=NAUGHTY),
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert "<script>alert(1)</script>" in case.description
    html = client.get(response["Location"]).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>王</b>" not in html
    assert "&lt;b&gt;王&lt;/b&gt;" in client.get("/m/").content.decode()


def test_lookup_step_prefills_from_history_without_js(client, world):
    create_case(world, resident_name="李建国", address="幸福村5组", special_groups=["disabled"])
    client.force_login(world.grid_worker2)
    response = client.post(
        f"/m/new/matter/{world.matter.code}/",
        {"step": "lookup", "resident_phone": "138-0013-8000", "site": str(world.station.pk)},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="李建国"' in html
    assert 'value="幸福村5组"' in html
    assert (
        'value="disabled" checked' in html
        or 'checked value="disabled"' in html
        or ('value="disabled"' in html and "checked" in html)
    )
    assert "已根据历史办理记录自动填写" in html
    assert Case.objects.count() == 1  # lookup creates nothing


def test_lookup_with_bad_phone_shows_error(client, world):
    client.force_login(world.grid_worker)
    response = client.post(f"/m/new/matter/{world.matter.code}/", {"step": "lookup", "resident_phone": "abc"})
    assert response.status_code == 400
    assert "手机号" in response.content.decode()


def test_prefill_json(client, world):
    create_case(world, resident_name="李建国", address="幸福村5组")
    client.force_login(world.grid_worker)
    data = client.get("/m/prefill/?phone=8613800138000").json()
    assert data == {"found": True, "resident_name": "李建国", "address": "幸福村5组", "special_groups": []}
    assert client.get("/m/prefill/?phone=13900000000").json()["found"] is False
    assert client.get("/m/prefill/?phone=<script>").json()["found"] is False


# --- case page and steps ---------------------------------------------------------------------------------


def test_case_page_shows_next_step_form_for_assigned_agent(client, world):
    case = assigned_case(world)
    client.force_login(world.grid_worker)
    html = client.get(f"/m/cases/{case.case_no}/").content.decode()
    assert 'id="action-visit"' in html
    for item in world.matter.materials:
        assert f'value="{item}"' in html
    assert 'id="action-assign"' not in html  # staff only
    assert "tel:+8613800138000" in html  # the assigned agent calls the resident
    assert "分派" in html  # timeline


def test_case_page_masks_phone_for_others_and_staff_reveal_is_audited(client, world):
    case = assigned_case(world, id_number="370102199001011234")
    client.force_login(world.grid_worker2)
    html = client.get(f"/m/cases/{case.case_no}/").content.decode()
    assert "138****8000" in html and "13800138000" not in html
    assert "370102199001011234" not in html
    client.force_login(world.staff)
    html = client.get(f"/staff/cases/{case.case_no}/").content.decode()
    assert "138****8000" in html and "13800138000" not in html
    assert "370102********1234" in html
    assert not AuditLog.objects.filter(action="view_resident_phone").exists()
    html = client.get(f"/staff/cases/{case.case_no}/?reveal=phone").content.decode()
    assert "+8613800138000" in html
    log = AuditLog.objects.get(action="view_resident_phone")
    assert log.actor == world.staff and log.target_id == case.case_no
    client.force_login(world.grid_worker2)  # not staff: reveal is ignored
    assert "13800138000" not in client.get(f"/m/cases/{case.case_no}/?reveal=phone").content.decode()


def test_visit_with_missing_material_then_full_path_to_completion(client, world):
    case = assigned_case(world)
    client.force_login(world.grid_worker)
    url = f"/m/cases/{case.case_no}"
    missing = world.matter.materials[0]
    response = client.post(f"{url}/visit/", {"visit-note": "已上门", "visit-materials_missing": [missing]})
    assert response.status_code == 302 and response["Location"] == f"{url}/"
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_MATERIALS
    assert case.materials_missing == [missing]
    html = client.get(f"{url}/").content.decode()
    assert "一次性告知" in html and missing in html

    assert client.post(f"{url}/visit/", {"visit-note": "材料已补齐"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.VISITED

    response = client.post(
        f"{url}/submit/", {"submit-department": "镇民政办", "submit-reference_no": "MZ-001"}
    )
    assert response.status_code == 302
    assert client.post(f"{url}/progress/", {"progress-note": "部门审核中"}).status_code == 302
    response = client.post(
        f"{url}/complete/",
        {
            "complete-result": "证明已开具",
            "complete-delivery_method": "mail",
            "complete-tracking_no": "SF123",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.COMPLETED
    assert (case.department, case.reference_no) == ("镇民政办", "MZ-001")
    assert (case.delivery_method, case.tracking_no) == ("mail", "SF123")
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[-4:] == ["visited", "submitted", "progress", "completed"]


def test_complete_by_mail_needs_tracking_number(client, world):
    case = assigned_case(world)
    case = case_steps.case_visit(actor=world.grid_worker, case=case, note="", materials_missing=[])
    case = case_steps.case_submit(actor=world.grid_worker, case=case, department="镇社保所", reference_no="")
    client.force_login(world.grid_worker)
    response = client.post(
        f"/m/cases/{case.case_no}/complete/",
        {"complete-result": "已办好", "complete-delivery_method": "mail", "complete-tracking_no": ""},
    )
    assert response.status_code == 400
    assert "快递单号" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED


def test_wrong_state_step_shows_409_message_not_500(client, world):
    case = assigned_case(world)
    client.force_login(world.grid_worker)
    response = client.post(f"/m/cases/{case.case_no}/submit/", {"submit-department": "镇民政办"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "不能执行此操作" in html and 'role="alert"' in html
    case.refresh_from_db()
    assert case.status == Case.Status.ASSIGNED


def test_double_submitted_step_runs_once(client, world):
    case = assigned_case(world)
    client.force_login(world.grid_worker)
    data = {"visit-note": "", "visit-materials_missing": []}
    assert client.post(f"/m/cases/{case.case_no}/visit/", data).status_code == 302
    assert client.post(f"/m/cases/{case.case_no}/visit/", data).status_code == 409
    assert case.events.filter(kind="visited").count() == 1


def test_role_may_not_step_shows_403_message(client, world):
    case = create_case(world)
    client.force_login(world.grid_worker)  # in scope, but assigning is staff work
    response = client.post(f"/m/cases/{case.case_no}/assign/", {"assign-agent": str(world.agent_grid.pk)})
    assert response.status_code == 403
    assert "无权" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.NEW


def test_empty_required_step_field_is_400(client, world):
    case = assigned_case(world)
    case = case_steps.case_visit(actor=world.grid_worker, case=case, note="", materials_missing=[])
    case = case_steps.case_submit(actor=world.grid_worker, case=case, department="镇民政办", reference_no="")
    client.force_login(world.grid_worker)
    response = client.post(f"/m/cases/{case.case_no}/progress/", {"progress-note": "   "})
    assert response.status_code == 400
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    response = client.post(f"/m/cases/{case.case_no}/progress/", {"progress-note": "x" * 2001})
    assert response.status_code == 400
    assert case.events.filter(kind="progress").count() == 0


def test_withdraw_from_mobile(client, world):
    case = assigned_case(world)
    client.force_login(world.grid_worker)
    response = client.post(f"/m/cases/{case.case_no}/withdraw/", {"withdraw-reason": "居民已自行办理"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.WITHDRAWN
    html = client.get(f"/m/cases/{case.case_no}/").content.decode()
    assert "案件已结束" in html and "action-panel" not in html


def test_consultation_is_answered_without_submission(client, world):
    case = create_case(world, matter=world.consult)
    case = services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    client.force_login(world.grid_worker)
    html = client.get(f"/m/cases/{case.case_no}/").content.decode()
    assert 'id="action-answer"' in html
    response = client.post(f"/m/cases/{case.case_no}/answer/", {"answer-answer": "可在线申领，无需材料。"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.COMPLETED


# --- staff -----------------------------------------------------------------------------------------------
