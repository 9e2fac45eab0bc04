"""Appointments (预约): a resident asks for a half-day slot at a site for a matter; staff confirm or decline.

Confirming creates the case through ``workflows.intake_services.case_create`` (channel ``walk_in``), as the
confirming staff member, so the case enters the normal flow with its due date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from agency.models import Matter, Site
from agency.roles import STAFF_ROLES
from core.exceptions import ApplicationError
from core.masking import phone_tail
from core.phones import normalize_phone
from core.text import clean_text
from core.workdays import is_workday
from residents import appointment_messages
from residents.models import Appointment, ResidentToken
from workflows import selectors

BOOKING_DAYS = 30  # how far ahead a slot may be booked
SLOT_CAPACITY_DEFAULT = 10  # requests per site and half-day (settings.APPOINTMENT_SLOT_CAPACITY)
REQUESTS_PER_IP_HOUR = 10
MAX_OPEN_PER_PHONE_DEFAULT = 2  # settings.APPOINTMENT_MAX_OPEN_PER_PHONE
REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def slot_capacity() -> int:
    return int(getattr(settings, "APPOINTMENT_SLOT_CAPACITY", SLOT_CAPACITY_DEFAULT))


def bookable_days(*, today: dt.date | None = None) -> list[dt.date]:
    """Working days from tomorrow up to ``BOOKING_DAYS`` ahead."""
    today = today or timezone.localdate()
    days = (today + dt.timedelta(days=i) for i in range(1, BOOKING_DAYS + 1))
    return [d for d in days if is_workday(d)]


def bookable_sites() -> QuerySet[Site]:
    return Site.objects.filter(is_active=True, kind__in=[Site.Kind.STATION, Site.Kind.CENTER]).order_by(
        "code"
    )


def _ratelimit(ip: str | None) -> None:
    if not ip:
        return
    key = "appt:ip:" + hashlib.sha256(f"{settings.SECRET_KEY}:{ip}".encode()).hexdigest()[:32]
    cache.add(key, 0, timeout=3600)
    try:
        count = int(cache.incr(key))
    except ValueError:
        cache.add(key, 1, timeout=3600)
        count = 1
    if count > REQUESTS_PER_IP_HOUR:
        raise ApplicationError("操作过于频繁，请稍后再试。", {"retry_after": 3600}, status=429)


def max_open_per_phone() -> int:
    return int(getattr(settings, "APPOINTMENT_MAX_OPEN_PER_PHONE", MAX_OPEN_PER_PHONE_DEFAULT))


def _check_open_cap(*, phone: str, today: dt.date) -> None:
    cap = max_open_per_phone()
    open_count = Appointment.objects.filter(
        resident_phone=phone,
        date__gte=today,  # today's booking is still open
        status__in=[Appointment.Status.REQUESTED, Appointment.Status.CONFIRMED],
    ).count()
    if open_count >= cap:
        raise ApplicationError(
            f"您已有 {open_count} 个未到期的预约（每个手机号最多 {cap} 个），请办理或取消后再预约。",
            {"open": open_count, "max_open": cap},
            status=409,
        )


def _new_ref() -> str:
    return "YY" + "".join(secrets.choice(REF_ALPHABET) for _ in range(8))


@transaction.atomic
def appointment_request(
    *,
    site: Site,
    matter: Matter,
    date: dt.date,
    half_day: str,
    resident_name: str,
    resident_phone: str,
    note: str = "",
    ip: str | None = None,
    today: dt.date | None = None,
) -> Appointment:
    """A resident's request. Field errors raise ``ValidationError``; a full slot, too many open bookings for
    the phone or too many tries 409/429.

    ``resident_phone`` must be the phone the resident proved by SMS code (the ``/track/`` token), never a typed
    one: that, and the cap of ``APPOINTMENT_MAX_OPEN_PER_PHONE`` open bookings per phone, is what stops
    anonymous fake bookings from filling the slots (issue 33)."""
    _ratelimit(ip)
    errors: dict[str, list[str]] = {}
    if site not in bookable_sites():
        errors["site"] = ["该站点不接受预约。"]
    if not matter.is_active or not site.site_matters.filter(matter=matter).exists():
        errors["matter"] = ["该站点不办理此事项。"]
    if date not in bookable_days(today=today):
        errors["date"] = [f"请选择 {BOOKING_DAYS} 天内的工作日。"]
    if half_day not in Appointment.HalfDay.values:
        errors["half_day"] = ["请选择上午或下午。"]
    name = clean_text(resident_name or "").strip()
    if not name:
        errors["resident_name"] = ["请填写姓名。"]
    phone = normalize_phone(resident_phone or "")
    if phone is None:
        errors["resident_phone"] = ["请输入有效的手机号码，例如 138 0013 8000。"]
    if errors:
        raise ValidationError(errors)
    # Lock the phone's token rows and the site row so two requests for the phone's last open booking, or the
    # last place in a slot, are serialised.
    ResidentToken.objects.select_for_update().filter(phone=phone).exists()
    Site.objects.select_for_update().filter(pk=site.pk).first()
    _check_open_cap(phone=str(phone), today=today or timezone.localdate())
    taken = Appointment.objects.filter(
        site=site,
        date=date,
        half_day=half_day,
        status__in=[Appointment.Status.REQUESTED, Appointment.Status.CONFIRMED],
    ).count()
    if taken >= slot_capacity():
        raise ApplicationError(
            "该时段已约满，请选择其他时段。", {"date": str(date), "half_day": half_day}, status=409
        )
    ref = _new_ref()
    while Appointment.objects.filter(ref=ref).exists():
        ref = _new_ref()
    appt = Appointment(
        ref=ref,
        site=site,
        matter=matter,
        date=date,
        half_day=half_day,
        resident_name=name[:64],
        resident_phone=phone,
        note=clean_text(note or "")[:255],
    )
    appt.full_clean()
    appt.save()
    appointment_messages.alert_staff_new_appointment(appt)
    return appt


def appointments_visible_to(user: Any) -> QuerySet[Appointment]:
    """Appointments at the sites the user works for (staff roles only)."""
    role = selectors.actor_role(user)
    qs = Appointment.objects.select_related("site", "matter", "case")
    if role not in STAFF_ROLES:
        return qs.none()
    site_ids = selectors.scope_site_ids(user)
    return qs if site_ids is None else qs.filter(site_id__in=site_ids)


def _locked_for_decision(*, actor: Any, appointment_id: int) -> Appointment:
    appt = appointments_visible_to(actor).select_for_update(of=("self",)).filter(pk=appointment_id).first()
    if appt is None:
        raise ApplicationError("预约不存在或无权处理。", status=404)
    if appt.status != Appointment.Status.REQUESTED:
        raise ApplicationError("该预约已处理。", {"status": appt.status}, status=409)
    return appt


@transaction.atomic
def appointment_confirm(*, actor: Any, appointment_id: int, address: str = "") -> Appointment:
    """Confirm: the appointment becomes a case (walk-in) logged by ``actor``."""
    from workflows.intake_services import case_create

    appt = _locked_for_decision(actor=actor, appointment_id=appointment_id)
    case = case_create(
        actor=actor,
        site=appt.site,
        matter=appt.matter,
        resident_name=appt.resident_name,
        resident_phone=str(appt.resident_phone),
        address=address.strip() or appt.site.address or appt.site.name,
        description=f"预约 {appt.ref}：{appt.date:%Y-%m-%d} {appt.get_half_day_display()}。{appt.note}",
        channel="walk_in",
    )
    appt.status = Appointment.Status.CONFIRMED
    appt.case = case
    appt.decided_by = actor
    appt.decided_at = timezone.now()
    appt.full_clean()
    appt.save()
    appointment_messages.tell_appointment_confirmed(appt)
    return appt


@transaction.atomic
def appointment_decline(*, actor: Any, appointment_id: int, reason: str) -> Appointment:
    reason = clean_text(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["请填写未受理原因。"]})
    appt = _locked_for_decision(actor=actor, appointment_id=appointment_id)
    appt.status = Appointment.Status.DECLINED
    appt.decline_reason = reason[:255]
    appt.decided_by = actor
    appt.decided_at = timezone.now()
    appt.full_clean()
    appt.save()
    appointment_messages.tell_appointment_declined(appt)
    return appt


def appointment_quick_lookup(*, ref: str, tail: str) -> Appointment:
    """The resident checks an appointment by its reference and the last 4 digits of the phone.

    An unknown reference and a wrong tail answer the same 404 (no existence leak); callers rate-limit it
    like the case quick lookup (``lookup_ip``)."""
    number = "".join(ch for ch in str(ref or "").upper() if ch.isalnum())[:16]
    digits = "".join(ch for ch in str(tail or "") if ch.isdigit())
    appt = None
    if number and len(digits) == 4:
        appt = Appointment.objects.select_related("site", "matter", "case").filter(ref=number).first()
    expected = phone_tail(appt.resident_phone) if appt is not None else "----"
    # compare_digest on a miss too keeps both 404s alike in timing
    if appt is None or not hmac.compare_digest(expected, digits):
        raise ApplicationError("未找到该预约，请核对预约号和手机尾号。", {}, status=404)
    return appt
