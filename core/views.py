"""Health check and the token endpoint."""

import functools
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken

from core.parsers import FormParser, JSONParser, MultiPartParser

if TYPE_CHECKING:
    import redis

logger = logging.getLogger(__name__)


@functools.cache
def _redis_client(url: str) -> "redis.Redis":
    """One client (and connection pool) per process: a health probe should not open a socket each time."""
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with each part's state; 503 when a required part (the database; Redis when configured) is down."""
    body: dict[str, str] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        body["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        logger.warning("healthz: database down: %s", type(exc).__name__)
        body["database"] = "down"
        healthy = False
    if settings.REDIS_URL:
        try:
            _redis_client(settings.REDIS_URL).ping()
            body["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            logger.warning("healthz: redis down: %s", type(exc).__name__)
            body["redis"] = "down"
            healthy = False
    else:
        body["redis"] = "not configured"
    return JsonResponse(body, status=200 if healthy else 503)


class TokenView(ObtainAuthToken):
    """``POST {"username", "password"}`` → ``{"token"}``."""

    # ObtainAuthToken's three, each refusing unstorable text (core.parsers)
    parser_classes = [FormParser, MultiPartParser, JSONParser]

    @extend_schema(
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses=inline_serializer(
            "TokenResponse", {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
        ),
    )
    def post(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Login brute force: django-axes counts the failures (authenticate() signals them); a locked-out
        # username+address gets 429 here instead of DRF's generic 400.
        from axes.handlers.proxy import AxesProxyHandler
        from rest_framework.response import Response

        username = request.data.get("username") if hasattr(request.data, "get") else None
        # NUL bytes cannot reach PostgreSQL (DataError); the serializer refuses such a username anyway
        username = str(username or "").replace("\x00", "")
        if AxesProxyHandler.is_locked(request._request, credentials={"username": username}):
            return Response({"message": "登录失败次数过多，请稍后再试。", "extra": {}}, status=429)
        from core.login_guard import LOCKED_MESSAGE, login_username_locked

        if login_username_locked(username):  # the slower global limit of the name (core/login_guard.py)
            return Response({"message": LOCKED_MESSAGE, "extra": {}}, status=429)
        from django.contrib.auth.signals import user_logged_in

        from core.api_tokens import api_token_expires_at, api_token_issue

        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token = api_token_issue(user=user)  # the valid one, or a fresh one once it expired
        # a success resets the failure count (axes listens to user_logged_in), as a page login does
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response({"token": token.key, "expires_at": api_token_expires_at(token).isoformat()})


def font_toggle(request: HttpRequest):  # type: ignore[no-untyped-def]
    """POST: flip large-font mode (cookie, one year) and go back to the page it came from."""
    from django.http import HttpResponseNotAllowed, HttpResponseRedirect
    from django.utils.http import url_has_allowed_host_and_scheme

    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.COOKIES.get("bb_font") == "large":
        response.delete_cookie("bb_font")
    else:
        response.set_cookie("bb_font", "large", max_age=365 * 24 * 3600, samesite="Lax")
    return response
