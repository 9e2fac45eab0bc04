"""Redis (cache of the rate limits, and broker) stops while residents ask for codes (issue 18).

Before the fix ``POST /api/v1/track/otp/`` answered 500 (``ConnectionError``). Now a limit that cannot be read
does not fail open: the resident endpoints answer 503 with a Chinese message and ``Retry-After``, no code is
made or queued, however often the same phone or address asks; intake keeps working (its SMS wait in the
outbox); ``/healthz`` says 503. A private ``redis-server`` is killed; the shared one is never touched.
"""

from __future__ import annotations

from typing import Any

import pytest

from notifications.models import Notification
from residents.models import OtpCode
from tests.faults.celery_harness import RedisServer, broker_at
from tests.faults.conftest import api_client, case_body

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

PHONE_A, PHONE_B = "+8613800138011", "+8613800138012"


@pytest.fixture
def limited(redis_server: RedisServer, settings: Any) -> RedisServer:
    """This process's cache and broker on the private Redis, with small limits."""
    settings.REDIS_URL = redis_server.url
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.TRACK_RATE_LIMITS = "otp_phone=3/h,otp_ip=6/h,verify_phone=5/15m,verify_ip=20/15m,lookup_ip=30/m"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    return redis_server


def _otp(client: Any, phone: str, ip: str = "203.0.113.7") -> Any:
    return client.post("/api/v1/track/otp/", {"phone": phone}, format="json", REMOTE_ADDR=ip)


def _codes(phone: str) -> int:
    return OtpCode.objects.filter(phone=phone).count()


def test_otp_limits_hold_while_redis_is_down(limited: RedisServer) -> None:
    from rest_framework.test import APIClient

    from workflows.tests.factories import make_world

    client = APIClient()
    world = make_world()
    grid = api_client(world.grid_worker)
    with broker_at(limited.url):
        # Redis up: three codes for A, the fourth is refused (the limit as configured).
        assert [_otp(client, PHONE_A).status_code for _ in range(4)] == [202, 202, 202, 429]
        assert _codes(PHONE_A) == 3

        limited.kill()
        outage = [
            _otp(client, phone, ip=f"203.0.113.{n % 3}") for n in range(12) for phone in (PHONE_A, PHONE_B)
        ]
        assert {r.status_code for r in outage} == {503}, [r.status_code for r in outage]
        first = outage[0]
        assert first["Retry-After"].isdigit() and int(first["Retry-After"]) > 0
        assert "暂时不可用" in first.json()["message"]
        # not one code made or queued during the outage: the limits did not fail open
        assert (_codes(PHONE_A), _codes(PHONE_B)) == (3, 0)
        assert Notification.objects.filter(recipient_phone=PHONE_B).count() == 0

        verify = client.post("/api/v1/track/verify/", {"phone": PHONE_A, "code": "000000"}, format="json")
        assert verify.status_code == 503 and verify["Retry-After"]
        lookup = client.get("/api/v1/track/lookup/", {"case_no": "BB0000-XXXXXXX", "phone_tail": "8011"})
        assert lookup.status_code == 503
        page = client.post("/track/otp/", {"phone": PHONE_B})
        assert page.status_code == 503 and "暂时不可用" in page.content.decode() and page["Retry-After"]

        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["redis"] == "down"
        # Intake does not depend on Redis: the case is saved, its SMS waits in the outbox for the sweep.
        created = grid.post("/api/v1/cases/", case_body(world, 1), format="json")
        assert created.status_code == 201, created.content

        limited.start()  # back, empty (no persistence): the sends work again
        assert _otp(client, PHONE_B).status_code == 202
        assert _codes(PHONE_B) == 1
        assert client.get("/healthz").status_code == 200
