"""The one application exception and the DRF exception handler that renders it.

Services raise ``ApplicationError(message, extra, status=...)``; the API answers
``{"message": ..., "extra": {...}}`` with that status. Django ``ValidationError`` from ``full_clean()``
becomes DRF's field-error dict (400). Nothing a user sends should surface as a 500.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from core.db_errors import is_database_unavailable


class ApplicationError(Exception):
    """A business rule said no. ``status``: 400 bad request, 403 role may not, 404 not visible, 409 wrong state."""

    def __init__(self, message: str, extra: dict[str, Any] | None = None, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = str(message)
        self.extra = extra or {}
        self.status = status


def drf_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        answer = Response({"message": exc.message, "extra": exc.extra}, status=exc.status)
        if exc.status in (429, 503) and isinstance(exc.extra.get("retry_after"), int):
            answer["Retry-After"] = str(exc.extra["retry_after"])  # seconds (RFC 9110 §10.2.3)
        return answer
    if is_database_unavailable(exc):  # PostgreSQL restarting: 503 + Retry-After, a client can act on it
        from core.errors import unavailable_response

        return unavailable_response(context["request"], exc)  # type: ignore[return-value]
    if isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = drf_exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, RecursionError) and "JSON" in str(exc):
        # json.loads of absurdly nested input ("[[[[…") raises RecursionError, which DRF's parser lets through
        exc = drf_exceptions.ParseError("JSON 嵌套层数过多。")

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        return response  # DRF's field-error dict, as the contract says
    detail = response.data.get("detail") if isinstance(response.data, dict) else response.data
    response.data = {"message": str(detail) if detail is not None else "", "extra": {}}
    return response
