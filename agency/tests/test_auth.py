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


@pytest.mark.parametrize("who", ["staff", "town", "grid_worker", "outsider", "volunteer", "admin"])
def test_site_scope_read_with_the_token_equals_the_scope_query(who):
    """The site links read with the token give the same scope as the scope query, for every kind of user."""
    world = make_world()
    # a second grid at another station, covered by the grid worker: their scope gains that station
    from agency.tests.factories import GridFactory

    extra_grid = GridFactory(site=world.station_b)
    Agent.objects.get(user=world.grid_worker).grids.add(extra_grid)
    user = getattr(world, who)
    key = Token.objects.create(user=user).key
    authed, _ = TokenAuthentication().authenticate_credentials(key)
    with CaptureQueriesContext(connection) as ctx:
        primed = selectors.scope_site_ids(authed)
    assert len(ctx.captured_queries) == 0
    fresh = selectors.scope_site_ids(User.objects.get(pk=user.pk))  # no token: the scope query
    assert primed == fresh
    if who == "grid_worker":
        assert primed == {world.station.pk, world.station_b.pk}
    if who == "town":
        assert {world.station.pk, world.station_b.pk} <= primed and world.station2.pk not in primed
