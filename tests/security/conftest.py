"""Shared fixtures of the security suite: one district with two towns, a case per town, one client per role.

Roles (issue 8): anonymous, resident (Bearer token from the track API), volunteer, grid worker, station staff
of the case's site, station staff of another town's site, town staff, district admin.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from residents.otp import token_issue
from workflows import intake_services
from workflows.tests.factories import World, make_world

ROLES = ("anonymous", "resident", "volunteer", "grid", "staff", "staff2", "town", "admin")
RESIDENT_PHONE = "+8613800138000"


@dataclass
class SecWorld:
    world: World
    case: Any  # in world.station (staff's site, town's center), reported by RESIDENT_PHONE
    case2: Any  # in world.station2 (staff2's site, another town)
    resident_token: str
    users: dict[str, Any]

    def client(self, role: str) -> Client:
        """A Django test client logged in as ``role`` (session); the resident gets a Bearer header."""
        if role == "resident":
            return Client(HTTP_AUTHORIZATION=f"Bearer {self.resident_token}")
        client = Client()
        if role != "anonymous":
            client.force_login(self.users[role])
        return client

    def api(self, role: str) -> APIClient:
        """A DRF client: ``Token`` for staff roles, ``Bearer`` for the resident, nothing for anonymous."""
        client = APIClient()
        if role == "resident":
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.resident_token}")
        elif role != "anonymous":
            token, _ = Token.objects.get_or_create(user=self.users[role])
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client


def build_world() -> SecWorld:
    cache.clear()
    w = make_world()
    case = intake_services.case_create(
        actor=w.grid_worker,
        site=w.station,
        matter=w.matter,
        resident_name="张三",
        resident_phone=RESIDENT_PHONE,
        address="测试村1组",
        description="开具居住证明",
    )
    case2 = intake_services.case_create(
        actor=w.staff2,
        site=w.station2,
        matter=w.matter,
        resident_name="李四",
        resident_phone="+8613900139000",
        address="另一村2组",
    )
    issued = token_issue(phone=RESIDENT_PHONE, now=timezone.now())
    users = {
        "volunteer": w.volunteer,
        "grid": w.grid_worker,
        "staff": w.staff,
        "staff2": w.staff2,
        "town": w.town,
        "admin": w.admin,
    }
    return SecWorld(world=w, case=case, case2=case2, resident_token=issued.token, users=users)


@pytest.fixture
def sec_world(db: Any) -> SecWorld:
    return build_world()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


__all__ = ["ROLES", "SecWorld", "build_world", "dt"]
