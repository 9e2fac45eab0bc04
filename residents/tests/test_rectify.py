"""One rectification, two doors: the case action ``rectify`` and the rating's rectify endpoint (and the two
staff pages in front of them) are one service with the same effects — the rectification record, the resident's
``rectification_done`` SMS with the follow-up link, one ``rectified`` timeline row, one follow-up rating."""

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from freezegun import freeze_time
from rest_framework.test import APIClient

from notifications.models import Notification
from residents import services as resident_services
from residents.models import Rating, Rectification
from residents.tests.track_helpers import PHONE, completed_case, outbox, private_cache  # noqa: F401
from workflows.models import Case, CaseEvent
from workflows.tests.factories import World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]
SH = ZoneInfo("Asia/Shanghai")


def _api(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def _via_case_action(world: World, rating: Rating) -> int:
    assert rating.case is not None
    response = _api(world.staff).post(
        f"/api/v1/cases/{rating.case.case_no}/rectify/", {"note": "已约谈帮办员，重新上门办理"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "completed"
    return response.status_code


def _via_rating_endpoint(world: World, rating: Rating) -> int:
    response = _api(world.staff).post(
        f"/api/v1/ratings/{rating.pk}/rectify/", {"report": "已约谈帮办员，重新上门办理"}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.status_code


def _via_staff_case_page(world: World, rating: Rating) -> int:
    assert rating.case is not None
    client = Client()
    client.force_login(world.staff)
    response = client.post(
        f"/staff/cases/{rating.case.case_no}/rectify/", {"rectify-note": "已约谈帮办员，重新上门办理"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response.status_code


def _via_staff_rating_page(world: World, rating: Rating) -> int:
    client = Client()
    client.force_login(world.staff)
    response = client.post(
        f"/staff/ratings/{rating.pk}/rectify/", {"rectify-report": "已约谈帮办员，重新上门办理"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response.status_code


DOORS: dict[str, Callable[[World, Rating], int]] = {
    "case_action_api": _via_case_action,
    "rating_api": _via_rating_endpoint,
    "staff_case_page": _via_staff_case_page,
    "staff_rating_page": _via_staff_rating_page,
}


def _resident(outbox) -> APIClient:  # noqa: F811
    client = APIClient(REMOTE_ADDR="10.0.0.9")
    client.post("/api/v1/track/otp/", {"phone": PHONE}, format="json")
    code = outbox.of("otp_code")[-1]["context"]["code"]
    token = client.post("/api/v1/track/verify/", {"phone": PHONE, "code": code}, format="json").json()[
        "token"
    ]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.parametrize("door", list(DOORS))
def test_every_door_has_the_same_effects(world, outbox, door):  # noqa: F811
    case = completed_case(world)
    rating = resident_services.rating_create(case=case, value=1, comment="没人上门")
    assert Case.objects.get(pk=case.pk).status == "rectifying"

    DOORS[door](world, rating)

    case.refresh_from_db()
    assert case.status == "completed"
    rect = Rectification.objects.get(rating=rating)
    assert rect.report == "已约谈帮办员，重新上门办理" and rect.by == world.staff
    assert rect.resident_notified_at is not None
    events = CaseEvent.objects.filter(case=case, kind="rectified")
    assert events.count() == 1
    assert events.get().data == {"rating_id": rating.pk, "rectification_id": rect.pk}
    sms = Notification.objects.get(template="rectification_done")
    assert sms.dedupe_key == f"case:{case.case_no}:rectified:{rating.pk}"
    assert sms.recipient_phone == PHONE and sms.audience == "resident"
    assert sms.text.startswith(
        f"【帮办代办】{case.site.name}：{case.matter.name}({case.case_no})已整改，请追评："
    )
    # issue 27: the variable carries the path only; the domain is fixed text of the registered template
    assert sms.context["track_url"].startswith("rate/")
    link = f"{settings.SITE_URL}/{sms.context['track_url']}"
    assert sms.text.endswith(link)
    # the SMS link is the follow-up rating link: it opens the 追评 form, and it takes exactly one rating
    path = link[link.index("/rate/") :]
    page = Client().get(path)
    assert page.status_code == 200 and "追评" in page.content.decode()
    resident = _resident(outbox)
    item = resident.get("/api/v1/track/cases/").json()[0]
    assert item["feedback_allowed"] is True and item["feedback_followup"] is True
    first = resident.post(f"/api/v1/track/cases/{case.case_no}/feedback/", {"rating": 4}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["is_followup"] is True
    again = resident.post(f"/api/v1/track/cases/{case.case_no}/feedback/", {"rating": 5}, format="json")
    assert again.status_code == 409
    assert Rating.objects.filter(case=case, is_followup=True).count() == 1


@pytest.mark.parametrize(
    ("first", "second"), [("case_action_api", "rating_api"), ("rating_api", "case_action_api")]
)
def test_the_other_door_then_refuses(world, outbox, first, second):  # noqa: F811
    case = completed_case(world)
    rating = resident_services.rating_create(case=case, value=2)
    DOORS[first](world, rating)
    if second == "rating_api":
        res = _api(world.staff).post(
            f"/api/v1/ratings/{rating.pk}/rectify/", {"report": "再报"}, format="json"
        )
    else:
        res = _api(world.staff).post(
            f"/api/v1/cases/{case.case_no}/rectify/", {"note": "再报"}, format="json"
        )
    assert res.status_code == 409
    assert Rectification.objects.count() == 1
    assert CaseEvent.objects.filter(case=case, kind="rectified").count() == 1
    assert Notification.objects.filter(template="rectification_done").count() == 1


def test_sms_waits_for_the_end_of_quiet_hours(world, outbox):  # noqa: F811
    with freeze_time(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)):
        case = completed_case(world)
        rating = resident_services.rating_create(case=case, value=1)
    with freeze_time(dt.datetime(2026, 3, 2, 22, 30, tzinfo=SH)):
        _via_case_action(world, rating)
    sms = Notification.objects.get(template="rectification_done")
    assert sms.send_after.astimezone(SH) == dt.datetime(2026, 3, 3, 8, 0, tzinfo=SH)


def test_rectified_follow_up_sms_points_at_track_without_a_third_rating(world, outbox):  # noqa: F811
    case = completed_case(world)
    rating = resident_services.rating_create(case=case, value=1)
    _via_case_action(world, rating)
    followup = resident_services.rating_create(case=Case.objects.get(pk=case.pk), value=2, followup=True)
    assert Case.objects.get(pk=case.pk).status == "rectifying"
    _via_case_action(world, followup)
    assert Rectification.objects.get(rating=followup)
    sms = Notification.objects.get(dedupe_key=f"case:{case.case_no}:rectified:{followup.pk}")
    assert sms.text.endswith(f"({case.case_no})已整改，详情：{settings.SITE_URL}/track/")
    assert resident_services.rating_kind_allowed(Case.objects.get(pk=case.pk)) is None


def test_case_action_validation_and_roles_unchanged(world, outbox):  # noqa: F811
    case = completed_case(world)
    resident_services.rating_create(case=case, value=1)
    url = f"/api/v1/cases/{case.case_no}/rectify/"
    assert _api(world.staff).post(url, {"note": "  "}, format="json").status_code == 400
    assert _api(world.grid_worker).post(url, {"note": "x"}, format="json").status_code == 403
    assert _api(world.staff2).post(url, {"note": "x"}, format="json").status_code == 404
    assert not Rectification.objects.exists()
    assert not Notification.objects.filter(template="rectification_done").exists()


def test_migration_backfills_rectifications_filed_through_the_old_case_door(world, outbox):  # noqa: F811
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    # the models as that migration saw them (Rating was still in workflows then; same tables now)
    apps = MigrationLoader(connection).project_state(("workflows", "0007_i17_backfill_rectifications")).apps

    case = completed_case(world)
    rating = resident_services.rating_create(case=case, value=1)
    _via_case_action(world, rating)
    Rectification.objects.all().delete()  # what the old case action left: the event, no record
    untouched = resident_services.rating_create(case=completed_case(world, phone="13900139000"), value=2)
    migration = importlib.import_module("workflows.migrations.0007_i17_backfill_rectifications")
    migration.backfill(apps, None)
    migration.backfill(apps, None)  # idempotent
    rect = Rectification.objects.get()
    assert rect.rating_id == rating.pk and rect.report == "已约谈帮办员，重新上门办理"
    assert not Rectification.objects.filter(rating=untouched).exists()  # still in rectification
    assert resident_services.rating_kind_allowed(Case.objects.get(pk=case.pk)) is True
