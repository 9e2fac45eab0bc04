"""Resident HTML pages: the no-JavaScript flow (phone → code → cases → rating), SMS link, kiosk, lookup."""

import re

import pytest
from django.test import Client

from residents.kiosk import kiosk_presence_code
from residents.models import DoorstepRequest, Rating
from residents.tests.track_helpers import OTHER_PHONE, PHONE, completed_case, outbox, private_cache  # noqa: F401
from workflows.feedback_links import feedback_link_token
from workflows.models import Case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]


def sign_in(client: Client, outbox, phone: str = PHONE):  # noqa: F811
    response = client.post("/track/otp/", {"phone": phone})
    assert response.status_code == 302 and response["Location"] == "/track/code/"
    code = outbox.of("otp_code")[-1]["context"]["code"]
    response = client.post("/track/code/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/track/"
    return client.get("/track/")


def test_start_page_forms_and_no_inline_script(client):
    response = client.get("/track/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="phone"' in html and 'name="case_no"' in html and 'name="phone_tail"' in html
    assert "大字模式" in html
    assert "/static/js/track.js" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline scripts are blocked by the CSP"
    assert "track" in re.search(r'<body class="([^"]*)"', html).group(1)


def test_full_no_js_flow_sign_in_see_case_and_rate(world, outbox):  # noqa: F811
    case = completed_case(world)
    completed_case(world, phone=OTHER_PHONE, name="李四光")
    client = Client()
    page = sign_in(client, outbox)
    html = page.content.decode()
    assert case.case_no in html
    assert "李四光" not in html
    assert Case.objects.filter(resident_phone=OTHER_PHONE).get().case_no not in html
    assert "138****8000" in html
    assert "已办结" in html
    assert 'data-speak="status-' in html
    # rate it through the plain form
    response = client.post(
        f"/track/cases/{case.case_no}/feedback/", {"rating": "5", "aspect_0": "5", "comment": "好"}
    )
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert rating.value == 5 and rating.aspects == {"服务态度": 5}
    html = client.get("/track/").content.decode()
    assert "感谢您的评价" in html
    assert "5分（非常满意）" in html


def test_wrong_code_shows_error_on_page(world, outbox):  # noqa: F811
    client = Client()
    client.post("/track/otp/", {"phone": PHONE})
    code = outbox.of("otp_code")[-1]["context"]["code"]
    wrong = "000000" if code != "000000" else "111111"
    response = client.post("/track/code/", {"code": wrong})
    assert response.status_code == 400
    assert "验证码错误" in response.content.decode()


def test_rating_another_residents_case_from_page_is_404(world, outbox):  # noqa: F811
    theirs = completed_case(world, phone=OTHER_PHONE)
    client = Client()
    sign_in(client, outbox)
    response = client.post(f"/track/cases/{theirs.case_no}/feedback/", {"rating": "1"})
    assert response.status_code == 404
    assert not Rating.objects.exists()


def test_cookie_is_signed_and_httponly(world, outbox):  # noqa: F811
    client = Client()
    sign_in(client, outbox)
    cookie = client.cookies["bb_track"]
    assert cookie["httponly"]
    forged = Client()
    forged.cookies["bb_track"] = "forged-token"
    assert "获取验证码" in forged.get("/track/").content.decode()


def test_sms_link_one_use(world, outbox):  # noqa: F811
    case = completed_case(world)
    url = f"/rate/{feedback_link_token(case=case)}/"
    client = Client()
    page = client.get(url)
    assert page.status_code == 200 and 'name="rating"' in page.content.decode()
    response = client.post(url, {"rating": "2", "comment": "太慢"})
    assert response.status_code == 200 and "感谢您的评价" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "rectifying"
    assert Rating.objects.get().channel == "sms_link"
    again = client.post(url, {"rating": "5"})
    assert again.status_code == 409
    assert Rating.objects.count() == 1
    assert client.get("/rate/bogus-token/").status_code == 404


def test_lookup_page(world, client):
    from workflows.tests.factories import CaseFactory

    case = CaseFactory(site=world.station, matter=world.matter, resident_phone=PHONE, resident_name="赵六")
    ok = client.get("/track/lookup/", {"case_no": case.case_no, "phone_tail": "8000"})
    assert ok.status_code == 200 and case.case_no in ok.content.decode()
    assert "赵" not in ok.content.decode()
    bad = client.get("/track/lookup/", {"case_no": case.case_no, "phone_tail": "0000"})
    assert bad.status_code == 404


def test_doorstep_page(world, outbox):  # noqa: F811
    case = completed_case(world)
    client = Client()
    sign_in(client, outbox)
    assert client.get("/track/doorstep/").status_code == 200
    response = client.post(
        "/track/doorstep/", {"case_no": case.case_no, "note": "腿脚不便", "for_family": "1"}
    )
    assert response.status_code == 302
    assert DoorstepRequest.objects.get().for_family is True


def test_kiosk_one_rating_at_a_time(world, outbox):  # noqa: F811
    world.agent_grid.is_published = True
    world.agent_grid.save()
    client = Client()
    url = f"/sites/{world.station.code}/rate/"
    page = client.get(url)
    assert page.status_code == 200 and world.agent_grid.name in page.content.decode()
    # no proof of presence (issue 33): refused; the station's current code: taken
    assert client.post(url, {"agent": str(world.agent_grid.pk), "rating": "4"}).status_code == 400
    code, _ = kiosk_presence_code(world.station)
    response = client.post(url, {"agent": str(world.agent_grid.pk), "rating": "4", "presence_code": code})
    assert response.status_code == 302 and response["Location"].endswith("?done=1")
    assert Rating.objects.get().agent == world.agent_grid
    assert "感谢您的评价" in client.get(response["Location"]).content.decode()
    missing = client.post(url, {"rating": "4", "presence_code": code})
    assert missing.status_code == 400
    assert client.get("/sites/NOPE/rate/").status_code == 404
