"""Issue 33: staff API tokens expire (``API_TOKEN_TTL_HOURS``); an expired one is a 401, signing in again gives
a fresh one. Driven over HTTP with the token a stolen laptop would still hold."""

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agency.tests.factories import UserFactory

CREDS = {"username": "worker", "password": "pw-Test-12345"}


@pytest.fixture
def worker(db: Any) -> Any:
    return UserFactory(username="worker")


def _me(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/me/").status_code


@pytest.mark.django_db
@override_settings(API_TOKEN_TTL_HOURS=10)
def test_expired_token_is_401_and_sign_in_gives_a_fresh_one(worker: Any) -> None:
    first = APIClient().post("/api/v1/auth/token/", CREDS, format="json")
    assert first.status_code == 200
    body = first.json()
    expires = parse_datetime(body["expires_at"])
    assert expires is not None
    assert dt.timedelta(hours=9, minutes=59) < expires - timezone.now() <= dt.timedelta(hours=10)
    assert _me(body["token"]) == 200
    # while valid, signing in again returns the same token (other devices keep working)
    assert APIClient().post("/api/v1/auth/token/", CREDS, format="json").json()["token"] == body["token"]
    # ten hours later
    Token.objects.filter(key=body["token"]).update(created=timezone.now() - dt.timedelta(hours=10, seconds=1))
    assert _me(body["token"]) == 401
    fresh = APIClient().post("/api/v1/auth/token/", CREDS, format="json").json()
    assert fresh["token"] != body["token"]
    assert _me(fresh["token"]) == 200 and _me(body["token"]) == 401


@pytest.mark.django_db
@override_settings(API_TOKEN_TTL_HOURS=0.5)
def test_the_ttl_is_a_setting(worker: Any) -> None:
    key = APIClient().post("/api/v1/auth/token/", CREDS, format="json").json()["token"]
    Token.objects.filter(key=key).update(created=timezone.now() - dt.timedelta(minutes=31))
    assert _me(key) == 401
