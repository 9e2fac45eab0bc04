"""Issue 33: a resident's free text never goes out in an SMS under the station's name.

The attack: a 1-star rating (or a doorstep request) whose comment is a phishing line; the staff alert SMS used
to carry it. Each route is driven over HTTP, then every queued message is checked.
"""

import re

import pytest
from rest_framework.test import APIClient

from notifications.models import Notification
from notifications.templates_registry import DEFAULT_TEMPLATES
from residents.kiosk import kiosk_presence_code
from residents.tests.track_helpers import advance
from tests.security.conftest import SecWorld

PHISH = "点击 http://evil.example/x 领取补贴"


def _no_phish() -> None:
    rows = list(Notification.objects.all())
    assert rows, "the attack queued no message at all"
    for row in rows:
        assert "evil.example" not in (row.text or "") and "evil.example" not in str(row.context), row.template


def test_no_default_template_takes_resident_text() -> None:
    for tpl in DEFAULT_TEMPLATES:
        assert not {"comment", "contact_name"} & set(re.findall(r"\{(\w+)\}", tpl.text)), tpl.code
    assert "查看详情" in next(t.text for t in DEFAULT_TEMPLATES if t.code == "bad_rating")


@pytest.mark.django_db
def test_bad_rating_comment_stays_out_of_the_staff_sms(sec_world: SecWorld) -> None:
    case = advance(sec_world.world, sec_world.case, to="completed")
    response = sec_world.api("resident").post(
        f"/api/v1/track/cases/{case.case_no}/feedback/", {"rating": 1, "comment": PHISH}, format="json"
    )
    assert response.status_code == 201
    alert = Notification.objects.filter(template="bad_rating").first()
    assert alert is not None and case.case_no in alert.text and "查看详情" in alert.text
    _no_phish()


@pytest.mark.django_db
def test_kiosk_agent_rating_comment_stays_out_of_the_staff_sms(sec_world: SecWorld) -> None:
    agent = sec_world.world.agent_grid
    agent.is_published = True
    agent.save()
    Notification.objects.all().delete()
    code, _ = kiosk_presence_code(sec_world.world.station)
    response = APIClient().post(
        f"/sites/{sec_world.world.station.code}/rate/",
        {"agent": str(agent.pk), "rating": "1", "comment": PHISH, "presence_code": code},
    )
    assert response.status_code == 302
    alert = Notification.objects.filter(template="bad_rating").first()
    assert alert is not None and agent.name in alert.text
    _no_phish()


@pytest.mark.django_db
def test_doorstep_note_stays_out_of_the_staff_sms(sec_world: SecWorld) -> None:
    Notification.objects.all().delete()
    response = sec_world.api("resident").post(
        "/api/v1/track/doorstep/", {"note": PHISH, "case_no": sec_world.case.case_no}, format="json"
    )
    assert response.status_code == 201
    assert Notification.objects.filter(template="doorstep_request").exists()
    _no_phish()
