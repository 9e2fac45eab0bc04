"""The /m/ and /staff/ pages through Django's test client: rendering, forms → services, scope, errors."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agency.models import Agent
from agency.tests.factories import AgentFactory, MatterFactory, SiteMatterFactory, UserFactory
from core.models import AuditLog
from workflows import services
from workflows.models import Case
from workflows.tests.factories import CaseFactory, World

pytestmark = pytest.mark.django_db

NAUGHTY = "<script>alert(1)</script>‮ ' OR 1=1;-- 😀\u200b"


def _create(w: World, **kw) -> Case:
    data = {
        "actor": w.grid_worker,
        "site": w.station,
        "matter": w.matter,
        "resident_name": "王秀英",
        "resident_phone": "13800138000",
        "address": "测试村3组12号",
    }
    data.update(kw)
    return services.case_create(**data)


def _assigned(w: World, **kw) -> Case:
    case = _create(w, **kw)
    return services.case_assign(actor=w.staff, case=case, agent=w.agent_grid)


def _new_form_data(w: World, **kw) -> dict:
    data = {
        "step": "create",
        "resident_phone": "138 0013 8000",
        "resident_name": "王秀英",
        "address": "测试村3组12号",
        "description": "需要开具居住证明",
        "special_groups": ["elderly"],
        "site": str(w.station.pk),
    }
    data.update(kw)
    return data


# --- access ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/m/", "/m/new/", "/staff/", "/staff/cases/", "/m/prefill/?phone=1"])
def test_pages_require_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_staff_pages_forbid_grid_workers(client, world):
    client.force_login(world.grid_worker)
    assert client.get("/staff/").status_code == 403
    assert client.get("/staff/cases/").status_code == 403
    case = _create(world)
    assert client.get(f"/staff/cases/{case.case_no}/").status_code == 403
    response = client.post(f"/staff/cases/{case.case_no}/assign/", {"assign-agent": world.agent_grid.pk})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == Case.Status.NEW


def test_user_without_role_cannot_log_requests(client, world):
    nobody = UserFactory(username="nobody")
    client.force_login(nobody)
    assert client.get("/m/new/").status_code == 403
    assert client.get(f"/m/new/matter/{world.matter.code}/").status_code == 403
    assert client.get("/m/prefill/?phone=13800138000").status_code == 403
    assert client.get("/m/").status_code == 200  # empty task list, not an error


def test_case_outside_scope_is_404(client, world):
    case = _create(world)
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
    case = _assigned(world)
    client.force_login(world.grid_worker)
    assert client.post(f"/m/cases/{case.case_no}/explode/", {}).status_code == 404
    assert client.get(f"/m/cases/{case.case_no}/visit/").status_code == 405


# --- my tasks --------------------------------------------------------------------------------------------


def test_my_tasks_lists_mine_open_first_special_first_overdue_marked(client, world):
    mine_done = _assigned(world, resident_name="已办结")
    Case.objects.filter(pk=mine_done.pk).update(status=Case.Status.CLOSED)
    plain = _assigned(world, resident_name="普通居民")
    special = _assigned(world, resident_name="独居老人", special_groups=["elderly", "living_alone"])
    overdue = _assigned(world, resident_name="超期居民")
    Case.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    logged_by_me = _create(world, resident_name="我登记的")  # unassigned but logged by me
    others = _create(world, actor=world.grid_worker2, resident_name="别人的")

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
        _assigned(world)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/m/").status_code == 200
    for _ in range(10):
        _assigned(world, special_groups=["disabled"])
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
    response = client.post(f"/m/new/matter/{world.matter.code}/", _new_form_data(world))
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
    response = client.post(f"/m/new/matter/{world.matter.code}/", _new_form_data(world, **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Case.objects.exists()


def test_new_request_for_site_outside_scope_is_refused(client, world):
    client.force_login(world.grid_worker)
    response = client.post(
        f"/m/new/matter/{world.matter.code}/", _new_form_data(world, site=str(world.station2.pk))
    )
    assert response.status_code == 400  # not offered in the form's choices
    assert not Case.objects.exists()


def test_naughty_text_is_stored_as_typed_and_escaped(client, world):
    client.force_login(world.grid_worker)
    response = client.post(
        f"/m/new/matter/{world.matter.code}/",
        _new_form_data(world, resident_name="<b>王</b>", description=NAUGHTY),
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
    _create(world, resident_name="李建国", address="幸福村5组", special_groups=["disabled"])
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
    _create(world, resident_name="李建国", address="幸福村5组")
    client.force_login(world.grid_worker)
    data = client.get("/m/prefill/?phone=8613800138000").json()
    assert data == {"found": True, "resident_name": "李建国", "address": "幸福村5组", "special_groups": []}
    assert client.get("/m/prefill/?phone=13900000000").json()["found"] is False
    assert client.get("/m/prefill/?phone=<script>").json()["found"] is False


# --- case page and steps ---------------------------------------------------------------------------------


def test_case_page_shows_next_step_form_for_assigned_agent(client, world):
    case = _assigned(world)
    client.force_login(world.grid_worker)
    html = client.get(f"/m/cases/{case.case_no}/").content.decode()
    assert 'id="action-visit"' in html
    for item in world.matter.materials:
        assert f'value="{item}"' in html
    assert 'id="action-assign"' not in html  # staff only
    assert "tel:+8613800138000" in html  # the assigned agent calls the resident
    assert "分派" in html  # timeline


def test_case_page_masks_phone_for_others_and_staff_reveal_is_audited(client, world):
    case = _assigned(world, id_number="370102199001011234")
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
    case = _assigned(world)
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
    case = _assigned(world)
    case = services.case_visit(actor=world.grid_worker, case=case, note="", materials_missing=[])
    case = services.case_submit(actor=world.grid_worker, case=case, department="镇社保所", reference_no="")
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
    case = _assigned(world)
    client.force_login(world.grid_worker)
    response = client.post(f"/m/cases/{case.case_no}/submit/", {"submit-department": "镇民政办"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "不能执行此操作" in html and 'role="alert"' in html
    case.refresh_from_db()
    assert case.status == Case.Status.ASSIGNED


def test_double_submitted_step_runs_once(client, world):
    case = _assigned(world)
    client.force_login(world.grid_worker)
    data = {"visit-note": "", "visit-materials_missing": []}
    assert client.post(f"/m/cases/{case.case_no}/visit/", data).status_code == 302
    assert client.post(f"/m/cases/{case.case_no}/visit/", data).status_code == 409
    assert case.events.filter(kind="visited").count() == 1


def test_role_may_not_step_shows_403_message(client, world):
    case = _create(world)
    client.force_login(world.grid_worker)  # in scope, but assigning is staff work
    response = client.post(f"/m/cases/{case.case_no}/assign/", {"assign-agent": str(world.agent_grid.pk)})
    assert response.status_code == 403
    assert "无权" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.NEW


def test_empty_required_step_field_is_400(client, world):
    case = _assigned(world)
    case = services.case_visit(actor=world.grid_worker, case=case, note="", materials_missing=[])
    case = services.case_submit(actor=world.grid_worker, case=case, department="镇民政办", reference_no="")
    client.force_login(world.grid_worker)
    response = client.post(f"/m/cases/{case.case_no}/progress/", {"progress-note": "   "})
    assert response.status_code == 400
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    response = client.post(f"/m/cases/{case.case_no}/progress/", {"progress-note": "x" * 2001})
    assert response.status_code == 400
    assert case.events.filter(kind="progress").count() == 0


def test_withdraw_from_mobile(client, world):
    case = _assigned(world)
    client.force_login(world.grid_worker)
    response = client.post(f"/m/cases/{case.case_no}/withdraw/", {"withdraw-reason": "居民已自行办理"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.WITHDRAWN
    html = client.get(f"/m/cases/{case.case_no}/").content.decode()
    assert "案件已结束" in html and "action-panel" not in html


def test_consultation_is_answered_without_submission(client, world):
    case = _create(world, matter=world.consult)
    case = services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    client.force_login(world.grid_worker)
    html = client.get(f"/m/cases/{case.case_no}/").content.decode()
    assert 'id="action-answer"' in html
    response = client.post(f"/m/cases/{case.case_no}/answer/", {"answer-answer": "可在线申领，无需材料。"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.COMPLETED


# --- staff -----------------------------------------------------------------------------------------------


def test_staff_queue_lists_unassigned_special_first(client, world):
    plain = _create(world, resident_name="普通")
    special = _create(world, resident_name="残疾人", special_groups=["disabled"])
    assigned = _assigned(world)
    other_town = _create(world, actor=world.outsider, site=world.station2)
    client.force_login(world.staff)
    html = client.get("/staff/").content.decode()
    assert plain.case_no in html and special.case_no in html
    assert assigned.case_no not in html and other_town.case_no not in html
    assert html.index(special.case_no) < html.index(plain.case_no)
    assert f'href="/staff/cases/{special.case_no}/"' in html


def test_staff_assign_suggested_and_override(client, world):
    case = _create(world)
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
    case = _create(world)
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
    case = _create(world)
    client.force_login(world.staff)
    url = f"/staff/cases/{case.case_no}/reject/"
    assert client.post(url, {"reject-reason": ""}).status_code == 400
    assert client.post(url, {"reject-reason": "不属于受理范围"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.REJECTED


def test_staff_transfer_to_another_site(client, world):
    case = _create(world)
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
    assigned = _assigned(world)
    overdue = _create(world)
    Case.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    other = _create(world, matter=other_matter)
    closed = _create(world)
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
    case = _create(world)
    for user in (world.town, world.admin):
        client.force_login(user)
        assert case.case_no in client.get("/staff/").content.decode()
        assert client.get(f"/staff/cases/{case.case_no}/").status_code == 200


def test_case_page_query_count_does_not_grow_with_timeline(client, world):
    case = _assigned(world)
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


def _completed(w: World) -> Case:
    case = _assigned(w)
    case = services.case_visit(actor=w.grid_worker, case=case, note="", materials_missing=[])
    case = services.case_submit(actor=w.grid_worker, case=case, department="镇民政办", reference_no="")
    return services.case_complete(actor=w.grid_worker, case=case, result="已办好")


def test_staff_close_only_after_feedback_window(client, world):
    case = _completed(world)
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
    case = _completed(world)
    services.case_mark_rectifying(case=case, rating_id=None, note="群众差评：办理太慢")
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
    case = _assigned(world)
    client.force_login(world.staff)
    response = client.post(
        f"/staff/cases/{case.case_no}/transfer/",
        {"transfer-agent": str(world.agent_grid2.pk), "transfer-reason": "原帮办员工作调整"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assigned_agent == world.agent_grid2
