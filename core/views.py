"""Health check and the token endpoint."""

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken

logger = logging.getLogger(__name__)


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
            import redis

            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
            client.ping()
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

    parser_classes = ObtainAuthToken.parser_classes

    @extend_schema(
        request=inline_serializer("TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        return super().post(request, *args, **kwargs)


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
