"""PostgreSQL unreachable: every request answers 503 with ``Retry-After`` and a Chinese message (JSON for the
API, a page for HTML), never a 500; when it is back, the same requests work again.

The application's connection goes through a ``TcpProxy`` the test stops and restarts (the outage); the shared
PostgreSQL server itself is never touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.faults.conftest import case_body
from tests.faults.tcp_proxy import TcpProxy
from workflows.models import Case
from workflows.tests.factories import make_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def proxied_database() -> Iterator[TcpProxy]:
    """The default connection goes through a proxy for the test's duration (restored before teardown)."""
    settings_dict = connection.settings_dict
    original = (settings_dict["HOST"], settings_dict["PORT"])
    proxy = TcpProxy((original[0] or "127.0.0.1", int(original[1] or 5432))).start()
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(proxy.port)
    try:
        yield proxy
    finally:
        connection.close()
        settings_dict["HOST"], settings_dict["PORT"] = original
        proxy.stop()


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr("notifications.services._publish", lambda _id: None)  # no broker in this test
    w = make_world()
    w.token = Token.objects.create(user=w.grid_worker).key
    return w


def test_requests_answer_503_while_postgresql_is_unreachable(world, proxied_database: TcpProxy) -> None:
    api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {world.token}")
    pages = Client(raise_request_exception=False)
    pages.force_login(world.staff)
    body = json.dumps(case_body(world, 1))

    assert api.get("/api/v1/cases/").status_code == 200  # through the proxy
    assert pages.get("/staff/").status_code == 200

    proxied_database.stop()  # the database is gone
    connection.close()
    answers = {
        "list": api.get("/api/v1/cases/"),
        "create": api.post(
            "/api/v1/cases/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
        ),
        "page": pages.get("/staff/"),
        "public": Client(raise_request_exception=False).get("/api/v1/sites/"),
    }
    for name, response in answers.items():
        assert response.status_code == 503, (name, response.status_code, response.content[:300])
        assert response["Retry-After"] == "10", name
    for name in ("list", "create", "public"):
        data = answers[name].json()
        assert "稍后重试" in data["message"] and data["extra"] == {"retry_after": 10}, name
    page = answers["page"].content.decode()
    assert '<h1 id="error-title">系统暂时无法使用</h1>' in page and "稍后重试" in page
    assert Client(raise_request_exception=False).get("/healthz").status_code == 503

    proxied_database.start()  # back, on the same port
    connection.close()
    created = api.post("/api/v1/cases/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert created.status_code == 201, created.content[:300]
    assert pages.get("/staff/").status_code == 200
    assert (
        Case.objects.count() == 1
    )  # the refused attempt wrote nothing; the retry with its key made one case
