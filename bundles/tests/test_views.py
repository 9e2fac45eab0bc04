"""一件事 over HTTP: the admin's validation, the public catalog (page + API), intake (form + API), staff
changes to one member, the figures, and the roster/screen section."""

import pytest
from django.urls import reverse

from bundles.models import Bundle
from bundles.tests.factories import PHONE, child, finish, intake, to_submitted
from workflows.models import Case

pytestmark = pytest.mark.django_db


def _admin_post(client, bw, members, sites):
    data = {
        "code": "new-one", "name": "新一件事", "life_event": "测试", "summary": "", "guide": "",
        "time_limit_days": 10, "sort_order": 0, "is_active": "on", "sites": [s.pk for s in sites],
        "members-TOTAL_FORMS": len(members), "members-INITIAL_FORMS": 0,
        "members-MIN_NUM_FORMS": 0, "members-MAX_NUM_FORMS": 1000,
    }  # fmt: skip
    for i, (matter, deps) in enumerate(members):
        data[f"members-{i}-matter"] = matter.pk
        data[f"members-{i}-order"] = i + 1
        data[f"members-{i}-depends_on"] = [d.pk for d in deps]
    client.force_login(bw.w.admin)
    return client.post(reverse("admin:bundles_bundle_add"), data)


def test_admin_refuses_a_cycle(client, bw):
    response = _admin_post(client, bw, [(bw.hukou, [bw.yibao]), (bw.yibao, [bw.hukou])], [bw.w.station])
    assert response.status_code == 200
    assert "前置事项形成循环" in response.content.decode()
    assert not Bundle.objects.filter(code="new-one").exists()


def test_admin_refuses_a_site_that_does_not_offer_a_member(client, bw):
    response = _admin_post(client, bw, [(bw.hukou, [])], [bw.w.station2])
    assert response.status_code == 200
    assert f"{bw.w.station2.name}未开通事项" in response.content.decode()
    assert not Bundle.objects.filter(code="new-one").exists()


def test_admin_saves_a_good_bundle_with_its_matter(client, bw):
    response = _admin_post(client, bw, [(bw.hukou, []), (bw.sbk, [bw.hukou])], [bw.w.station])
    assert response.status_code == 302, response.content.decode()[:2000]
    bundle = Bundle.objects.get(code="new-one")
    assert bundle.matter.name == "新一件事" and bundle.matter.time_limit_days == 10
    assert bundle.matter.materials.count("户口簿") == 1


def test_public_api_lists_bundles_per_site(client, bw):
    [card] = client.get(f"/api/v1/bundles/?site={bw.w.station.code}").json()
    assert card["code"] == "birth" and card["time_limit_days"] == 20
    assert card["materials"].count("户口簿") == 1
    assert [m["depends_on"] for m in card["members"]] == [
        [],
        [bw.hukou.code],
        [bw.yibao.code],
        [bw.hukou.code],
    ]
    assert client.get(f"/api/v1/bundles/?site={bw.w.station2.code}").json() == []
    assert client.get("/api/v1/bundles/?site=nope").status_code == 404
    assert client.get("/api/v1/bundles/birth/").json()["name"] == "出生一件事"
    assert client.get("/api/v1/bundles/none/").status_code == 404


def test_public_pages(client, bw):
    page = client.get(f"/bundles/?site={bw.w.station.code}").content.decode()
    assert "出生一件事" in page and "一次性告知" in page
    guide = client.get("/bundles/birth/").content.decode()
    assert bw.w.station.name in guide


def test_roster_and_screen_show_the_bundles_a_site_offers(client, bw):
    for name in ("site-roster", "site-screen"):
        page = client.get(reverse(name, args=[bw.w.station.code])).content.decode()
        assert "出生一件事" in page and "4 项联办" in page
        other = client.get(reverse(name, args=[bw.w.station2.code])).content.decode()
        assert "出生一件事" not in other


