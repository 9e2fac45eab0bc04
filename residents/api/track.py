"""Resident API (``/api/v1/track/…``): phone → SMS code → short-lived Bearer token → own cases and feedback.

Residents have no accounts: a verified phone is the identity. Views are thin: validate → service → respond.
"""

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.client_ip import client_ip
from core.ratelimit import ratelimit_hit
from residents import doorstep, selectors, services
from residents import otp as resident_otp
from residents.selectors import ResidentCase

OTP_SENT_MESSAGE = "验证码已发送，请查看短信，5分钟内有效。"


class Resident:
    """The caller of the resident API: a verified phone (E.164). Not a Django user."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, phone: str) -> None:
        self.phone = phone

    def __str__(self) -> str:
        return "resident"


class ResidentTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>`` issued by ``/verify/``."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Resident, str] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("登录凭证格式不正确。")
        token = parts[1].decode("latin-1")
        phone = resident_otp.resident_token_phone(token)
        if phone is None:
            raise AuthenticationFailed("登录已过期，请重新获取验证码。")
        return Resident(phone), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="track"'


class ResidentTokenScheme(OpenApiAuthenticationExtension):
    """Documents the resident Bearer token in the OpenAPI schema."""

    target_class = "residents.api.track.ResidentTokenAuthentication"
    name = "residentBearer"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "由 /api/v1/track/verify/ 签发，30分钟有效",
        }


class IsResident(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, Resident)


class PublicView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class ResidentView(APIView):
    authentication_classes = [ResidentTokenAuthentication]
    permission_classes = [IsResident]

    @staticmethod
    def phone(request: Request) -> str:
        """The verified phone of the caller (``IsResident`` guarantees a ``Resident``)."""
        resident: Any = request.user
        return str(resident.phone)


# --- serializers ---


class OtpRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32)


class VerifySerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32)
    code = serializers.CharField(max_length=12)


class FeedbackSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, trim_whitespace=False)
    aspects = serializers.DictField(child=serializers.IntegerField(min_value=1, max_value=5), required=False)


class DoorstepSerializer(serializers.Serializer):
    case_no = serializers.CharField(max_length=32, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    for_family = serializers.BooleanField(required=False, default=False)


class TimelineSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    note = serializers.CharField()


class AgentOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()


class BundleMemberOutSerializer(serializers.Serializer):
    case_no = serializers.CharField()
    matter = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)


class BundleOutSerializer(serializers.Serializer):
    progress = serializers.CharField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    children = BundleMemberOutSerializer(many=True)
    materials = serializers.ListField(child=serializers.CharField())


class ResidentCaseSerializer(serializers.Serializer):
    case_no = serializers.CharField()
    matter = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    timeline = TimelineSerializer(many=True)
    agent = AgentOutSerializer(allow_null=True)
    feedback_allowed = serializers.BooleanField()
    feedback_followup = serializers.BooleanField()
    materials_missing = serializers.ListField(child=serializers.CharField())
    site_name = serializers.CharField()
    site_phone = serializers.CharField()
    resident_name = serializers.CharField(help_text="masked")
    resident_phone = serializers.CharField(help_text="masked")
    bundle = BundleOutSerializer(
        allow_null=True, help_text="一件事: progress and members; null for one matter"
    )


def _iso(value: dt.datetime, tz: dt.tzinfo) -> str:
    """DRF's ``DateTimeField().to_representation(value)`` for an aware datetime (ISO 8601 in the current time zone,
    ``Z`` for UTC), without its per-call settings lookups."""
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def resident_case_data(case: ResidentCase) -> dict[str, Any]:
    """``ResidentCaseSerializer(case).data`` built directly: the resident list is a hot read and DRF's
    field-by-field serializer was a fifth of its time (issue 7). A test holds the two outputs equal; the
    serializer stays the schema."""
    agent = case.agent
    tz = timezone.get_current_timezone()
    return {
        "case_no": case.case_no,
        "matter": case.matter,
        "status": case.status,
        "status_label": case.status_label,
        "due_at": _iso(case.due_at, tz) if case.due_at else None,
        "overdue": bool(case.overdue),
        "timeline": [
            {"at": _iso(e["at"], tz), "kind": str(e["kind"]), "note": str(e["note"])} for e in case.timeline
        ],
        "agent": {"name": str(agent["name"]), "phone": str(agent["phone"])} if agent else None,
        "feedback_allowed": bool(case.feedback_allowed),
        "feedback_followup": bool(case.feedback_followup),
        "materials_missing": [str(m) for m in case.materials_missing],
        "site_name": str(case.site_name),
        "site_phone": str(case.site_phone),
        "resident_name": str(case.resident_name),
        "resident_phone": str(case.resident_phone),
        "bundle": _bundle_data(case.bundle, tz),
    }


def _bundle_data(bundle: dict[str, Any] | None, tz: dt.tzinfo) -> dict[str, Any] | None:
    if bundle is None:
        return None
    return {
        "progress": str(bundle["progress"]),
        "done": int(bundle["done"]),
        "total": int(bundle["total"]),
        "children": [
            {
                "case_no": str(c["case_no"]),
                "matter": str(c["matter"]),
                "status": str(c["status"]),
                "status_label": str(c["status_label"]),
                "due_at": _iso(c["due_at"], tz) if c["due_at"] else None,
            }
            for c in bundle["children"]
        ],
        "materials": [str(m) for m in bundle["materials"]],
    }


def lookup_data(result: dict[str, Any]) -> dict[str, Any]:
    """``LookupSerializer(result).data`` built directly (a public, hot read; a test holds them equal)."""
    due = result["due_at"]
    return {
        "case_no": str(result["case_no"]),
        "status": str(result["status"]),
        "status_label": str(result["status_label"]),
        "due_at": _iso(due, timezone.get_current_timezone()) if due else None,
        "overdue": bool(result["overdue"]),
    }


class LookupSerializer(serializers.Serializer):
    case_no = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()


# --- views ---


class OtpRequestView(PublicView):
    @extend_schema(
        request=OtpRequestSerializer,
        responses={202: inline_serializer("OtpSent", {"message": serializers.CharField()})},
    )
    def post(self, request: Request) -> Response:
        data = OtpRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        resident_otp.otp_request(phone=data.validated_data["phone"], ip=client_ip(request))
        return Response({"message": OTP_SENT_MESSAGE}, status=status.HTTP_202_ACCEPTED)


class VerifyView(PublicView):
    @extend_schema(
        request=VerifySerializer,
        responses={
            200: inline_serializer(
                "ResidentToken", {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
            )
        },
    )
    def post(self, request: Request) -> Response:
        data = VerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = resident_otp.otp_verify(
            phone=data.validated_data["phone"], code=data.validated_data["code"], ip=client_ip(request)
        )
        return Response(
            {
                "token": issued.token,
                "expires_at": serializers.DateTimeField().to_representation(issued.expires_at),
            }
        )


class CaseListView(ResidentView):
    @extend_schema(responses=ResidentCaseSerializer(many=True))
    def get(self, request: Request) -> Response:
        cases = selectors.resident_case_list(phone=self.phone(request), with_ratings=False)
        return Response([resident_case_data(case) for case in cases])


class FeedbackView(ResidentView):
    @extend_schema(
        request=FeedbackSerializer,
        responses={
            201: inline_serializer(
                "RatingCreated",
                {
                    "id": serializers.IntegerField(),
                    "rating": serializers.IntegerField(),
                    "is_followup": serializers.BooleanField(),
                    "case_status": serializers.CharField(),
                },
            )
        },
    )
    def post(self, request: Request, case_no: str) -> Response:
        case = selectors.resident_case_get(phone=self.phone(request), case_no=case_no)
        data = FeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = services.rating_create(
            case=case,
            value=data.validated_data["rating"],
            comment=data.validated_data.get("comment", ""),
            aspects=data.validated_data.get("aspects"),
        )
        case.refresh_from_db(fields=["status"])
        return Response(
            {
                "id": rating.pk,
                "rating": rating.value,
                "is_followup": rating.is_followup,
                "case_status": case.status,
            },
            status=status.HTTP_201_CREATED,
        )


class DoorstepView(ResidentView):
    @extend_schema(
        request=DoorstepSerializer,
        responses={201: inline_serializer("DoorstepCreated", {"id": serializers.IntegerField()})},
    )
    def post(self, request: Request) -> Response:
        data = DoorstepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        case_no = values.pop("case_no", "")
        case = selectors.resident_case_get(phone=self.phone(request), case_no=case_no) if case_no else None
        created = doorstep.doorstep_request_create(phone=self.phone(request), case=case, **values)
        return Response({"id": created.pk}, status=status.HTTP_201_CREATED)


class LogoutView(ResidentView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        resident_otp.resident_token_revoke(token=str(request.auth))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LookupView(PublicView):
    @extend_schema(
        parameters=[
            OpenApiParameter("case_no", str, required=True),
            OpenApiParameter("phone_tail", str, required=True, description="last 4 digits"),
        ],
        responses=LookupSerializer,
    )
    def get(self, request: Request) -> Response:
        ratelimit_hit("lookup_ip", client_ip(request))
        result = selectors.case_quick_lookup(
            case_no=request.query_params.get("case_no", ""), tail=request.query_params.get("phone_tail", "")
        )
        return Response(lookup_data(result))
