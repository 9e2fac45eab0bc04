"""Appointment pages: the resident's request form (phone verified by SMS code, no JavaScript) and the staff list to decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agency.models import Matter
from agency.roles import STAFF_ROLES
from core.client_ip import client_ip_or_none
from core.exceptions import ApplicationError
from core.masking import mask_name, mask_phone
from residents import appointments
from residents.models import Appointment
from residents.track_views import signed_in_phone
from workflows import selectors


class AppointmentForm(forms.Form):
    site = forms.ModelChoiceField(
        label="办理站点", queryset=appointments.bookable_sites(), to_field_name="code"
    )
    matter = forms.ModelChoiceField(
        label="办理事项",
        queryset=Matter.objects.filter(is_active=True).order_by("sort_order"),
        to_field_name="code",
    )
    date = forms.TypedChoiceField(label="日期", coerce=str)
    half_day = forms.ChoiceField(label="时段", choices=Appointment.HalfDay.choices, widget=forms.RadioSelect)
    resident_name = forms.CharField(label="姓名", max_length=64)
    note = forms.CharField(label="备注（选填）", max_length=255, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        weekdays = "一二三四五六日"
        date_field: Any = self.fields["date"]
        date_field.choices = [
            (d.isoformat(), f"{d:%m月%d日} 周{weekdays[d.weekday()]}") for d in appointments.bookable_days()
        ]


@require_http_methods(["GET", "POST"])
def appointment_new(request: HttpRequest) -> HttpResponse:
    """Resident: pick a site, matter and half-day; get a reference number.

    Only with a phone proved by SMS code (the ``/track/`` sign-in): the booking takes that phone, so anonymous
    fake bookings cannot fill the slots (issue 33). Without it the resident signs in first and comes back."""
    form = AppointmentForm(request.POST or None, initial={"site": request.GET.get("site")})
    phone = signed_in_phone(request)
    if phone is None:
        back = reverse("appointment-new")
        site_code = request.GET.get("site", "")
        if site_code.isascii() and site_code.replace("-", "").isalnum():
            back += "?" + urlencode({"site": site_code})
        messages.info(request, "预约前请先验证手机号。")
        return redirect(reverse("track") + "?" + urlencode({"next": back}))
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appt = appointments.appointment_request(
                site=data["site"],
                matter=data["matter"],
                date=dt.date.fromisoformat(data["date"]),
                half_day=data["half_day"],
                resident_name=data["resident_name"],
                resident_phone=phone,  # the verified phone, never a typed one
                note=data["note"],
                ip=client_ip_or_none(request),
            )
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            status = exc.status  # 409 slot full / too many open bookings, 429 too many tries
        else:
            return render(request, "residents/appointments/appointment_done.html", {"appt": appt}, status=201)
    context = {"form": form, "phone_masked": mask_phone(phone)}
    return render(request, "residents/appointments/appointment_new.html", context, status=status)


def _require_staff(request: HttpRequest) -> None:
    if selectors.actor_role(request.user) not in STAFF_ROLES:
        raise PermissionDenied("无权处理预约")


@login_required
@require_GET
def appointment_list(request: HttpRequest) -> HttpResponse:
    """Staff: pending requests first, then recent decisions (names and phones masked)."""
    _require_staff(request)
    qs = appointments.appointments_visible_to(request.user)
    pending = list(qs.filter(status=Appointment.Status.REQUESTED).order_by("date", "half_day", "id")[:200])
    decided = list(qs.exclude(status=Appointment.Status.REQUESTED).order_by("-decided_at", "-id")[:50])
    rows = [
        {"appt": a, "name": mask_name(a.resident_name), "phone": mask_phone(a.resident_phone)}
        for a in pending + decided
    ]
    return render(
        request,
        "residents/appointments/appointments.html",
        {"pending": rows[: len(pending)], "decided": rows[len(pending) :]},
    )


@login_required
@require_POST
def appointment_decide(request: HttpRequest, appointment_id: int) -> HttpResponse:
    _require_staff(request)
    try:
        if request.POST.get("action") == "confirm":
            appt = appointments.appointment_confirm(
                actor=request.user, appointment_id=appointment_id, address=request.POST.get("address", "")
            )
            messages.success(
                request, f"已确认预约 {appt.ref}，已登记为案件 {appt.case.case_no if appt.case else ''}。"
            )
        else:
            appt = appointments.appointment_decline(
                actor=request.user, appointment_id=appointment_id, reason=request.POST.get("reason", "")
            )
            messages.success(request, f"预约 {appt.ref} 已标记为未受理。")
    except ValidationError as exc:
        messages.error(request, "；".join(m for errs in exc.message_dict.values() for m in errs))
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404(exc.message)
        messages.error(request, exc.message)
    return redirect("appointment-list")
