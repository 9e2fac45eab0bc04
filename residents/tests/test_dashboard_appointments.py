"""Appointments (预约): request rules, slot capacity, staff confirm (→ case) / decline, scope, pages."""

import datetime as dt

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from agency.tests.factories import SiteMatterFactory
from core.exceptions import ApplicationError
from residents import appointments
from residents.models import Appointment
from workflows.models import Case

pytestmark = pytest.mark.django_db

FRIDAY = dt.date(2026, 11, 27)
MONDAY = dt.date(2026, 11, 30)
SATURDAY = dt.date(2026, 11, 28)


@pytest.fixture
def offered(world):
    SiteMatterFactory(site=world.station, matter=world.matter)
    return world


def req(world, **kw):
    params = {
        "site": world.station,
        "matter": world.matter,
        "date": MONDAY,
        "half_day": "am",
        "resident_name": "张秀英",
        "resident_phone": "138 0013 8000",
        "today": FRIDAY,
    }
    params.update(kw)
    return appointments.appointment_request(**params)


def test_request_and_field_rules(offered):
    appt = req(offered)
    assert appt.status == "requested" and appt.ref.startswith("YY")
    assert str(appt.resident_phone) == "+8613800138000"
    with pytest.raises(ValidationError) as err:
        req(offered, date=SATURDAY)
    assert "date" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        req(offered, date=FRIDAY)  # not in the future
    assert "date" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        req(offered, matter=offered.consult, resident_phone="123", half_day="night")
    assert set(err.value.message_dict) == {"matter", "resident_phone", "half_day"}


def test_slot_capacity(offered, settings):
    settings.APPOINTMENT_SLOT_CAPACITY = 2
    req(offered)
    req(offered, resident_phone="13800138001")
    with pytest.raises(ApplicationError) as err:
        req(offered, resident_phone="13800138002")
    assert err.value.status == 409
    assert req(offered, half_day="pm", resident_phone="13800138002").half_day == "pm"  # the afternoon is free


def test_open_bookings_per_phone_are_capped(offered, settings):
    settings.APPOINTMENT_MAX_OPEN_PER_PHONE = 2
    req(offered)
    req(offered, half_day="pm")
    with pytest.raises(ApplicationError) as err:
        req(offered, date=MONDAY + dt.timedelta(days=1))
    assert err.value.status == 409 and err.value.extra == {"open": 2, "max_open": 2}
    # past bookings do not count
    assert req(offered, date=MONDAY + dt.timedelta(days=8), today=MONDAY + dt.timedelta(days=1)).pk


def test_staff_confirm_creates_case_and_decline(offered):
    appt = req(offered)
    done = appointments.appointment_confirm(actor=offered.staff, appointment_id=appt.pk, address="东村3组")
    assert done.status == "confirmed"
    case = Case.objects.get(pk=done.case_id)
    assert case.channel == "walk_in" and case.site == offered.station and case.address == "东村3组"
    assert appt.ref in case.description
    with pytest.raises(ApplicationError) as err:
        appointments.appointment_confirm(actor=offered.staff, appointment_id=appt.pk)
    assert err.value.status == 409
    other = req(offered, half_day="pm")
    with pytest.raises(ValidationError):
        appointments.appointment_decline(actor=offered.staff, appointment_id=other.pk, reason=" ")
    declined = appointments.appointment_decline(
        actor=offered.staff, appointment_id=other.pk, reason="材料不全"
    )
    assert declined.status == "declined" and declined.decline_reason == "材料不全"


def test_scope(offered):
    appt = req(offered)
    with pytest.raises(ApplicationError) as err:
        appointments.appointment_confirm(actor=offered.staff2, appointment_id=appt.pk)
    assert err.value.status == 404
    assert list(appointments.appointments_visible_to(offered.grid_worker)) == []
    assert list(appointments.appointments_visible_to(offered.town)) == [appt]


def test_pages(client, offered, monkeypatch):
    from residents.otp import token_issue
    from residents.track_views import COOKIE_SALT, TOKEN_COOKIE

    # signed in as the resident (/track/ token); the full sign-in round trip is in tests/security
    issued = token_issue(phone="+8613800138001", now=timezone.now())
    client.cookies[TOKEN_COOKIE] = signing.get_cookie_signer(salt=TOKEN_COOKIE + COOKIE_SALT).sign(
        issued.token
    )
    monkeypatch.setattr(appointments, "bookable_days", lambda today=None: [MONDAY])
    monkeypatch.setattr(appointments, "appointment_request", _fixed_today(appointments.appointment_request))
    page = client.get("/appointments/")
    assert page.status_code == 200 and offered.station.name in page.content.decode()
    resp = client.post(
        "/appointments/",
        {
            "site": offered.station.code,
            "matter": offered.matter.code,
            "date": MONDAY.isoformat(),
            "half_day": "pm",
            "resident_name": "李四",
        },
    )
    assert resp.status_code == 201
    appt = Appointment.objects.get()
    assert appt.ref in resp.content.decode()
    client.force_login(offered.staff)
    listing = client.get("/dashboard/appointments/").content.decode()
    assert "李*" in listing and "138****8001" in listing and "13800138001" not in listing
    resp = client.post(f"/dashboard/appointments/{appt.pk}/", {"action": "confirm"})
    assert resp.status_code == 302
    appt.refresh_from_db()
    assert appt.status == "confirmed" and appt.case is not None
    client.force_login(offered.grid_worker)
    assert client.get("/dashboard/appointments/").status_code == 403


def _fixed_today(fn):
    def wrapper(**kw):
        kw.setdefault("today", FRIDAY)
        return fn(**kw)

    return wrapper
