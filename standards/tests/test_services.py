"""Submission and review through the services: system facts, history, permissions, nothing half-saved."""

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from agency.models import Agent, Site
from agency.tests.factories import AgentFactory, DutyShiftFactory
from core.exceptions import ApplicationError
from core.models import AuditLog
from standards import services
from standards.demo import answers_for_tier
from standards.models import Assessment, AssessmentEvent, Evidence, SiteStanding
from standards.tests.factories import build_world, jpeg_with_gps
from standards.tiers import table_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


def _raw(site: Site, tier: str) -> dict[str, list[str]]:
    return answers_for_tier(table_load(site.kind), tier)


def test_submit_then_town_approves_sets_the_approved_tier(w):
    a = services.assessment_submit(actor=w.staff_a, site=w.station_a, raw=_raw(w.station_a, "standard"))
    assert a.status == Assessment.Status.SUBMITTED and a.computed_tier == "standard"
    assert not SiteStanding.objects.filter(site=w.station_a).exists()  # not approved yet
    services.assessment_review(actor=w.town_a, assessment=a, approve=True)
    standing = SiteStanding.objects.get(site=w.station_a)
    assert standing.tier == "standard" and standing.next_tier == "benchmark"
    assert "面积差 50㎡" in standing.gaps
    kinds = list(
        AssessmentEvent.objects.filter(assessment=a).order_by("at", "id").values_list("kind", "actor")
    )
    assert kinds == [("submitted", w.staff_a.pk), ("approved", w.town_a.pk)]
    assert AuditLog.objects.filter(action="assessment_approved", target_id=w.station_a.code).exists()


def test_return_needs_a_reason_and_is_kept_in_history(w):
    a = services.assessment_submit(actor=w.staff_a, site=w.station_a, raw=_raw(w.station_a, "basic"))
    with pytest.raises(ApplicationError) as err:
        services.assessment_review(actor=w.town_a, assessment=a, approve=False, reason="  ")
    assert err.value.status == 400
    a.refresh_from_db()
    assert a.status == Assessment.Status.SUBMITTED
    services.assessment_review(actor=w.town_a, assessment=a, approve=False, reason="面积与照片不符")
    a.refresh_from_db()
    assert a.status == Assessment.Status.RETURNED and a.review_reason == "面积与照片不符"
    assert not SiteStanding.objects.filter(site=w.station_a).exists()
    # the station submits again; both submissions stay in the history
    b = services.assessment_submit(actor=w.staff_a, site=w.station_a, raw=_raw(w.station_a, "basic"))
    services.assessment_review(actor=w.town_a, assessment=b, approve=True)
    events = AssessmentEvent.objects.filter(assessment__site=w.station_a).values_list("kind", flat=True)
    assert sorted(events) == ["approved", "returned", "submitted", "submitted"]


def test_review_permissions(w):
    a = services.assessment_submit(actor=w.staff_a, site=w.station_a, raw=_raw(w.station_a, "basic"))
    for outsider in (w.town_b, w.staff_a, w.staff_b, w.grid_a):
        with pytest.raises(ApplicationError) as err:
            services.assessment_review(actor=outsider, assessment=a, approve=True)
        assert err.value.status == 403
    # the town does not approve its own center: the district does
    c = services.assessment_submit(actor=w.town_a, site=w.center_a, raw=_raw(w.center_a, "basic"))
    with pytest.raises(ApplicationError) as err:
        services.assessment_review(actor=w.town_a, assessment=c, approve=True)
    assert err.value.status == 403
    services.assessment_review(actor=w.district, assessment=c, approve=True)
    assert SiteStanding.objects.get(site=w.center_a).tier == "basic"
    # a decided assessment cannot be decided again
    services.assessment_review(actor=w.town_a, assessment=a, approve=True)
    with pytest.raises(ApplicationError) as err:
        services.assessment_review(actor=w.town_a, assessment=a, approve=False, reason="x")
    assert err.value.status == 409


def test_submit_permissions_and_one_pending_at_a_time(w):
    for outsider in (w.staff_b, w.town_b, w.grid_a):
        with pytest.raises(ApplicationError) as err:
            services.assessment_submit(actor=outsider, site=w.station_a, raw={})
        assert err.value.status == 403
    services.assessment_submit(actor=w.staff_a, site=w.station_a, raw={})
    with pytest.raises(ApplicationError) as err:
        services.assessment_submit(actor=w.town_a, site=w.station_a, raw={})
    assert err.value.status == 409
    assert Assessment.objects.filter(site=w.station_a).count() == 1


