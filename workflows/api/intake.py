"""The intake API's ``Idempotency-Key`` header (issue 14): parse it, hand it to ``workflows.intake``.

Without the header ``POST /api/v1/cases/`` behaves as before (201). With it, the first send answers 201,
every later send of the same key and body answers 200 with the same body (header ``Idempotent-Replayed:
true``), the same key with another body 409. A send that cannot get the embedded SQLite database's write lock
in time answers 409 "正在处理" with ``Retry-After`` (never a 500). Keys belong to the caller: another user's identical key is
independent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import OperationalError, connection
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from workflows import intake
from workflows.api import serializers as s
from workflows.models import Case

HEADER = "Idempotency-Key"
IN_PROGRESS_MESSAGE = "正在处理：同一登记的上一次提交尚未完成，请稍后重试（使用同一个 Idempotency-Key）。"
IN_PROGRESS_RETRY_AFTER = 2  # seconds

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "可选。客户端生成的唯一标识（建议 UUID，1-128 个可见 ASCII 字符），按当前登录用户隔离，至少保留 7 天。"
        "同一键、同一请求体再次提交：返回 200 与首次相同的应答体（不会重复立案，响应头 "
        "`Idempotent-Replayed: true`）；同一键、不同请求体：409。"
        " Client-generated id (a UUID); scoped to the caller, kept ≥ 7 days. A replay with the same body answers "
        "200 with the original body; the same key with another body answers 409."
    ),
)

CREATE_RESPONSES: dict[int, Any] = {
    201: s.CaseDetailSerializer,
    200: OpenApiResponse(
        s.CaseDetailSerializer, description="replay of an Idempotency-Key: the original body"
    ),
    409: inline_serializer(
        "IdempotencyKeyConflict", {"message": serializers.CharField(), "extra": serializers.DictField()}
    ),
}


def post_once(request: Request, create: Callable[[Request], tuple[Case, Response]]) -> Response:
    """Answer ``create(request)`` (the new case and its 201 Response) at most once per (user, key)."""
    key = intake.key_clean(request.headers.get(HEADER))
    if key is None:
        return create(request)[1]

    def _create() -> tuple[Case, dict[str, Any]]:
        case, response = create(request)
        return case, dict(response.data or {})

    try:
        outcome = intake.case_intake_once(
            actor=request.user, key=key, digest=intake.request_hash(request.data), create=_create
        )
    except OperationalError as exc:
        if connection.vendor != "sqlite" or "locked" not in str(exc):
            raise
        # Another send holds the embedded database's write lock for longer than its busy timeout (usually
        # the same key's first send): a clear "try again shortly", which the phone's queue does by itself.
        return Response(
            {"message": IN_PROGRESS_MESSAGE, "extra": {"header": HEADER}},
            status=status.HTTP_409_CONFLICT,
            headers={"Retry-After": str(IN_PROGRESS_RETRY_AFTER)},
        )
    if outcome.replayed:
        return Response(outcome.body, status=status.HTTP_200_OK, headers={"Idempotent-Replayed": "true"})
    return Response(outcome.body, status=status.HTTP_201_CREATED)
