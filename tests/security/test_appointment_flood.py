"""Issue 33: appointment slots filled by anonymous fake bookings. The attack over HTTP, and the normal flow.

Booking needs the phone proved by SMS code (the ``/track/`` sign-in); one phone holds at most
``APPOINTMENT_MAX_OPEN_PER_PHONE`` open bookings."""

import datetime as dt

import pytest
from django.test import Client

from agency.tests.factories import SiteMatterFactory
from residents import appointments
from residents.models import Appointment
from residents.tests.track_helpers import outbox, private_cache  # noqa: F401
from workflows.tests.factories import make_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]

# two days ahead of the real today: the open-booking cap counts bookings from today on
MONDAY = dt.date.today() + dt.timedelta(days=10)
TUESDAY = MONDAY + dt.timedelta(days=1)


@pytest.fixture
def offered(db, monkeypatch):
    world = make_world()
    SiteMatterFactory(site=world.station, matter=world.matter)
    monkeypatch.setattr(appointments, "bookable_days", lambda today=None: [MONDAY, TUESDAY])
    return world


def booking(world, half_day="am", day=MONDAY, **extra):
    data = {
        "site": world.station.code,
        "matter": world.matter.code,
        "date": day.isoformat(),
        "half_day": half_day,
        "resident_name": "李四",
    }
    return {**data, **extra}


def sign_in_and_back(client, outbox, phone, site_code):  # noqa: F811
    """The page flow without JS: form → sign-in with ?next → code → back on the form."""
    first = client.get(f"/appointments/?site={site_code}")
    assert first.status_code == 302 and first["Location"].startswith("/track/?next=")
    start = client.get(first["Location"])
    assert 'name="next" value="/appointments/?site=' in start.content.decode()
    sent = client.post("/track/otp/", {"phone": phone, "next": f"/appointments/?site={site_code}"})
    assert sent.status_code == 302
    code = outbox.of("otp_code")[-1]["context"]["code"]
    back = client.post("/track/code/", {"code": code})
    assert back.status_code == 302 and back["Location"] == f"/appointments/?site={site_code}"
    return client


def test_anonymous_posts_cannot_fill_a_slot(offered, settings):
    settings.APPOINTMENT_SLOT_CAPACITY = 2
    attacker = Client()
    for i in range(5):
        resp = attacker.post("/appointments/", booking(offered, resident_phone=f"1380013800{i}"))
        assert resp.status_code == 302 and resp["Location"].startswith("/track/")
    assert Appointment.objects.count() == 0


def test_next_is_local_only(client):
    for bad in ("https://evil.example/", "//evil.example/"):
        page = client.get("/track/", {"next": bad})
        assert page.status_code == 200 and f'name="next" value="{bad}"' not in page.content.decode()
    assert 'name="next" value="/appointments/"' in client.get("/track/?next=/appointments/").content.decode()


def test_one_phone_cannot_take_more_than_the_cap(offered, outbox, settings):  # noqa: F811
    settings.APPOINTMENT_MAX_OPEN_PER_PHONE = 2
    client = sign_in_and_back(Client(), outbox, "13800138001", offered.station.code)
    assert client.post("/appointments/", booking(offered, "am")).status_code == 201
    assert client.post("/appointments/", booking(offered, "pm")).status_code == 201
    third = client.post("/appointments/", booking(offered, "am", TUESDAY))
    assert third.status_code == 409
    assert "每个手机号最多 2 个" in third.content.decode()
    assert Appointment.objects.count() == 2
    # a typed phone is ignored: the booking takes the verified one
    assert {str(a.resident_phone) for a in Appointment.objects.all()} == {"+8613800138001"}
    # a declined booking no longer counts
    first = Appointment.objects.order_by("id").first()
    appointments.appointment_decline(actor=offered.staff, appointment_id=first.pk, reason="材料不全")
    assert client.post("/appointments/", booking(offered, "am", TUESDAY)).status_code == 201


def test_normal_booking_end_to_end(offered, outbox):  # noqa: F811
    client = sign_in_and_back(Client(), outbox, "13800138002", offered.station.code)
    form = client.get(f"/appointments/?site={offered.station.code}")
    assert form.status_code == 200 and "138****8002" in form.content.decode()
    done = client.post("/appointments/", booking(offered, "pm", resident_phone="13900000000"))
    assert done.status_code == 201
    appt = Appointment.objects.get()
    assert appt.ref in done.content.decode() and str(appt.resident_phone) == "+8613800138002"
    confirmed = appointments.appointment_confirm(actor=offered.staff, appointment_id=appt.pk)
    assert confirmed.case is not None and str(confirmed.case.resident_phone) == "+8613800138002"
