"""Cross-app scenario: a resident, the case workflow's API, the real notification outbox and the sweeps.

Nothing is mocked: the OTP is read from the outbox row, staff act through the staff API (including the case
workflow's ``rectify`` action), escalations are outbox rows with dedupe keys.
"""

import datetime as dt

import pytest
from django.conf import settings
from freezegun import freeze_time
from rest_framework.test import APIClient

from notifications.models import Notification
from residents.models import Rating, Rectification
from residents.tasks import bad_rating_sweep, feedback_autoclose_sweep
from residents.tests.track_helpers import PHONE, completed_case, private_cache  # noqa: F401
from workflows.models import Case
from workflows.tests.factories import make_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]

MONDAY_10 = "2026-03-02 02:00:00"  # 10:00 Shanghai, Monday


def resident(phone: str = PHONE) -> APIClient:
    client = APIClient(REMOTE_ADDR="10.1.1.1")
    assert client.post("/api/v1/track/otp/", {"phone": phone}, format="json").status_code == 202
    otp = Notification.objects.filter(template="otp_code", recipient_phone=phone).order_by("-id").first()
    assert otp is not None and otp.audience == "otp"
    code = otp.context["code"]
    response = client.post("/api/v1/track/verify/", {"phone": phone, "code": code}, format="json")
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    return client


def staff(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_bad_rating_loop_through_case_api_and_real_outbox():
    world = make_world()
    with freeze_time(MONDAY_10) as frozen:
        case = completed_case(world)
        me = resident()
        [item] = me.get("/api/v1/track/cases/").json()
        assert item["feedback_allowed"] is True

        response = me.post(
            f"/api/v1/track/cases/{case.case_no}/feedback/",
            {"rating": 2, "comment": "没人接电话"},
            format="json",
        )
        assert response.status_code == 201
        assert response.json()["case_status"] == "rectifying"
        rating = Rating.objects.get()
        alert = Notification.objects.get(dedupe_key__startswith=f"rating:{rating.pk}:bad:")
        assert alert.audience == "staff" and alert.recipient_user_id == world.staff.pk
        assert "2" in alert.text

        frozen.tick(dt.timedelta(days=2))  # Wednesday: no call-back logged
        assert bad_rating_sweep() == 1
        late = Notification.objects.filter(template="bad_rating_callback_late")
        assert {n.recipient_user_id for n in late} == {world.staff.pk, world.town.pk}
        assert bad_rating_sweep() == 0
        assert Notification.objects.filter(template="bad_rating_callback_late").count() == 2

        # staff rectify through the case workflow's own action; the sweep records the report
        response = staff(world.staff).post(
            f"/api/v1/cases/{case.case_no}/rectify/", {"note": "已重新办理并致歉"}, format="json"
        )
        assert response.status_code == 200, response.content
        bad_rating_sweep()
        assert Rectification.objects.get(rating=rating).report == "已重新办理并致歉"

        me = resident()  # days later: a fresh code
        [item] = me.get("/api/v1/track/cases/").json()
        assert item["status"] == "completed" and item["feedback_followup"] is True
        assert (
            me.post(f"/api/v1/track/cases/{case.case_no}/feedback/", {"rating": 5}, format="json").status_code
            == 201
        )
        assert (
            me.post(f"/api/v1/track/cases/{case.case_no}/feedback/", {"rating": 5}, format="json").status_code
            == 409
        )

        # nobody closes it: the feedback window ends and the sweep closes it, on the timeline
        frozen.tick(dt.timedelta(days=10))
        assert feedback_autoclose_sweep() == 1
        assert Case.objects.get(pk=case.pk).status == "closed"
        [item] = resident().get("/api/v1/track/cases/").json()
        assert item["status"] == "closed"
        assert item["timeline"][-1]["kind"] == "closed"


def test_feedback_sms_carries_a_signed_one_use_link():
    from django.test import Client

    world = make_world()
    case = completed_case(world)
    sms = Notification.objects.get(template="feedback_request", dedupe_key=f"case:{case.case_no}:feedback")
    # issue 27: the link's domain is fixed template text; the variable carries only the path
    link = f"{settings.SITE_URL}/{sms.context['track_url']}"
    assert sms.context["track_url"].startswith("rate/")
    assert link in sms.text
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    assert client.post(f"/{path}", {"rating": "4"}).status_code == 200
    assert Rating.objects.get(case=case).channel == "sms_link"
    assert client.post(f"/{path}", {"rating": "1"}).status_code == 409  # one use
