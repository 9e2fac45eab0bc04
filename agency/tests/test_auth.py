"""agency.auth.TokenAuthentication: DRF's token scheme with the agent profile read in the same query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from agency.auth import TokenAuthentication
from agency.models import Agent
from core.models import User
from workflows import selectors
from workflows.tests.factories import make_world

pytestmark = pytest.mark.django_db


def test_the_agent_comes_with_the_token():
    world = make_world()
    key = Token.objects.create(user=world.grid_worker).key
    with CaptureQueriesContext(connection) as ctx:
        user, token = TokenAuthentication().authenticate_credentials(key)
        agent = selectors.actor_agent(user)
    assert len(ctx.captured_queries) == 1
    assert token.key == key and agent == Agent.objects.get(user=world.grid_worker)


def test_a_user_without_agent_profile_still_authenticates():
    user = User.objects.create_user(username="ops", password="x" * 12)
    key = Token.objects.create(user=user).key
    authed, _ = TokenAuthentication().authenticate_credentials(key)
    assert authed == user and selectors.actor_agent(authed) is None


def test_unknown_and_inactive_tokens_are_refused():
    user = User.objects.create_user(username="gone", password="x" * 12, is_active=False)
    key = Token.objects.create(user=user).key
    for bad in ("nope", key):
        with pytest.raises(AuthenticationFailed):
            TokenAuthentication().authenticate_credentials(bad)


def test_the_api_uses_it(client):
    world = make_world()
    key = Token.objects.create(user=world.staff).key
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert client.get("/api/v1/cases/", HTTP_AUTHORIZATION="Token nope").status_code == 401
