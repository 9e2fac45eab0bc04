"""Issue 33 (high): forging another resident's rating from home.

The attack as reproduced: read case numbers off the public Open311 list, then post a 1-star rating on the
station's kiosk page guessing the 4-digit phone tail, forcing rectification and staff alerts. Each step now
fails: the list carries opaque ids, the kiosk wants proof of presence, and wrong tails lock the case number.
"""

from typing import Any

import pytest
from django.test import Client, override_settings

from notifications.models import Notification
from residents.kiosk import DEVICE_COOKIE, kiosk_presence_code
from residents.models import Rating
from residents.tests.track_helpers import advance
from tests.security.conftest import SecWorld
from workflows.models import Case


@pytest.fixture
def done(sec_world: SecWorld) -> Case:
    return advance(sec_world.world, sec_world.case, to="completed")


def _kiosk(sw: SecWorld) -> str:
    return f"/sites/{sw.world.station.code}/rate/"


def _status(case: Case) -> str:
    return Case.objects.get(pk=case.pk).status


@pytest.mark.django_db
def test_open311_list_is_not_an_index_of_case_numbers(sec_world: SecWorld, done: Case) -> None:
    for url in ("/open311/v2/requests.json", "/open311/v2/requests.xml"):
        body = Client().get(url).content.decode()
        assert "service_request_id" in body
        assert done.case_no not in body and sec_world.case2.case_no not in body
    # nor can the detail URL be used to test a guessed number
    assert Client().get(f"/open311/v2/requests/{done.case_no}.json").status_code == 404
    assert Client().get(f"/open311/v2/requests.json?service_request_id={done.case_no}").json() == []


@pytest.mark.django_db
def test_kiosk_rating_from_home_without_presence_is_refused(sec_world: SecWorld, done: Case) -> None:
    attacker = Client()
    for tail in ("0000", "8000", "1234"):  # even the right tail ("8000") without the station's code
        response = attacker.post(
            _kiosk(sec_world), {"case_no": done.case_no, "phone_tail": tail, "rating": "1", "comment": "差"}
        )
        assert response.status_code == 400
        assert "现场评价码" in response.content.decode()
    wrong_code = attacker.post(
        _kiosk(sec_world),
        {"case_no": done.case_no, "phone_tail": "8000", "rating": "1", "presence_code": "123456"},
    )
    assert wrong_code.status_code == 400
    assert not Rating.objects.exists() and _status(done) == "completed"
    assert not Notification.objects.filter(template="bad_rating").exists()


@pytest.mark.django_db
@override_settings(TRACK_RATE_LIMITS="kiosk_case=3/h,lookup_ip=1000/m")
def test_wrong_tails_lock_the_case_number_whatever_the_address(sec_world: SecWorld, done: Case) -> None:
    code, _ = kiosk_presence_code(sec_world.world.station)  # the attacker even stands in the hall
    statuses = []
    for n, tail in enumerate(("0000", "1111", "2222")):
        statuses.append(
            Client(REMOTE_ADDR=f"198.51.100.{n}")
            .post(
                _kiosk(sec_world),
                {"case_no": done.case_no, "phone_tail": tail, "rating": "1", "presence_code": code},
            )
            .status_code
        )
    assert statuses == [404, 404, 404]
    # locked for this route: the right tail from a fresh address is refused too
    locked = Client(REMOTE_ADDR="192.0.2.99").post(
        _kiosk(sec_world),
        {"case_no": done.case_no.lower(), "phone_tail": "8000", "rating": "1", "presence_code": code},
    )
    assert locked.status_code == 429
    assert not Rating.objects.exists() and _status(done) == "completed"
    # the resident's own routes still work: the signed SMS link is not locked
    from workflows.feedback_links import feedback_link_token

    link = Client().post(f"/rate/{feedback_link_token(case=done)}/", {"rating": "5"})
    assert link.status_code == 200 and Rating.objects.get().value == 5


@pytest.mark.django_db
def test_the_right_tail_with_the_stations_code_rates(sec_world: SecWorld, done: Case) -> None:
    code, _ = kiosk_presence_code(sec_world.world.station)
    ok = Client().post(
        _kiosk(sec_world),
        {"case_no": done.case_no, "phone_tail": "8000", "rating": "4", "presence_code": code},
    )
    assert ok.status_code == 302 and Rating.objects.get().case_id == done.pk


@pytest.mark.django_db
def test_code_page_is_for_the_stations_staff_only(sec_world: SecWorld) -> None:
    url = f"/sites/{sec_world.world.station.code}/rate/code/"
    assert sec_world.client("anonymous").get(url).status_code == 302
    assert sec_world.client("grid").get(url).status_code == 403
    assert sec_world.client("staff2").get(url).status_code == 404  # another town's station
    page = sec_world.client("staff").get(url)
    assert page.status_code == 200
    assert kiosk_presence_code(sec_world.world.station)[0] in page.content.decode()
    # the public kiosk and hall-screen pages never show it
    code = kiosk_presence_code(sec_world.world.station)[0]
    for public in (_kiosk(sec_world), f"/sites/{sec_world.world.station.code}/screen/"):
        assert code not in Client().get(public).content.decode()


@pytest.mark.django_db
def test_enrolled_tablet_needs_no_code_and_its_cookie_cannot_be_forged(sec_world: SecWorld) -> None:
    agent = sec_world.world.agent_grid
    agent.is_published = True
    agent.save()
    forged = Client()
    forged.cookies[DEVICE_COOKIE] = sec_world.world.station.code  # unsigned
    assert forged.post(_kiosk(sec_world), {"agent": str(agent.pk), "rating": "5"}).status_code == 400
    tablet = sec_world.client("staff")
    enrolled = tablet.post(f"/sites/{sec_world.world.station.code}/rate/enroll/")
    assert enrolled.status_code == 302
    device = enrolled.cookies[DEVICE_COOKIE].value
    tablet = Client()  # the tablet is then handed to residents, signed out: only its device cookie stays
    tablet.cookies[DEVICE_COOKIE] = device
    assert tablet.post(_kiosk(sec_world), {"agent": str(agent.pk), "rating": "5"}).status_code == 302
    # enrolled for this station only
    other = tablet.post(f"/sites/{sec_world.world.station2.code}/rate/", {"rating": "5"})
    assert other.status_code == 400 and Rating.objects.count() == 1
    # another town's staff cannot enroll a tablet for this station
    assert (
        sec_world.client("staff2").post(f"/sites/{sec_world.world.station.code}/rate/enroll/").status_code
        == 404
    )


@pytest.mark.django_db
@override_settings(TRACK_RATE_LIMITS="rate_ip=3/h,rate_agent=5/h,lookup_ip=1000/m")
def test_anonymous_agent_ratings_are_limited_per_address_and_per_agent(sec_world: SecWorld) -> None:
    agent = sec_world.world.agent_grid
    agent.is_published = True
    agent.save()
    code, _ = kiosk_presence_code(sec_world.world.station)
    body: dict[str, Any] = {"agent": str(agent.pk), "rating": "1", "presence_code": code}
    one = Client(REMOTE_ADDR="198.51.100.1")
    assert [one.post(_kiosk(sec_world), body).status_code for _ in range(4)] == [302, 302, 302, 429]
    # spreading over addresses: the agent's own limit holds
    spread = [
        Client(REMOTE_ADDR=f"203.0.113.{n}").post(_kiosk(sec_world), body).status_code for n in range(4)
    ]
    assert spread == [302, 302, 429, 429]
    assert Rating.objects.filter(agent=agent, case__isnull=True).count() == 5
