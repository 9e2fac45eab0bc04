"""典型案例: propose from a completed, very-satisfied case; personal data refused; consent before publish;
the town publishes; public pages per town and district; the hall screen's rotation; the demo."""

import pytest

from core.exceptions import ApplicationError
from notifications.models import Notification
from residents.services import rating_create
from showcase import services
from showcase.models import TypicalCase
from workflows.tests.helpers import drive_to

STORY = {
    "title": "网格员上门，老人当天拿到证明",
    "story": "一位行动不便的老人需要开具居住证明，网格员当天上门核对材料，次日把证明送到家中。",
    "what_worked": "包片到户、一次性告知、上门送达。",
}


def rated_case(world, value=5):
    case = drive_to(world, "completed")
    rating_create(case=case, value=value)
    case.refresh_from_db()
    return case


def propose(world, case=None, **kw):
    return services.typical_case_propose(actor=world.staff, case=case or rated_case(world), **{**STORY, **kw})


def test_propose_copies_no_personal_data(world):
    case = rated_case(world)
    typical = propose(world, case)
    assert typical.status == "proposed" and typical.consent == "none"
    assert typical.town == world.center and typical.site == world.station
    assert typical.matter_name == case.matter.name
    stored = " ".join(str(v) for v in TypicalCase.objects.filter(pk=typical.pk).values().get().values())
    for personal in (
        case.resident_name,
        case.address,
        str(case.resident_phone),
        str(case.resident_phone)[3:],
    ):
        assert personal not in stored


def test_only_completed_very_satisfied_cases_can_be_proposed(world):
    with pytest.raises(ApplicationError) as exc:
        propose(world, rated_case(world, value=4))
    assert exc.value.status == 409 and "非常满意" in exc.value.message
    with pytest.raises(ApplicationError) as exc:
        propose(world, drive_to(world, "submitted"))
    assert exc.value.status == 409
    case = rated_case(world)
    propose(world, case)
    with pytest.raises(ApplicationError):
        propose(world, case)  # once per case


@pytest.mark.parametrize(
    ("field", "text", "found"),
    [
        ("story", "老人电话13800138000，随时回访。", "电话号码"),
        ("what_worked", "核对身份证37010219800101123X后办理。", "身份证号码"),
        ("title", "王秀英老人当天拿到证明", "群众姓名"),  # the case's resident (workflows.tests.helpers)
    ],
)
def test_personal_data_in_text_is_refused_with_a_clear_message(world, field, text, found):
    with pytest.raises(ApplicationError) as exc:
        propose(world, **{field: text})
    assert exc.value.status == 400
    assert found in exc.value.message and "请删除后再提交" in exc.value.message
    assert exc.value.extra["field"] == field
    assert not TypicalCase.objects.exists()


