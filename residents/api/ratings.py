"""Staff side of 好差评 (``/api/v1/ratings/…``) and doorstep requests (``/api/v1/doorstep-requests/``).

List, call-back (回访), rectification report, appeal (申诉) and its decision.
"""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError
from core.masking import mask_name, mask_phone
from residents import doorstep, selectors, services, staff_scope
from residents.models import Appeal, DoorstepRequest, Rating, bad_rating_q


def _rating_or_404(rating_id: int) -> Rating:
    rating = Rating.objects.select_related("site", "case__matter", "agent").filter(pk=rating_id).first()
    if rating is None:
        raise ApplicationError("未找到该评价。", {}, status=404)
    return rating


class RatingOutSerializer(serializers.ModelSerializer):
    case_no = serializers.CharField(source="case.case_no", default=None, allow_null=True)
    site = serializers.CharField(source="site.code")
    agent = serializers.CharField(source="agent.name", default=None, allow_null=True)
    resident_name = serializers.SerializerMethodField()
    has_callback = serializers.SerializerMethodField()
    rectified = serializers.SerializerMethodField()

    class Meta:
        model = Rating
        fields = [
            "id",
            "case_no",
            "site",
            "agent",
            "value",
            "comment",
            "aspects",
            "is_followup",
            "channel",
            "created_at",
            "callback_due_at",
            "rectify_due_at",
            "excluded",
            "resident_name",
            "has_callback",
            "rectified",
        ]

    def get_resident_name(self, obj: Rating) -> str:
        return mask_name(obj.case.resident_name) if obj.case else ""

    def get_has_callback(self, obj: Rating) -> bool:
        return any(True for _ in obj.callbacks.all())

    def get_rectified(self, obj: Rating) -> bool:
        return hasattr(obj, "rectification")


class CallbackSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)
    reached = serializers.BooleanField(required=False, default=True)


class RectifySerializer(serializers.Serializer):
    report = serializers.CharField(max_length=4000)


class AppealSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class AppealDecideSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AppealOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appeal
        fields = ["id", "rating", "reason", "status", "filed_at", "decided_at", "decision_note"]


class RatingListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("bad", bool), OpenApiParameter("site", str)],
        responses=RatingOutSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        qs = selectors.ratings_visible_to(request.user)
        if request.query_params.get("bad") in ("1", "true"):
            qs = qs.filter(bad_rating_q())
        if request.query_params.get("site"):
            qs = qs.filter(site__code=request.query_params["site"])
        return Response(RatingOutSerializer(qs[:200], many=True).data)


class CallbackView(APIView):
    @extend_schema(request=CallbackSerializer, responses={201: None})
    def post(self, request: Request, rating_id: int) -> Response:
        data = CallbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        callback = services.rating_callback_log(
            actor=request.user, rating=_rating_or_404(rating_id), **data.validated_data
        )
        return Response({"id": callback.pk, "at": callback.at}, status=status.HTTP_201_CREATED)


class RectifyView(APIView):
    @extend_schema(request=RectifySerializer, responses={201: None})
    def post(self, request: Request, rating_id: int) -> Response:
        data = RectifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rect = services.rating_rectification_report(
            actor=request.user, rating=_rating_or_404(rating_id), report=data.validated_data["report"]
        )
        return Response({"id": rect.pk, "at": rect.at}, status=status.HTTP_201_CREATED)


class AppealView(APIView):
    @extend_schema(request=AppealSerializer, responses={201: AppealOutSerializer})
    def post(self, request: Request, rating_id: int) -> Response:
        data = AppealSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = services.appeal_file(
            actor=request.user, rating=_rating_or_404(rating_id), reason=data.validated_data["reason"]
        )
        return Response(AppealOutSerializer(appeal).data, status=status.HTTP_201_CREATED)


class AppealDecideView(APIView):
    @extend_schema(request=AppealDecideSerializer, responses=AppealOutSerializer)
    def post(self, request: Request, rating_id: int) -> Response:
        data = AppealDecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = _rating_or_404(rating_id)
        appeal: Any = rating.appeals.filter(status=Appeal.Status.PENDING).first()
        if appeal is None:
            staff_scope.require_staff_scope(
                actor=request.user, rating=rating, roles=staff_scope.APPEAL_DECIDER_ROLES
            )
            raise ApplicationError("该评价没有待审核的申诉。", {}, status=409)
        appeal = services.appeal_decide(
            actor=request.user,
            appeal=appeal,
            accept=data.validated_data["accept"],
            note=data.validated_data.get("note", ""),
        )
        return Response(AppealOutSerializer(appeal).data)


class DoorstepOutSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField()
    case_no = serializers.CharField(source="case.case_no", default=None, allow_null=True)
    site = serializers.CharField(source="site.code", default=None, allow_null=True)

    class Meta:
        model = DoorstepRequest
        fields = [
            "id", "phone", "case_no", "site", "contact_name", "address", "note", "for_family",
            "special_groups", "status", "created_at",
        ]  # fmt: skip

    def get_phone(self, obj: DoorstepRequest) -> str:
        return mask_phone(obj.phone)


class DoorstepListView(APIView):
    @extend_schema(responses=DoorstepOutSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Open doorstep requests of the caller's sites; special groups first."""
        return Response(
            DoorstepOutSerializer(selectors.doorstep_requests_visible_to(request.user), many=True).data
        )


class DoorstepHandledView(APIView):
    @extend_schema(request=None, responses=DoorstepOutSerializer)
    def post(self, request: Request, request_id: int) -> Response:
        handled = doorstep.doorstep_request_handle(actor=request.user, request_id=request_id)
        return Response(DoorstepOutSerializer(handled).data)
