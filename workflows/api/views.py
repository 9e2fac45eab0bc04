"""Case API views: thin — validate input, call one service, answer with the case as the caller may see it."""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError
from core.pagination import CappedPageNumberPagination
from workflows import selectors, services
from workflows.api import intake as intake_api
from workflows.api import serializers as s
from workflows.models import Case, CaseEvent


def _detail_response(request: Request, case: Case, *, http_status: int = status.HTTP_200_OK) -> Response:
    try:
        case = selectors.case_get_for_actor(user=request.user, case_no=case.case_no)
    except ApplicationError:
        # e.g. transferred to a site outside the caller's scope: say only what happened
        return Response({"case_no": case.case_no, "status": case.status, "actions": []}, status=http_status)
    events = list(selectors.case_timeline(case))
    actions = selectors.case_allowed_actions(user=request.user, case=case, events=events)
    return Response(s.case_detail(case, events=events, actions=actions), status=http_status)


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
        qs: QuerySet[Case] = selectors.cases_visible_to(request.user)
        params = request.query_params
        if params.get("status"):
            wanted = [v for v in params.get("status", "").split(",") if v]
            bad = [v for v in wanted if v not in Case.Status.values]
            if bad:
                return Response({"status": [f"未知的状态：{', '.join(bad)}"]}, status=400)
            qs = qs.filter(status__in=wanted)
        if params.get("site"):
            qs = qs.filter(site__code=params["site"])
        if params.get("matter"):
            qs = qs.filter(matter__code=params["matter"])
        if params.get("agent"):
            qs = qs.filter(assigned_agent__user__username=params["agent"])
        if params.get("overdue") in ("1", "true", "yes"):
            qs = qs.filter(status__in=sorted(Case.Status.OPEN), due_at__lt=timezone.now())  # type: ignore[attr-defined]
        paginator = CappedPageNumberPagination()
        page = paginator.paginate_queryset(qs.order_by("-created_at", "-id"), request, view=self)
        return paginator.get_paginated_response([s.case_list_item(c) for c in page or []])

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
        case = services.case_create(actor=request.user, events_out=events, **data.validated_data)
        if not selectors.case_in_scope(user=request.user, case=case):
            return case, _detail_response(request, case, http_status=status.HTTP_201_CREATED)
        # Answer from the instance just written and its one event: reading them back costs two queries.
        actions = selectors.case_allowed_actions(user=request.user, case=case, events=events)
        return case, Response(
            s.case_detail(case, events=events, actions=actions), status=status.HTTP_201_CREATED
        )


class CaseDetailView(APIView):
    """The case with its full timeline and the actions the caller may take now."""

    @extend_schema(responses=s.CaseDetailSerializer)
    def get(self, request: Request, case_no: str) -> Response:
        case = selectors.case_get_for_actor(user=request.user, case_no=case_no)
        events = list(selectors.case_timeline(case))
        actions = selectors.case_allowed_actions(user=request.user, case=case, events=events)
        return Response(s.case_detail(case, events=events, actions=actions))


def _action_view(
    name: str, input_class: type[serializers.Serializer], call: Callable[..., Case], doc: str
) -> type[APIView]:
    class ActionView(APIView):
        @extend_schema(
            operation_id=f"cases_{name}",
            request=input_class,
            responses={
                200: s.CaseDetailSerializer,
                403: inline_serializer(f"{name}_403", {"message": serializers.CharField()}),
                409: inline_serializer(
                    f"{name}_409", {"message": serializers.CharField(), "extra": serializers.DictField()}
                ),
            },
            description=doc,
        )
        def post(self, request: Request, case_no: str) -> Response:
            case = selectors.case_get_for_actor(user=request.user, case_no=case_no)
            # role and status first: a caller who may not act hears 403/409, not a field error
            selectors.case_action_check(user=request.user, case=case, action=name)
            data = input_class(data=request.data)
            data.is_valid(raise_exception=True)
            updated = call(actor=request.user, case=case, **data.validated_data)
            return _detail_response(request, updated)

    ActionView.__name__ = f"Case{name.title()}View"
    ActionView.__doc__ = doc
    return ActionView


def _assign(*, actor: Any, case: Case, agent: Any) -> Case:
    return services.case_assign(actor=actor, case=case, agent=agent)


ACTION_VIEWS: dict[str, type[APIView]] = {
    "assign": _action_view("assign", s.AssignInput, _assign, "分派帮办员（站点工作人员）。"),
    "visit": _action_view("visit", s.VisitInput, services.case_visit, "上门服务；缺材料一次性告知。"),
    "schedule_visit": _action_view(
        "schedule_visit",
        s.ScheduleVisitInput,
        services.case_schedule_visit,
        "预约上门时间（帮办员或站点工作人员）。",
    ),
    "submit": _action_view("submit", s.SubmitInput, services.case_submit, "代为报送部门。"),
    "progress": _action_view(
        "progress", s.ProgressInput, services.case_progress, "进度更新；notify_resident=true 时短信告知群众。"
    ),
    "complete": _action_view("complete", s.CompleteInput, services.case_complete, "办结并送达结果。"),
    "answer": _action_view("answer", s.AnswerInput, services.case_answer, "政策咨询答复并办结。"),
    "reject": _action_view("reject", s.ReasonInput, services.case_reject, "不予受理（须说明理由）。"),
    "withdraw": _action_view("withdraw", s.ReasonInput, services.case_withdraw, "群众申请撤回。"),
    "transfer": _action_view("transfer", s.TransferInput, services.case_transfer, "转办至其他站点或帮办员。"),
    "close": _action_view("close", s.OptionalNoteInput, services.case_close, "评价后或评价期满后关闭。"),
    "rectify": _action_view("rectify", s.NoteInput, services.case_rectify, "差评整改报告。"),
}
