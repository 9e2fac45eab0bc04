"""Hand-off API (staff and the case's agent): thin — validate, call one service, answer with the case."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from handoffs import services
from handoffs.api.serializers import HandoffSerializer
from handoffs.models import Channel, Handoff, Scope
from workflows import selectors
from workflows.api.serializers import CaseDetailSerializer, CleanCharField
from workflows.api.views import case_detail_response


class HandoffInput(serializers.Serializer):
    region = CleanCharField(max_length=64)
    authority = CleanCharField(max_length=128)
    channel = serializers.ChoiceField(choices=Channel.choices)
    scope = serializers.ChoiceField(choices=Scope.choices, required=False, default=Scope.CROSS_PROVINCE)
    materials_sent = serializers.ListField(
        child=CleanCharField(max_length=128), required=False, default=list, max_length=50
    )
    note = CleanCharField(max_length=2000, required=False, allow_blank=True, default="")


class ReferenceInput(serializers.Serializer):
    reference_no = CleanCharField(max_length=64)


class ReturnInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Handoff.Outcome.choices)
    result = CleanCharField(max_length=2000)


def _errors(name: str) -> dict[int, Any]:
    error = inline_serializer(
        f"{name}_error", {"message": serializers.CharField(), "extra": serializers.DictField()}
    )
    return {403: error, 404: error, 409: error}


def _handoff_json(h: Handoff) -> dict[str, Any]:
    return {
        "id": h.pk,
        "scope": h.scope,
        "region": h.region,
        "authority": h.authority,
        "channel": h.channel,
        "materials_sent": h.materials_sent,
        "sent_at": h.sent_at,
        "reference_no": h.reference_no,
        "outcome": h.outcome,
        "returned_at": h.returned_at,
    }


class HandoffSendView(APIView):
    """``POST /api/v1/cases/{case_no}/handoff/``: hand a visited case off (全省通办/跨省通办)."""

    @extend_schema(
        request=HandoffInput,
        operation_id="cases_handoff",
        responses={200: CaseDetailSerializer, **_errors("cases_handoff")},
    )
    def post(self, request: Request, case_no: str) -> Response:
        case, permit = selectors.case_get_with_permit(user=request.user, case_no=case_no)
        services.handoff_action_check(
            actor=request.user, case=case, permit=permit
        )  # 404/403 before a field error
        data = HandoffInput(data=request.data)
        data.is_valid(raise_exception=True)
        handoff = services.handoff_send(actor=request.user, case=case, permit=permit, **data.validated_data)
        return case_detail_response(request, handoff.case, permit=permit)


class HandoffReferenceView(APIView):
    """``POST /api/v1/cases/{case_no}/handoff/reference/``: the receiving authority's reference number."""

    @extend_schema(
        request=ReferenceInput,
        operation_id="cases_handoff_reference",
        responses={200: HandoffSerializer, **_errors("cases_handoff_reference")},
    )
    def post(self, request: Request, case_no: str) -> Response:
        case, permit = selectors.case_get_with_permit(user=request.user, case_no=case_no)
        services.handoff_action_check(
            actor=request.user, case=case, permit=permit
        )  # 404/403 before a field error
        data = ReferenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        handoff = services.handoff_record_reference(
            actor=request.user, case=case, permit=permit, **data.validated_data
        )
        return Response(_handoff_json(handoff))


class HandoffReturnView(APIView):
    """``POST /api/v1/cases/{case_no}/handoff/return/``: the outcome came back (completed | refused)."""

    @extend_schema(
        request=ReturnInput,
        operation_id="cases_handoff_return",
        responses={200: CaseDetailSerializer, **_errors("cases_handoff_return")},
    )
    def post(self, request: Request, case_no: str) -> Response:
        case, permit = selectors.case_get_with_permit(user=request.user, case_no=case_no)
        services.handoff_action_check(
            actor=request.user, case=case, permit=permit
        )  # 404/403 before a field error
        data = ReturnInput(data=request.data)
        data.is_valid(raise_exception=True)
        updated = services.handoff_return(actor=request.user, case=case, permit=permit, **data.validated_data)
        return case_detail_response(request, updated, permit=permit)
