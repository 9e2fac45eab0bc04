"""Security headers on every response (CSP, referrer, permissions). HSTS comes from SecurityMiddleware."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from core.text import UNSTORABLE_MESSAGE, field_label, is_storable

# Everything is served from our own origin; inline styles are allowed for printable pages and SVG.
CSP = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/docs"):
            response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        return response


class RejectNulBytesMiddleware:
    """400 for input no text column can hold (``core.text.is_storable``: NUL, lone surrogates) in the path,
    the query string or a form body, naming the field.

    PostgreSQL text cannot hold a NUL, so a lookup with one (``/open311/v2/services/%00.xml``, ``?site=%00``,
    a page form's ``case_no``) would end in a DataError (500) instead of a clear 4xx; views read
    ``request.GET``/``request.POST`` directly in many places, so the check sits here, once, before any of
    them. API bodies are checked by the API's parsers (``core.parsers``) with the same rule.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path:
            return HttpResponse("请求中含有非法字符。", status=400, content_type="text/plain; charset=utf-8")
        if "%00" in query or "\x00" in query:
            return _refuse(request, _problems([(key, request.GET.getlist(key)) for key in request.GET]))
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        # DRF views parse their own bodies (core.parsers, same rule); reading request.POST here would consume
        # the stream and make DRF see an empty body instead of refusing a media type it does not accept.
        if hasattr(getattr(view_func, "cls", None), "parser_classes"):
            return None
        if request.method == "POST" and request.content_type in _FORM_TYPES:
            problems = _form_problems(request)
            if problems:
                return _refuse(request, problems)
        return None


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _form_problems(request: HttpRequest) -> dict[str, list[str]]:
    from django.http.multipartparser import MultiPartParserError

    try:
        fields = [(key, request.POST.getlist(key)) for key in request.POST]
        fields += [(key, [f.name or "" for f in request.FILES.getlist(key)]) for key in request.FILES]
    except (MultiPartParserError, ValueError, OSError):
        return {}  # a broken body is the view's (or Django's) 400 to give, as before
    return _problems(fields)


def _problems(fields: list[tuple[str, list[str]]]) -> dict[str, list[str]]:
    return {
        field_label(key): [UNSTORABLE_MESSAGE]
        for key, values in fields
        if not is_storable(key) or not all(is_storable(v) for v in values)
    }


def _refuse(request: HttpRequest, problems: dict[str, list[str]]) -> HttpResponse:
    problems = problems or {"query": [UNSTORABLE_MESSAGE]}  # e.g. a NUL in a malformed query string
    if request.path.startswith("/api/"):
        return JsonResponse(problems, status=400, json_dumps_params={"ensure_ascii": False})
    names = "、".join(sorted(problems))
    return HttpResponse(
        f"字段 {names} {UNSTORABLE_MESSAGE}", status=400, content_type="text/plain; charset=utf-8"
    )
