"""The resident checks an appointment by its reference (预约号) and phone tail: a page and an API view.

No account and no personal data: the answer is the slot, the status (with the reason when declined) and the
case number once confirmed. Rate-limited with the case quick lookup's ``lookup_ip`` budget.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.client_ip import client_ip
from core.exceptions import ApplicationError
from core.ratelimit import ratelimit_hit
from residents import appointments
from residents.models import Appointment

STATUS_LABELS: dict[str, str] = {
    Appointment.Status.REQUESTED: "已提交，等待工作人员确认。",
    Appointment.Status.CONFIRMED: "已确认，请按时到站办理。",
    Appointment.Status.DECLINED: "未受理。",
    Appointment.Status.CANCELLED: "已取消。",
}


def appointment_public(appt: Appointment) -> dict[str, Any]:
    """What the resident may see of their appointment (nothing personal)."""
    return {
        "ref": appt.ref,
        "status": appt.status,
        "status_label": STATUS_LABELS.get(appt.status, str(appt.get_status_display())),
        "site": appt.site.name,
        "site_phone": appt.site.phone or "",
        "matter": appt.matter.name,
        "date": appt.date.isoformat(),
        "half_day": appt.half_day,
        "half_day_label": str(appt.get_half_day_display()),
        "decline_reason": appt.decline_reason if appt.status == Appointment.Status.DECLINED else "",
        "case_no": appt.case.case_no if appt.case else "",
    }


@never_cache
@require_GET
def appointment_check_page(request: HttpRequest) -> HttpResponse:
    """Form (预约号 + 手机尾号) and, when both are given, the answer."""
    ref = request.GET.get("ref", "").strip()
    tail = request.GET.get("phone_tail", "").strip()
    context: dict[str, Any] = {"ref": ref}
    status = 200
    if "phone_tail" in request.GET:  # the form was sent (a link may prefill only the reference)
        try:
            ratelimit_hit("lookup_ip", client_ip(request))
            context["result"] = appointment_public(appointments.appointment_quick_lookup(ref=ref, tail=tail))
        except ApplicationError as exc:
            context["error"] = exc.message
            status = exc.status
    return render(request, "residents/appointments/appointment_check.html", context, status=status)


class AppointmentLookupView(APIView):
    """``GET /api/v1/track/appointments/?ref=&phone_tail=``: an unknown reference and a wrong tail are 404 alike."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="track_appointment_lookup",
        parameters=[
            OpenApiParameter("ref", str, required=True, description="预约号 (YY…)"),
            OpenApiParameter("phone_tail", str, required=True, description="last 4 digits"),
        ],
        responses=inline_serializer(
            "AppointmentLookup",
            {
                "ref": serializers.CharField(),
                "status": serializers.CharField(),
                "status_label": serializers.CharField(),
                "site": serializers.CharField(),
                "site_phone": serializers.CharField(),
                "matter": serializers.CharField(),
                "date": serializers.DateField(),
                "half_day": serializers.CharField(),
                "half_day_label": serializers.CharField(),
                "decline_reason": serializers.CharField(),
                "case_no": serializers.CharField(),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        ratelimit_hit("lookup_ip", client_ip(request))
        appt = appointments.appointment_quick_lookup(
            ref=request.query_params.get("ref", ""), tail=request.query_params.get("phone_tail", "")
        )
        return Response(appointment_public(appt))
