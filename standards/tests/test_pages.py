"""Pages: campaign + export, assessment form (bad input → 400, nothing saved), review, evidence, badges."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from agency.tests.factories import StationFactory
from standards import services
from standards.demo import answers_for_tier
from standards.models import Assessment, Evidence, StandardCriterion
from standards.tests.factories import build_world, jpeg_with_gps
from standards.tiers import table_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _approve(w, site, tier, submitter=None, reviewer=None):
    a = services.assessment_submit(
        actor=submitter or w.staff_a, site=site, raw=answers_for_tier(table_load(site.kind), tier)
    )
    return services.assessment_review(actor=reviewer or w.town_a, assessment=a, approve=True)


def test_form_shows_every_row_with_system_marks_and_revisions(w):
    StandardCriterion.objects.filter(site_kind="station", tier="basic", key="area").update(min_value=30)
    page = _client(w.staff_a).get(reverse("standards-site", args=[w.station_a.code]))
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("建设面积", "窗口（坐席）数量", "人员配备", "服务制度", "办公设备", "便民设施", "事项清单"):
        assert name in html
    assert "系统核验" in html  # 帮办代办制度 from the published policy text
    assert "本区修订" in html and "政策原值：≥20㎡" in html
    assert 'name="area-photo"' in html and 'enctype="multipart/form-data"' in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"staffing-full_time": "-2"}, "不能为负数"),
        ({"area-value": "五十"}, "须为数字"),
        ({"equipment-items": "传真机"}, "未知项目"),
    ],
)
def test_bad_input_is_400_with_the_message_and_nothing_saved(w, data, message):
    page = _client(w.staff_a).post(reverse("standards-site", args=[w.station_a.code]), data)
    assert page.status_code == 400
    assert message in page.content.decode()
    assert not Assessment.objects.exists()


def test_photo_that_is_not_an_image_is_400(w):
    fake = SimpleUploadedFile("x.jpg", b"GIF89a but not really", content_type="image/jpeg")
    page = _client(w.staff_a).post(
        reverse("standards-site", args=[w.station_a.code]), {"area-value": "30", "area-photo": fake}
    )
    assert page.status_code == 400 and "不是可识别的图片" in page.content.decode()
    assert not Assessment.objects.exists() and not Evidence.objects.exists()


def test_submit_review_and_evidence_through_the_pages(w):
    raw = answers_for_tier(table_load("station"), "standard")
    photo = SimpleUploadedFile("site.jpg", jpeg_with_gps(), content_type="image/jpeg")
    page = _client(w.staff_a).post(
        reverse("standards-site", args=[w.station_a.code]), {**raw, "area-photo": photo}
    )
    assert page.status_code == 302
    evidence = Evidence.objects.get()
    url = reverse("standards-evidence", args=[evidence.pk])
    assert _client(w.town_a).get(url).status_code == 200
    assert _client(w.staff_b).get(url).status_code == 404
    assert _client(w.town_b).get(url).status_code == 404
    assert (
        _client(w.grid_a).get(url).status_code == 403
    )  # no standards role at all: the shared 403 page, whatever the id
    assert Client().get(url).status_code == 302
    review = reverse("standards-review", args=[w.station_a.code])
    assert _client(w.town_b).post(review, {"decision": "approve"}).status_code == 404  # outside the town
    assert _client(w.staff_a).post(review, {"decision": "approve"}).status_code == 403
    assert _client(w.town_a).post(review, {"decision": "return"}).status_code == 400  # no reason
    assert _client(w.town_a).post(review, {"decision": "maybe"}).status_code == 400
    assert Assessment.objects.get().status == "submitted"
    assert _client(w.town_a).post(review, {"decision": "approve"}).status_code == 302
    assert Assessment.objects.get().status == "approved"
    assert _client(w.town_a).post(review, {"decision": "approve"}).status_code == 409
    html = _client(w.staff_a).get(reverse("standards-site", args=[w.station_a.code])).content.decode()
    assert "审核通过" in html
    # the badge is the approved tier as far as the record bears it out (standards.standing, issue 26)
    from standards.facts import site_facts
    from standards.standing import standing_view

    w.station_a.refresh_from_db()
    view = standing_view(w.station_a.standing, site_facts(w.station_a))
    assert view is not None and view.approved_tier == "standard"
    section = html.split('id="standing"', 1)[1].split("</section>", 1)[0]
    assert f'data-tier="{view.tier}"' in section and section.count('class="badge tier') == 1
    assert ("审核时为标准型" in section) == view.lowered


def test_site_outside_scope_is_404(w):
    assert _client(w.staff_b).get(reverse("standards-site", args=[w.station_a.code])).status_code == 404
    assert _client(w.town_b).get(reverse("standards-site", args=[w.station_a.code])).status_code == 404
    assert _client(w.grid_a).get(reverse("standards-report")).status_code == 403  # no standards role
    assert _client(w.town_b).post(reverse("standards-site", args=[w.station_a.code]), {}).status_code == 404
    assert not Assessment.objects.exists()


def test_campaign_page_and_export(w):
    _approve(w, w.station_a, "standard")
    _approve(w, w.center_a, "basic", submitter=w.town_a, reviewer=w.district)
    below = services.assessment_submit(actor=w.staff_b, site=w.station_b, raw={"area-value": ["10"]})
    services.assessment_review(actor=w.town_b, assessment=below, approve=True)
    page = _client(w.district).get(reverse("standards-report"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("never-assessed") == 1  # center_b was never assessed
    assert "中心达基础型及以上 1/2" in html
    assert "达标准型、标杆型 1/4" in html and "中心和站点达基础型及以上 2/4" in html
    assert f'id="row-{w.station_b.code}"' in html and "面积差 10㎡" in html
    town = _client(w.town_a).get(reverse("standards-report")).content.decode()
    assert w.station_b.name not in town and w.station_a.name in town
    export = _client(w.district).get(reverse("standards-export"))
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(export.content))
    rows = list(wb["达标情况"].iter_rows(values_only=True))
    assert rows[0][:4] == ("镇（街道）", "站点", "类型", "达标等级")
    by_site = {r[1]: r for r in rows[1:]}
    assert by_site[w.station_a.name][3] == "标准型"
    assert by_site[w.station_b.name][3] == "未达基础型" and "面积差 10㎡" in by_site[w.station_b.name][6]
    assert by_site[w.center_b.name][3] == "未自评" and by_site[w.center_b.name][6] == "从未自评"
    progress = list(wb["目标进度"].iter_rows(values_only=True))
    assert progress[1][:6] == ("全区", 2, 1, 4, 2, 1)
    assert _client(w.grid_a).get(reverse("standards-export")).status_code == 403


def test_roster_and_map_show_the_approved_tier_badge(w):
    """The badge is the tier the standards page shows: approved, lowered where the record contradicts it
    (here 标杆型 was approved with a 好差评评价器 ticked that no kiosk rating bears out)."""
    from standards.facts import site_facts
    from standards.standing import standing_view
    from standards.tiers import TIER_LABELS

    roster = reverse("site-roster", args=[w.station_a.code])
    assert "达标：" not in Client().get(roster).content.decode()
    _approve(w, w.station_a, "benchmark")
    w.station_a.refresh_from_db()
    view = standing_view(w.station_a.standing, site_facts(w.station_a))
    assert view is not None and view.lowered
    badge = f"达标：{TIER_LABELS[view.tier]}" if view.tier else None
    for html in (Client().get(roster).content.decode(), Client().get("/map/").content.decode()):
        assert "达标：标杆型" not in html
        assert badge is None or badge in html


def test_center_form_structured_staffing_through_the_page(w):
    page = _client(w.town_a).get(reverse("standards-site", args=[w.center_a.code]))
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        'name="staffing-leaders" value="副主任"' in html and 'name="staffing-establishment_defined"' in html
    )
    assert "有条件的可选，不影响达标" in html and "鼓励，不影响达标" in html
    raw = answers_for_tier(table_load("center"), "benchmark")
    assert _client(w.town_a).post(reverse("standards-site", args=[w.center_a.code]), raw).status_code == 302
    assessment = Assessment.objects.get(site=w.center_a)
    assert assessment.computed_tier == "benchmark"
    assert assessment.answers["staffing"]["leaders"] == ["主任", "副主任"]
    # the district reviews a town center; the town itself may not
    review = reverse("standards-review", args=[w.center_a.code])
    assert _client(w.town_a).post(review, {"decision": "approve"}).status_code == 403
    assert _client(w.district).post(review, {"decision": "approve"}).status_code == 302
    html = _client(w.town_a).get(reverse("standards-report")).content.decode()
    assert 'data-tier="benchmark"' in html and "已达最高等级" in html


def test_campaign_query_count_does_not_grow_with_sites(w, django_assert_max_num_queries):
    _approve(w, w.station_a, "basic")
    client = _client(w.district)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("standards-report")).status_code == 200
    for _ in range(5):
        StationFactory(parent=w.center_a)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("standards-report")).status_code == 200


def test_campaign_shows_one_state_per_site(w):
    """Issue 26: a village with its first self-assessment under review was listed as both 未自评 and 待审核."""
    import re

    _approve(w, w.station_a, "standard")
    services.assessment_submit(
        actor=w.staff_b, site=w.station_b, raw={"area-value": ["10"]}
    )  # first, pending
    returned = services.assessment_submit(actor=w.town_b, site=w.center_b, raw={"area-value": ["10"]})
    services.assessment_review(actor=w.district, assessment=returned, approve=False, reason="面积不实")
    html = _client(w.district).get(reverse("standards-report")).content.decode()

    def row(site):  # type: ignore[no-untyped-def]
        return html.split(f'id="row-{site.code}"', 1)[1].split("</li>", 1)[0]

    def states(site):  # type: ignore[no-untyped-def]
        return re.findall(r"data-state>([^<]+)<", row(site))

    assert states(w.station_b) == ["待审核"] and "未自评" not in row(w.station_b)
    assert "首次自评待审核" in row(w.station_b)
    assert states(w.center_b) == ["未通过审核"] and "未自评" not in row(w.center_b)
    assert states(w.station_a) == ["标准型"]
    rows = list(
        load_workbook(io.BytesIO(_client(w.district).get(reverse("standards-export")).content))[
            "达标情况"
        ].iter_rows(values_only=True)
    )
    by_site = {r[1]: r for r in rows[1:]}
    assert by_site[w.station_b.name][3] == "待审核" and by_site[w.station_b.name][5] == "是"


def test_site_page_shows_one_tier_consistent_with_the_record(w):
    """Issue 26: a 标杆型 badge showed while the page flagged contradictions with the system's records. The
    page shows the approved tier lowered to what the approved answers support without the contradicted items."""
    from standards.facts import site_facts

    _approve(
        w, w.station_a, "benchmark"
    )  # ticks everything, 好差评评价器 included: no kiosk rating on record
    standing = w.station_a.standing
    assert standing.tier == "benchmark"  # what was approved stays stored
    contradictions = site_facts(w.station_a).warnings(standing.assessment.answers)
    assert contradictions  # the record denies some ticked boxes
    html = _client(w.town_a).get(reverse("standards-site", args=[w.station_a.code])).content.decode()
    section = html.split('id="standing"', 1)[1].split("</section>", 1)[0]
    assert 'data-tier="benchmark"' not in section and "标杆型" in section  # named only as what was approved
    assert section.count('class="badge tier') == 1
    assert "核定等级" in section and "处不一致" in section
    assert "““" not in html  # quoted labels nest their own marks


def test_public_api_and_badges_show_the_tier_the_standards_page_shows(w, django_assert_max_num_queries):
    """Issue 26 leftover: the public sites API's ``approved_tier`` and the roster badge gave the approved tier
    while the station's standards page showed it lowered by the record's contradictions; one tier everywhere,
    and a fixed number of queries for the whole list."""
    from standards.facts import site_facts
    from standards.standing import standing_view

    _approve(w, w.station_a, "benchmark")  # ticks 好差评评价器 with no kiosk rating on record
    _approve(w, w.center_a, "basic", submitter=w.town_a, reviewer=w.district)
    w.station_a.refresh_from_db()
    shown = standing_view(w.station_a.standing, site_facts(w.station_a))
    assert shown is not None and shown.lowered and shown.tier != "benchmark"
    expected = shown.tier or "below_basic"

    public = Client()
    with django_assert_max_num_queries(
        9
    ):  # sites, approved answers, 5 of facts, the table per site kind, whatever the site count
        rows = {r["code"]: r for r in public.get("/api/v1/sites/").json()}
    assert rows[w.station_a.code]["approved_tier"] == expected
    w.center_a.refresh_from_db()
    center = standing_view(w.center_a.standing, site_facts(w.center_a))
    assert center is not None and rows[w.center_a.code]["approved_tier"] == (center.tier or "below_basic")
    assert rows[w.station_b.code]["approved_tier"] is None  # never approved
    assert public.get(f"/api/v1/sites/{w.station_a.code}/").json()["approved_tier"] == expected
    roster = public.get(f"/api/v1/sites/{w.station_a.code}/roster/").json()
    assert roster["site"]["approved_tier"] == expected
    page = public.get(f"/sites/{w.station_a.code}/").content.decode()
    assert "达标：标杆型" not in page
