"""The site's error answers, one set for every page (ours, viewflow's and the admin's) and the API.

- 403 / 404: ``templates/403.html`` / ``404.html`` (Django's handlers use them; viewflow's own English
  ``403.html`` is shadowed because the project's template folder comes first). ``ErrorPagesMiddleware``
  also renders the Chinese 404 page for a view's ``Http404`` and for an address no pattern matches when
  ``DEBUG`` is on (``make run``), where Django would show its developer page.
- Database unavailable (PostgreSQL restarting, SQLite file busy): 503 with ``Retry-After`` and a Chinese
  message — JSON ``{"message", "extra"}`` for ``/api/`` and ``/open311/``, a page for the rest — instead of a 500.
  The API's exception handler (``core.exceptions``), this middleware (views) and ``server_error`` (errors
  raised by other middleware, e.g. saving the session) all use ``unavailable_response``. Under ``DEBUG``
  (``make run``) Django answers an exception raised inside a middleware with its developer 500 page and never
  calls ``server_error``: ``OutageMiddleware`` (outermost) turns that 500 into the same 503, knowing the cause
  from ``got_request_exception`` (``note_request_exception``, connected in ``core.apps``). The page is rendered
  without a request context: the context processors would query the database that is down.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.views import defaults

from core.db_errors import is_database_unavailable

logger = logging.getLogger("core.errors")

RETRY_AFTER_SECONDS = 10
UNAVAILABLE_MESSAGE = (
    "系统正在维护或数据库暂时无法连接，请稍后重试（约10秒后）。已填写的内容不会丢失，请勿关闭页面。"
)
JSON_PREFIXES = ("/api/", "/open311/", "/healthz")


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(JSON_PREFIXES) or "application/json" in request.headers.get("Accept", "")


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """503 + ``Retry-After`` for a database outage (logged once, without a traceback: it is not a bug)."""
    logger.warning(
        "database unavailable (%s) on %s %s: answered 503", type(exc).__name__, request.method, request.path
    )
    if wants_json(request):
        response: HttpResponse = JsonResponse(
            {"message": UNAVAILABLE_MESSAGE, "extra": {"retry_after": RETRY_AFTER_SECONDS}},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        html = loader.render_to_string("503.html", {"message": UNAVAILABLE_MESSAGE, "path": request.path})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


OUTAGE_ATTR = "_bangban_database_outage"


def note_request_exception(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    """``got_request_exception`` receiver: remember on the request that it failed on a database outage.

    Django sends the signal while the exception is being handled (``sys.exc_info()`` is set), for exceptions
    of views and of middleware alike, before it builds the 500 answer.
    """
    exc = sys.exc_info()[1]
    if request is not None and exc is not None and is_database_unavailable(exc):
        setattr(request, OUTAGE_ATTR, exc)


class OutageMiddleware:
    """Outermost: a 500 caused by a database outage anywhere in the stack becomes the 503 (also under DEBUG)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500:
            exc = getattr(request, OUTAGE_ATTR, None)
            if exc is not None:
                answer = unavailable_response(request, exc)
                # Keep what the inner middleware set on the 500 (security headers, cookies), not its body.
                for header, value in response.items():
                    if header.lower() not in {"content-type", "content-length"} and header not in answer:
                        answer[header] = value
                answer.cookies = response.cookies
                return answer
        return response


def _page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The Chinese 404 page; its context processors read the database, so an outage answers 503."""
    try:
        return defaults.page_not_found(request, exception)
    except Exception as exc:
        if is_database_unavailable(exc):
            return unavailable_response(request, exc)
        raise


class ErrorPagesMiddleware:
    """A view's database outage → 503; a view's ``Http404`` → the Chinese 404 page also under ``DEBUG``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # An address no URL pattern matches: under DEBUG Django answers with its developer page listing every
        # pattern; people trying ``make run`` get the site's Chinese 404 like everywhere else.
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and not wants_json(request)
        ):
            return _page_not_found(request, Http404())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return unavailable_response(request, exception)
        if isinstance(exception, Http404) and settings.DEBUG and not wants_json(request):
            return _page_not_found(request, exception)
        return None


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """``handler500``: an outage raised outside a view still answers 503; anything else the plain 500 page."""
    exc = sys.exc_info()[1]
    if exc is not None and is_database_unavailable(exc):
        return unavailable_response(request, exc)
    try:
        html = loader.render_to_string(template_name)
    except Exception:  # noqa: BLE001 - the error page itself must not fail
        return HttpResponseServerError(
            "服务器内部错误，请稍后重试。", content_type="text/plain; charset=utf-8"
        )
    return HttpResponseServerError(html)