def test_system_facts_are_filled_in_and_contradictions_reported(w):
    site = w.station_a
    # the record: published policy (factory), a rota next week, a self-service terminal; no AB backups
    DutyShiftFactory(site=site, date=timezone.localdate() + timedelta(days=3))
    Site.objects.create(code="T-A", name="自助终端", kind=Site.Kind.TERMINAL, area=site.area, parent=site)
    raw = {"rules-items": ["AB岗工作制度"], "equipment-items": []}
    a = services.assessment_submit(actor=w.staff_a, site=site, raw=raw)
    rules = a.answers["rules"]["items"]
    assert "帮办代办制度" in rules and "干部轮值制度" in rules  # 系统核验, not typed
    assert "自助服务终端" in a.answers["equipment"]["items"]
    assert set(a.system["verified"]["rules"]) == {"帮办代办制度", "干部轮值制度"}
    warnings = a.system["warnings"]
    assert any("AB岗工作制度" in m and "备岗人" in m for m in warnings["rules"])
    assert "“好差评”评价器" not in a.answers["facilities"]["items"]  # no kiosk rating on record


def test_backups_configured_verify_ab_rule(w):
    site = w.station_a
    backup = AgentFactory(kind=Agent.Kind.STATION_STAFF, sites=[site])
    for agent in Agent.objects.filter(
        sites=site, kind__in=["station_staff", "town_staff", "community_worker", "cadre"]
    ):
        if agent.pk != backup.pk:
            agent.backup = backup
            agent.save()
    backup.backup = Agent.objects.filter(sites=site, kind="station_staff").exclude(pk=backup.pk).first()
    backup.save()
    a = services.assessment_submit(actor=w.staff_a, site=site, raw={})
    assert "AB岗工作制度" in a.answers["rules"]["items"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"staffing-full_time": ["-1"]}, "不能为负数"),
        ({"area-value": ["大约五十"]}, "须为数字"),
        ({"area-value": ["-3"]}, "不能为负数"),
        ({"seats-value": ["1.5"]}, "须为整数"),
        ({"zones-items": ["业务办理区", "停机坪"]}, "未知项目"),
        ({"staffing-attendance": ["随意"]}, "坐班方式"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_saved(w, raw, message):
    with pytest.raises(ApplicationError) as err:
        services.assessment_submit(actor=w.staff_a, site=w.station_a, raw=raw)
    assert err.value.status == 400 and message in err.value.message
    assert not Assessment.objects.exists() and not AssessmentEvent.objects.exists()


def test_photo_is_re_encoded_without_gps_and_bad_photos_save_nothing(w, settings):
    good = io.BytesIO(jpeg_with_gps())
    a = services.assessment_submit(
        actor=w.staff_a, site=w.station_a, raw=_raw(w.station_a, "basic"), photos={"area": good}
    )
    evidence = Evidence.objects.get(assessment=a, row_key="area")
    with default_storage.open(evidence.photo.name) as fh, Image.open(fh) as img:
        assert img.format == "JPEG" and not img.getexif()
    services.assessment_review(actor=w.town_a, assessment=a, approve=True)
    # a second submission: one good photo, one that is not an image → refused, no new rows, no new files
    before = set(default_storage.listdir("standards/evidence/" + timezone.now().strftime("%Y/%m"))[1])
    with pytest.raises(ApplicationError) as err:
        services.assessment_submit(
            actor=w.staff_a,
            site=w.station_a,
            raw={},
            photos={"zones": io.BytesIO(jpeg_with_gps()), "rules": io.BytesIO(b"%PDF-1.4 not a photo")},
        )
    assert err.value.status == 400 and err.value.extra["field"] == "rules-photo"
    settings.UPLOAD_IMAGE_MAX_BYTES = 1000
    with pytest.raises(ApplicationError) as err:
        services.assessment_submit(
            actor=w.staff_a,
            site=w.station_a,
            raw={},
            photos={"zones": io.BytesIO(jpeg_with_gps((400, 400)) + b"\0" * 2000)},
        )
    assert err.value.extra["code"] == "too_large"
    with pytest.raises(ApplicationError):
        services.assessment_submit(
            actor=w.staff_a, site=w.station_a, raw={}, photos={"nosuchrow": io.BytesIO(b"x")}
        )
    assert Assessment.objects.count() == 1 and Evidence.objects.count() == 1
    after = set(default_storage.listdir("standards/evidence/" + timezone.now().strftime("%Y/%m"))[1])
    assert after == before


def test_photos_carry_over_to_the_next_submission(w):
    a = services.assessment_submit(
        actor=w.staff_a, site=w.station_a, raw={}, photos={"area": io.BytesIO(jpeg_with_gps())}
    )
    services.assessment_review(actor=w.town_a, assessment=a, approve=False, reason="补充设备")
    b = services.assessment_submit(actor=w.staff_a, site=w.station_a, raw={})
    assert b.evidence.get(row_key="area").photo.name == a.evidence.get(row_key="area").photo.name
