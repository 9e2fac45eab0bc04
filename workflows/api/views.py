"""Case API views: thin — validate input, call one service, answer with the case as the caller may see it."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import CappedPageNumberPagination
from workflows import selectors
from workflows.actions import CASE_ACTIONS, CaseAction
from workflows.api import intake as intake_api
from workflows.api import serializers as s
from workflows.bundle_progress import bundle_statuses
from workflows.intake_services import case_create
from workflows.models import Case, CaseEvent
from workflows.selectors import CasePermit


def case_detail_response(
    request: Request, case: Case, *, permit: CasePermit | None = None, http_status: int = status.HTTP_200_OK
) -> Response:
    """The answer to a write on ``case``: the case as the caller may now see it, with its timeline and the
    actions allowed now. ``permit``: the request's (``selectors.CasePermit``), reused unless the write moved
    the case to another site or agent; outside the caller's scope afterwards (e.g. transferred away), only
    the case number and status."""
    permit = (
        permit.for_case(case) if permit is not None else selectors.case_permit(user=request.user, case=case)
    )
    if not permit.in_scope:
        # e.g. transferred to a site outside the caller's scope: say only what happened
        return Response({"case_no": case.case_no, "status": case.status, "actions": []}, status=http_status)
    events = list(selectors.case_timeline(case))
    actions = permit.allowed_actions(case, events)
    shown = bundle_statuses([case]).get(case.pk)
    return Response(
        s.case_detail(case, events=events, actions=actions, shown_status=shown), status=http_status
    )


class CaseListCreateView(APIView):
    """``GET`` the cases in the caller's scope (paginated, phones masked); ``POST`` a new case (受理登记)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=Case.Status.values),
            OpenApiParameter("site", str, description="site code"),
            OpenApiParameter("matter", str, description="matter code"),
            OpenApiParameter("agent", str, description="assigned agent's username"),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("page", int),
            OpenApiParameter(
                "count",
                str,
                enum=["capped"],
                description="capped: count only up to LIST_COUNT_CAP (count_at_least + count_capped, no count)",
            ),
        ],
        operation_id="cases_list",
        responses=inline_serializer(
            "PaginatedCaseList",
            {
                # always present, except with ?count=capped (then count_at_least + count_capped instead)
                "count": serializers.IntegerField(required=False),
                "count_at_least": serializers.IntegerField(required=False),
                "count_capped": serializers.BooleanField(required=False),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": s.CaseListItemSerializer(many=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        wanted = [v for v in params.get("status", "").split(",") if v]
        bad = [v for v in wanted if v not in Case.Status.values]
        if bad:
            return Response({"status": [f"未知的状态：{', '.join(bad)}"]}, status=400)
        qs = selectors.cases_filtered(
            selectors.cases_visible_to(request.user),
            statuses=wanted if params.get("status") else None,  # `?status=,` matches nothing
            site_code=params.get("site", ""),
            matter_code=params.get("matter", ""),
            agent_username=params.get("agent", ""),
            overdue=params.get("overdue") in ("1", "true", "yes"),
        )
        paginator = CappedPageNumberPagination()
        page = paginator.paginate_queryset(qs.order_by("-created_at", "-id"), request, view=self)
        rows = list(page or [])
        shown = bundle_statuses(rows)
        return paginator.get_paginated_response(
            [s.case_list_item(c, shown_status=shown.get(c.pk)) for c in rows]
        )

    @extend_schema(
        request=s.CaseCreateInput,
        parameters=[intake_api.IDEMPOTENCY_KEY_PARAMETER],
        responses=intake_api.CREATE_RESPONSES,
    )
    def post(self, request: Request) -> Response:
        return intake_api.post_once(request, self._create)

    def _create(self, request: Request) -> tuple[Case, Response]:
        data = s.CaseCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        events: list[CaseEvent] = []
        case = case_create(actor=request.user, events_out=events, **data.validated_data)
        permit = selectors.case_permit(user=request.user, case=case)
        if not permit.in_scope:
            return case, case_detail_response(
                request, case, permit=permit, http_status=status.HTTP_201_CREATED
            )
        # Answer from the instance just written and its one event: reading them back costs two queries.
        actions = permit.allowed_actions(case, events)
        return case, Response(
            s.case_detail(case, events=events, actions=actions), status=status.HTTP_201_CREATED
        )


class CaseDetailView(APIView):
    """The case with its full timeline and the actions the caller may take now."""

    @extend_schema(responses=s.CaseDetailSerializer)
    def get(self, request: Request, case_no: str) -> Response:
        case, permit = selectors.case_get_with_permit(user=request.user, case_no=case_no)
        events = list(selectors.case_timeline(case))
        actions = permit.allowed_actions(case, events)
        shown = bundle_statuses([case]).get(case.pk)
        return Response(s.case_detail(case, events=events, actions=actions, shown_status=shown))


def _action_view(action: CaseAction) -> type[APIView]:
    """The ``POST /api/v1/cases/<no>/<action>/`` view of one row of ``workflows.actions.CASE_ACTIONS``."""
    name = action.name

    class ActionView(APIView):
        @extend_schema(
            operation_id=f"cases_{name}",
            request=action.api_input,
            responses={
                200: s.CaseDetailSerializer,
                403: inline_serializer(f"{name}_403", {"message": serializers.CharField()}),
                409: inline_serializer(
                    f"{name}_409", {"message": serializers.CharField(), "extra": serializers.DictField()}
                ),
            },
            description=action.doc,
        )
        def post(self, request: Request, case_no: str) -> Response:
            # who the caller is to the case, evaluated once for the request and passed along
            case, permit = selectors.case_get_with_permit(user=request.user, case_no=case_no)
            # role and status first: a caller who may not act hears 403/409, not a field error
            permit.require(case=case, action=name)
            row = CASE_ACTIONS[name]  # read per request, like the pages: the table is the one dispatch
            data = row.api_input(data=request.data)
            data.is_valid(raise_exception=True)
            updated = row.run(actor=request.user, case=case, permit=permit, **data.validated_data)
            return case_detail_response(request, updated, permit=permit)

    ActionView.__name__ = f"Case{name.title()}View"
    ActionView.__doc__ = action.doc
    return ActionView


ACTION_VIEWS: dict[str, type[APIView]] = {name: _action_view(action) for name, action in CASE_ACTIONS.items()}