def test_propose_page_shows_the_refusal_and_keeps_the_text(client, world):
    case = rated_case(world)
    client.force_login(world.staff)
    home = client.get("/showcase/staff/").content.decode()
    assert case.case_no in home  # a candidate
    response = client.post(
        f"/showcase/staff/propose/{case.case_no}/", {**STORY, "story": "电话138 0013 8000"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "案例经过中含有电话号码" in html and "138 0013 8000" in html  # kept for editing
    response = client.post(f"/showcase/staff/propose/{case.case_no}/", STORY)
    assert response.status_code == 302
    assert TypicalCase.objects.get(case=case).title == STORY["title"]


def test_publishing_needs_consent_first(world):
    typical = propose(world)
    with pytest.raises(ApplicationError) as exc:
        services.typical_case_publish(actor=world.town, typical=typical)
    assert exc.value.status == 409 and "同意" in exc.value.message
    services.typical_case_consent_request(actor=world.staff, typical=typical)
    with pytest.raises(ApplicationError):
        services.typical_case_publish(actor=world.town, typical=typical)  # asked, not yet answered
    typical.refresh_from_db()
    assert typical.status == "proposed"


def test_consent_by_sms_link(client, world):
    typical = propose(world)
    services.typical_case_consent_request(actor=world.staff, typical=typical)
    sms = Notification.objects.get(template="showcase_consent")
    assert sms.recipient_phone == str(typical.case.resident_phone)
    token = services.consent_token(typical)
    assert f"/showcase/consent/{token}/" in sms.text
    page = client.get(f"/showcase/consent/{token}/")
    assert page.status_code == 200 and STORY["story"] in page.content.decode()
    assert client.post(f"/showcase/consent/{token}/", {"answer": "agree"}).status_code == 200
    typical.refresh_from_db()
    assert (typical.consent, typical.consent_method) == ("given", "sms") and typical.consent_at is not None
    assert client.get("/showcase/consent/bad-token/").status_code == 404
    services.typical_case_publish(actor=world.town, typical=typical)
    typical.refresh_from_db()
    assert typical.status == "published"


def test_refusal_by_link_takes_a_published_case_down(client, world):
    typical = propose(world)
    services.typical_case_consent_verbal(actor=world.staff, typical=typical, given_by="本人")
    services.typical_case_publish(actor=world.town, typical=typical)
    client.post(f"/showcase/consent/{services.consent_token(typical)}/", {"answer": "refuse"})
    typical.refresh_from_db()
    assert typical.consent == "refused" and typical.status == "returned"
    assert client.get(f"/showcase/{typical.pk}/").status_code == 404


def test_verbal_consent_records_who_and_when(client, world):
    typical = propose(world)
    client.force_login(world.staff)
    response = client.post(
        f"/showcase/staff/{typical.pk}/consent-verbal/",
        {"given_by": "本人（电话回访时）", "at": "2026-05-20T10:30"},
    )
    assert response.status_code == 302
    typical.refresh_from_db()
    assert typical.consent == "given" and typical.consent_method == "verbal"
    assert typical.consent_by == "本人（电话回访时）" and typical.consent_recorded_by == world.staff
    assert typical.consent_at.isoformat().startswith("2026-05-20T")
    assert client.post(f"/showcase/staff/{typical.pk}/consent-verbal/", {"given_by": ""}).status_code == 400


def test_only_the_town_or_district_publishes(client, world):
    typical = propose(world)
    services.typical_case_consent_verbal(actor=world.staff, typical=typical, given_by="本人")
    client.force_login(world.staff)
    assert client.post(f"/showcase/staff/{typical.pk}/publish/").status_code == 403
    client.force_login(world.staff2)  # another town: not even visible
    assert client.post(f"/showcase/staff/{typical.pk}/publish/").status_code == 404
    client.force_login(world.town)
    assert client.post(f"/showcase/staff/{typical.pk}/publish/").status_code == 302
    typical.refresh_from_db()
    assert typical.status == "published" and typical.reviewed_by == world.town


def test_town_returns_a_proposal_and_staff_edit_it(client, world):
    typical = propose(world)
    client.force_login(world.town)
    assert client.post(f"/showcase/staff/{typical.pk}/return/", {"note": ""}).status_code == 400
    client.post(f"/showcase/staff/{typical.pk}/return/", {"note": "请补充经验做法"})
    typical.refresh_from_db()
    assert typical.status == "returned"
    client.force_login(world.staff)
    bad = client.post(f"/showcase/staff/{typical.pk}/edit/", {**STORY, "what_worked": "秀英阿姨说好"})
    assert bad.status_code == 400 and "群众姓名" in bad.content.decode()
    client.post(f"/showcase/staff/{typical.pk}/edit/", {**STORY, "what_worked": "包片到户、全程代办。"})
    typical.refresh_from_db()
    assert typical.status == "proposed" and typical.what_worked == "包片到户、全程代办。"


def _published(world):
    typical = propose(world)
    services.typical_case_consent_verbal(actor=world.staff, typical=typical, given_by="本人")
    return services.typical_case_publish(actor=world.town, typical=typical)


def test_public_pages_per_district_and_town(client, world):
    unpublished = propose(world, title="尚未发布的案例")
    typical = _published(world)
    district = client.get("/showcase/").content.decode()
    assert typical.title in district and unpublished.title not in district
    town = client.get(f"/showcase/towns/{world.center.code}/").content.decode()
    assert typical.title in town
    assert typical.title not in client.get(f"/showcase/towns/{world.center2.code}/").content.decode()
    detail = client.get(f"/showcase/{typical.pk}/")
    html = detail.content.decode()
    assert detail.status_code == 200 and STORY["what_worked"] in html
    assert f"http://testserver/showcase/{typical.pk}/" in html  # the shareable link
    assert typical.case.resident_name not in html and typical.case.case_no not in html
    assert client.get(f"/showcase/{unpublished.pk}/").status_code == 404
    assert client.get("/showcase/towns/nope/").status_code == 404


def test_hall_screen_rotates_the_towns_published_cases(client, world):
    html = client.get(f"/sites/{world.station.code}/screen/").content.decode()
    assert "sc-rotation" not in html  # nothing published yet: no empty strip
    typical = _published(world)
    html = client.get(f"/sites/{world.station_b.code}/screen/").content.decode()  # same town, other station
    assert "典型案例" in html and typical.title in html
    assert typical.title not in client.get(f"/sites/{world.station2.code}/screen/").content.decode()


def test_demo_has_training_events_and_two_published_cases(db):
    from django.core.management import call_command

    from training.models import TrainingEvent

    call_command("demo_data", "--force", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("demo_data", "--force", stdout=open("/dev/null", "w"))  # idempotent  # noqa: SIM115
    assert TypicalCase.objects.filter(status="published").count() == 2
    assert TrainingEvent.objects.filter(kind="contest").exists() and TrainingEvent.objects.count() >= 8
    for typical in TypicalCase.objects.all():
        assert typical.consent == "given" and typical.consent_by