def test_api_intake_and_bad_input(client, bw):
    client.force_login(bw.w.grid_worker)
    payload = {"site": bw.w.station.code, "bundle": "birth", "resident_name": "李娜", "resident_phone": "139 0013 9000",
               "address": "幸福村5组8号"}  # fmt: skip
    bad = client.post(
        "/api/v1/bundles/intake/", {**payload, "bundle": "nope"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "bundle" in bad.json()
    bad = client.post(
        "/api/v1/bundles/intake/", {**payload, "resident_phone": "12"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "resident_phone" in bad.json()
    assert not Case.objects.exists()
    made = client.post("/api/v1/bundles/intake/", payload, content_type="application/json")
    assert made.status_code == 201
    body = made.json()
    assert body["progress"] == "4 项中已办结 0 项" and len(body["children"]) == 4
    client.force_login(bw.w.outsider)
    assert client.get(f"/api/v1/bundles/cases/{body['case_no']}/").status_code == 404


def test_api_add_and_drop(client, bw):
    parent = intake(bw)
    client.force_login(bw.w.staff)
    from agency.tests.factories import MatterFactory

    extra = MatterFactory(name="居住证明")
    added = client.post(
        f"/api/v1/bundles/cases/{parent.case_no}/add/",
        {"matter": extra.code, "reason": "需要"},
        content_type="application/json",
    )
    assert added.status_code == 201 and len(added.json()["children"]) == 5
    sbk = child(parent, bw.sbk)
    dropped = client.post(
        f"/api/v1/bundles/cases/{sbk.case_no}/drop/",
        {"action": "withdraw", "reason": "已有"},
        content_type="application/json",
    )
    assert dropped.status_code == 200 and dropped.json()["status"] == "withdrawn"
    no_reason = client.post(
        f"/api/v1/bundles/cases/{parent.case_no}/drop/",
        {"action": "withdraw"},
        content_type="application/json",
    )
    assert no_reason.status_code == 400


def test_intake_form_at_the_door(client, bw):
    client.force_login(bw.w.grid_worker)
    page = client.get("/m/bundles/")
    assert "出生一件事" in page.content.decode()
    form = client.get("/m/bundles/birth/")
    assert form.status_code == 200 and "户口簿" in form.content.decode()
    response = client.post(
        "/m/bundles/birth/",
        {
            "resident_phone": "139 0013 9000",
            "resident_name": "李娜",
            "address": "幸福村5组8号",
            "description": "",
            "site": str(bw.w.station.pk),
        },
    )
    assert response.status_code == 302
    parent = Case.objects.get(bundle_case__isnull=False)
    assert response.url == f"/m/bundles/case/{parent.case_no}/"
    assert str(parent.resident_phone) == PHONE
    page = client.get(response.url).content.decode()
    assert "4 项中已办结 0 项" in page and "待启动" in page


def test_staff_page_adds_and_drops(client, bw):
    parent = intake(bw)
    finish(bw, child(parent, bw.hukou))
    client.force_login(bw.w.staff)
    url = f"/m/bundles/case/{parent.case_no}/"
    sbk = child(parent, bw.sbk)
    assert (
        client.post(url, {"op": "withdraw", "child": sbk.case_no, "reason": "已有社保卡"}).status_code == 302
    )
    assert child(parent, bw.sbk).status == "withdrawn"
    refused = client.post(url, {"op": "withdraw", "child": sbk.case_no, "reason": "再次"})
    assert refused.status_code == 409
    assert "4 项中已办结 1 项，1 项已撤回或不予受理" in client.get(url).content.decode()


def test_stats_need_an_oversight_role(client, bw):
    intake(bw)
    client.force_login(bw.w.grid_worker)
    assert client.get("/api/v1/bundles/stats/").status_code == 403
    client.force_login(bw.w.staff)
    body = client.get("/api/v1/bundles/stats/").json()
    assert body["bundles"]["received"] == 1 and body["bundles"]["completed"] == 0


def test_dashboard_page_and_csv(client, bw):
    parent = intake(bw)
    for m in (bw.hukou, bw.yibao, bw.jiaofei, bw.sbk):
        finish(bw, child(parent, m))
    client.force_login(bw.w.staff)
    page = client.get("/dashboard/bundles/?period=month")
    assert page.status_code == 200
    html = page.content.decode()
    assert "出生一件事" in html and "100%" in html
    csv_text = client.get("/dashboard/bundles/?period=month&format=csv").content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("类别,名称") and lines[1] == "一件事,出生一件事,1,0,1,100%"
    client.force_login(bw.w.grid_worker)
    assert client.get("/dashboard/bundles/").status_code == 403


def test_service_map_shows_the_bundles_of_each_site(client, bw):
    html = client.get(reverse("service-map")).content.decode()
    assert "<dt>一件事</dt><dd>出生一件事</dd>" in html
    assert html.count("<dd>出生一件事</dd>") == 1  # only the one station that offers it


def test_my_tasks_shows_a_bundle_as_one_item_whose_status_follows_its_members(client, bw):
    """Issue 26: /m/ listed the parent and its four members as five tasks, the parent as 已报送 while its
    first member was 待分派. Now one item, its members inside, the parent showing the least advanced member."""
    import re

    parent = intake(bw)
    assert parent.status == Case.Status.SUBMITTED  # what the bundle services store (unchanged)
    client.force_login(bw.w.grid_worker)
    page = client.get("/m/").content.decode()
    items = re.findall(r'<a class="case-item[^"]*" href="/m/cases/([^/]+)/"', page)
    assert items == [parent.case_no]
    card = page.split('href="/m/cases/' + parent.case_no, 1)[1].split("</li>\n</ul>", 1)[0]
    assert 'data-status="new">待分派</span>' in card and "已报送" not in card
    for matter in (bw.hukou, bw.yibao, bw.jiaofei, bw.sbk):
        assert f'href="/m/cases/{child(parent, matter).case_no}/"' in card
    assert "4 项中已办结 0 项" in card

    to_submitted(bw, child(parent, bw.hukou))  # the first member moves on: so does the parent's status
    page = client.get("/m/").content.decode()
    card = page.split('href="/m/cases/' + parent.case_no, 1)[1].split("</li>\n</ul>", 1)[0]
    # 户口 is 已报送 and the other three wait for it: the parent shows 已报送 now, and not before
    assert re.search(r'badge-status" data-status="(\w+)">', card).group(1) == "submitted"


def test_the_parents_own_pages_show_the_status_its_members_give_it(client, bw):
    """Issue 26: the parent's case page (/m/ and staff) and its 一件事 page showed the stored 已报送 while its
    first member was 待分派; every page a person reads now shows the status derived from the members."""
    import re

    parent = intake(bw)
    assert parent.status == Case.Status.SUBMITTED  # stored by the bundle services: not what is shown
    pages = {
        "m": (bw.w.grid_worker, f"/m/cases/{parent.case_no}/", r'id="case-status" data-status="(\w+)">([^<]+)<'),
        "staff": (bw.w.staff, f"/staff/cases/{parent.case_no}/", r'id="case-status" data-status="(\w+)">([^<]+)<'),
        "bundle": (bw.w.staff, f"/m/bundles/case/{parent.case_no}/", r'id="bundle-status" data-status="(\w+)">([^<]+)<'),
    }  # fmt: skip

    def shown():
        out = {}
        for name, (user, url, pattern) in pages.items():
            client.force_login(user)
            page = client.get(url)
            assert page.status_code == 200, (name, page.status_code)
            m = re.search(pattern, page.content.decode())
            assert m, name
            out[name] = m.groups()
        return out

    assert shown() == dict.fromkeys(pages, ("new", "待分派"))
    to_submitted(bw, child(parent, bw.hukou))  # 户口 moves on to 已报送, the other three wait for it
    assert shown() == dict.fromkeys(pages, ("submitted", "已报送"))
    client.force_login(bw.w.grid_worker)
    page = client.get(f"/m/cases/{parent.case_no}/").content.decode()
    assert f'href="/m/bundles/case/{parent.case_no}/">4 项中已办结 0 项</a>' in page
    # a single matter's page is unchanged: its own stored status
    single = child(parent, bw.hukou)
    page = client.get(f"/m/cases/{single.case_no}/").content.decode()
    assert 'id="case-status" data-status="submitted">已报送<' in page and "bundle-progress" not in page


def test_api_intake_with_an_idempotency_key_creates_the_bundle_once(client, bw):
    """Issue 26: the offline queue sends a 一件事 with its item id as the key (the single intake's rule): a
    retry answers the first parent (200, same body), another body with that key is a 409, a bad key a 400."""
    from bundles.models import BundleCase

    client.force_login(bw.w.grid_worker)
    payload = {"site": bw.w.station.code, "bundle": "birth", "resident_name": "李娜", "resident_phone": "139 0013 9000",
               "address": "幸福村5组8号"}  # fmt: skip
    key = {"HTTP_IDEMPOTENCY_KEY": "0b7c6f1e-4a55-4c1e-9d3f-26aa00000001"}
    url = "/api/v1/bundles/intake/"
    bad = client.post(url, {**payload, "resident_phone": "12"}, content_type="application/json", **key)
    assert bad.status_code == 400 and "resident_phone" in bad.json() and not Case.objects.exists()
    first = client.post(url, payload, content_type="application/json", **key)
    assert first.status_code == 201, first.content
    again = client.post(url, payload, content_type="application/json", **key)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert BundleCase.objects.count() == 1 and Case.objects.count() == 5  # the parent and its four members
    other = client.post(url, {**payload, "address": "别处1号"}, content_type="application/json", **key)
    assert other.status_code == 409 and other.json()["extra"]["case_no"] == first.json()["case_no"]
    assert (
        client.post(url, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="有 空格").status_code
        == 400
    )
    assert Case.objects.count() == 5
    # without the header the API behaves as before: each send is a new request
    assert client.post(url, payload, content_type="application/json").status_code == 201
    assert BundleCase.objects.count() == 2


def test_offline_data_shows_the_parents_derived_status(client, bw):
    """Issue 26: the 离线登记 page's list of open cases (data.json) showed the parent's stored 已报送."""
    parent = intake(bw)
    client.force_login(bw.w.grid_worker)
    cases = {c["case_no"]: c for c in client.get(reverse("m_offline:data")).json()["cases"]}
    assert (cases[parent.case_no]["status"], cases[parent.case_no]["status_label"]) == ("new", "待分派")
    first = child(parent, bw.hukou)
    assert (cases[first.case_no]["status"], cases[first.case_no]["status_label"]) == ("new", "待分派")
    to_submitted(bw, first)
    cases = {c["case_no"]: c for c in client.get(reverse("m_offline:data")).json()["cases"]}
    assert cases[parent.case_no]["status_label"] == "已报送" and cases[first.case_no]["status"] == "submitted"


def test_quick_lookup_and_case_api_give_the_parents_derived_status(client, bw, django_assert_max_num_queries):
    """Issue 26 leftover: the residents' quick lookup (/api/v1/track/lookup/, a one-query prepared read) and the
    case API (list and detail) gave a 一件事 parent's stored 已报送 while its first member was 待分派."""
    from rest_framework.authtoken.models import Token

    parent = intake(bw)
    assert parent.status == Case.Status.SUBMITTED  # stored
    lookup = f"/api/v1/track/lookup/?case_no={parent.case_no}&phone_tail={PHONE[-4:]}"
    body = client.get(lookup).json()
    assert body["status"] == "new" and body["status_label"].startswith(
        "待分派。一件事联办：4 项中已办结 0 项"
    )
    token = Token.objects.create(user=bw.w.staff).key
    api = {"HTTP_AUTHORIZATION": f"Token {token}"}
    rows = {r["case_no"]: r for r in client.get("/api/v1/cases/", **api).json()["results"]}
    assert (rows[parent.case_no]["status"], rows[parent.case_no]["own_status"]) == ("new", "submitted")
    first = child(parent, bw.hukou)
    assert rows[first.case_no]["status"] == rows[first.case_no]["own_status"] == "new"  # a member: its own
    detail = client.get(f"/api/v1/cases/{parent.case_no}/", **api).json()
    assert (detail["status"], detail["status_label"], detail["own_status"]) == ("new", "待分派", "submitted")

    to_submitted(bw, first)  # 户口 moves on; the other three wait for it
    assert client.get(lookup).json()["status"] == "submitted"
    assert client.get(f"/api/v1/cases/{parent.case_no}/", **api).json()["status"] == "submitted"
    # a page with no 一件事 parent on it costs nothing more than before
    with django_assert_max_num_queries(4):
        client.get(f"/api/v1/cases/?matter={bw.hukou.code}", **api)
