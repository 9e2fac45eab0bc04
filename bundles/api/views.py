"""一件事 API: the public catalog, a bundle's intake, staff changes to one member, the figures. Thin views."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agency.models import Matter, Site
from bundles import selectors, services
from bundles.api import serializers as out
from bundles.models import Bundle
from core.exceptions import ApplicationError
from oversight.stats import period_parse, stats_scope
from workflows import selectors as case_selectors
from workflows.api import intake as intake_api
from workflows.api.serializers import CaseCreateInput, CaseDetailSerializer, CleanCharField
from workflows.api.views import case_detail_response
from workflows.models import Case


class BundleIntakeInput(CaseCreateInput):
    """The case intake's fields, with ``bundle`` (a code) instead of ``matter``."""

    matter = None  # type: ignore[assignment]
    bundle = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Bundle.objects.filter(is_active=True),
        error_messages={"does_not_exist": "一件事「{value}」不存在或未启用。"},
    )


class AddInput(serializers.Serializer):
    matter = serializers.SlugRelatedField(slug_field="code", queryset=Matter.objects.filter(is_active=True))
    reason = CleanCharField(max_length=2000)


class DropInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("withdraw", "撤回"), ("reject", "不予受理")])
    reason = CleanCharField(max_length=2000)


def bundle_case_json(parent: Case) -> dict[str, Any]:
    children = selectors.bundle_children(parent)
    return {
        "case_no": parent.case_no,
        "status": parent.status,
        "due_at": parent.due_at,
        "bundle": parent.matter.name,
        "progress": selectors.bundle_progress(parent),
        "children": [
            {
                "case_no": c.case_no,
                "matter": c.matter,
                "status": c.status,
                "status_label": c.status_label,
                "due_at": c.due_at,
                "waits_for": c.waits_for,
            }
            for c in children
        ],
    }


class BundleListView(APIView):
    """``GET /api/v1/bundles/?site=CODE``: published 一件事 (of one site), merged materials and limit."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        parameters=[OpenApiParameter("site", str, description="site code")],
        operation_id="bundles_list",
        responses={200: out.BundleCardSerializer(many=True), 404: out.ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        site = None
        code = request.query_params.get("site")
        if code:
            site = Site.objects.filter(code=code[:32], is_active=True).first()
            if site is None:
                raise ApplicationError("站点不存在。", {"site": code[:32]}, status=404)
        return Response([selectors.bundle_card(b) for b in selectors.bundles_published(site=site)])


class BundleDetailView(APIView):
    """``GET /api/v1/bundles/{code}/``."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        operation_id="bundles_detail", responses={200: out.BundleCardSerializer, 404: out.ErrorSerializer}
    )
    def get(self, request: Request, code: str) -> Response:
        bundle = selectors.bundles_published().filter(code=code[:32]).first()
        if bundle is None:
            raise ApplicationError("一件事不存在。", {"code": code[:32]}, status=404)
        return Response(selectors.bundle_card(bundle))


class BundleIntakeView(APIView):
    """``POST /api/v1/bundles/intake/``: one request → a parent case and a child case per member."""

    @extend_schema(
        request=BundleIntakeInput,
        operation_id="bundles_intake",
        parameters=[intake_api.IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: out.BundleCaseSerializer,
            200: OpenApiResponse(
                out.BundleCaseSerializer, description="replay of an Idempotency-Key: the original body"
            ),
            403: out.ErrorSerializer,
            409: out.ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        services.bundle_intake_check(actor=request.user)  # a role that may not log requests: 403, not 400
        # The single intake's Idempotency-Key rule (workflows.intake): the offline queue sends a bundle with
        # its item id as the key, so a retry or a second sync answers the first parent, never a second one.
        return intake_api.post_once(request, self._create)

    def _create(self, request: Request) -> tuple[Case, Response]:
        data = BundleIntakeInput(data=request.data)
        data.is_valid(raise_exception=True)
        parent = services.bundle_intake(actor=request.user, **data.validated_data)
        return parent, Response(bundle_case_json(parent), status=status.HTTP_201_CREATED)


class BundleCaseView(APIView):
    """``GET /api/v1/bundles/cases/{case_no}/``: a parent case with its members' progress."""

    @extend_schema(
        operation_id="bundles_case", responses={200: out.BundleCaseSerializer, 404: out.ErrorSerializer}
    )
    def get(self, request: Request, case_no: str) -> Response:
        parent = case_selectors.case_get_for_actor(user=request.user, case_no=case_no)
        return Response(bundle_case_json(parent))


class BundleAddView(APIView):
    """``POST /api/v1/bundles/cases/{case_no}/add/`` (the parent): add a matter the resident needs."""

    @extend_schema(
        request=AddInput,
        operation_id="bundles_add",
        responses={
            201: out.BundleCaseSerializer,
            403: out.ErrorSerializer,
            404: out.ErrorSerializer,
            409: out.ErrorSerializer,
        },
    )
    def post(self, request: Request, case_no: str) -> Response:
        parent, permit = case_selectors.case_get_with_permit(user=request.user, case_no=case_no)
        services.bundle_add_check(
            actor=request.user, parent=parent, permit=permit
        )  # 404/403 before a field error
        data = AddInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.bundle_child_add(actor=request.user, parent=parent, permit=permit, **data.validated_data)
        return Response(bundle_case_json(parent), status=status.HTTP_201_CREATED)


class BundleDropView(APIView):
    """``POST /api/v1/bundles/cases/{case_no}/drop/`` (a member): withdraw or refuse it with a reason."""

    @extend_schema(
        request=DropInput,
        operation_id="bundles_drop",
        responses={
            200: CaseDetailSerializer,
            403: out.ErrorSerializer,
            404: out.ErrorSerializer,
            409: out.ErrorSerializer,
        },
    )
    def post(self, request: Request, case_no: str) -> Response:
        child, permit = case_selectors.case_get_with_permit(user=request.user, case_no=case_no)
        services.bundle_drop_check(
            actor=request.user, child=child, permit=permit
        )  # 404/403 before a field error
        data = DropInput(data=request.data)
        data.is_valid(raise_exception=True)
        updated = services.bundle_child_drop(
            actor=request.user, child=child, permit=permit, **data.validated_data
        )
        return case_detail_response(request, updated, permit=permit)


class BundleStatsView(APIView):
    """``GET /api/v1/bundles/stats/?site=&from=&to=``: bundles (counted once each) beside single matters."""

    @extend_schema(
        parameters=[
            OpenApiParameter("site", str, description="site code (or use scope)"),
            OpenApiParameter("scope", str, description="site code, alias of site"),
            OpenApiParameter("from", str, description="YYYY-MM-DD"),
            OpenApiParameter("to", str, description="YYYY-MM-DD"),
        ],
        operation_id="bundles_stats",
        responses={
            200: out.BundleStatsSerializer,
            # a bad date answers {message, extra}; a parameter that cannot be stored (NUL byte) DRF's
            # field-error dict ({"scope": ["…"]}), like every API 400
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="{message, extra} or {field: [errors]}"),
            403: out.ErrorSerializer,
            404: out.ErrorSerializer,
        },
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        scope = stats_scope(user=request.user, site_code=params.get("site") or params.get("scope"))
        period = period_parse(params.get("from"), params.get("to"))
        return Response(selectors.bundle_stats(scope=scope, period=period))
