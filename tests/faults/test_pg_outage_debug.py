"""Under ``DEBUG`` (``make run``) a database outage answers the same 503 page as in production, never Django's
developer 500: raised in a view, in a middleware, or while rendering the Chinese 404 of an unknown address.

Real outage: the connection goes through the ``TcpProxy`` of ``test_pg_outage_503`` that the test stops.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client

from tests.faults.tcp_proxy import TcpProxy
from tests.faults.test_pg_outage_503 import proxied_database, world  # noqa: F401 - fixtures

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class TouchesDatabaseMiddleware:
    """A middleware that reads the database on every request (as a session or rate-limit store would)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return self.get_response(request)


def _assert_unavailable(response: HttpResponse, name: str) -> None:
    body = response.content.decode()
    assert response.status_code == 503, (name, response.status_code, body[:200])
    assert response["Retry-After"] == "10", name
    assert "系统暂时无法使用" in body and "Traceback" not in body, name


def test_debug_outage_answers_503_everywhere(world, proxied_database: TcpProxy, settings) -> None:  # noqa: F811
    settings.DEBUG = True
    pages = Client(raise_request_exception=False)
    pages.force_login(world.staff)
    assert pages.get("/staff/").status_code == 200

    proxied_database.stop()
    connection.close()
    _assert_unavailable(pages.get("/staff/"), "view")
    _assert_unavailable(pages.get("/no-such-page/"), "unknown address (404 page reads the database)")

    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.TouchesDatabaseMiddleware"]
    answer = Client(raise_request_exception=False).get("/healthz")
    assert answer.status_code == 503 and answer.json()["extra"] == {"retry_after": 10}
    page = Client(raise_request_exception=False).get("/")
    _assert_unavailable(page, "middleware")
    assert page["X-Content-Type-Options"] == "nosniff"  # the inner middleware's security headers are kept

    proxied_database.start()
    connection.close()
    assert Client().get("/").status_code == 200
