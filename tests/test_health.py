"""``GET /healthz``: 200 with the database up; 503 when a configured Redis is unreachable."""

import socket

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is: nothing listens there


def test_healthy_with_database(client):
    with override_settings(REDIS_URL=""):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "not configured"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_503_when_redis_configured_but_down(client):
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["redis"] == "down"


def test_503_when_database_down(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise OSError("database unreachable")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    with override_settings(REDIS_URL=""):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


@pytest.mark.redis
def test_redis_ok_when_reachable(client, settings):
    import os

    with override_settings(REDIS_URL=os.environ["REDIS_URL"]):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}
