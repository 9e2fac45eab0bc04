"""PostgreSQL keeps hot statements prepared (config/settings/base.py ``DATABASE_PREPARE_THRESHOLD``), and a
prepared statement answers with the current rows, not those of the first run."""

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from agency.auth import TokenAuthentication
from workflows.tests.factories import make_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _prepared(fragment: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{fragment}%"]
        )
        return int(cursor.fetchone()[0])


def test_the_token_check_is_prepared_after_a_few_runs_and_sees_changes():
    world = make_world()
    auth = TokenAuthentication()
    keys = [Token.objects.create(user=user).key for user in (world.staff, world.grid_worker, world.town)]
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    for _ in range(3):
        for key in keys:
            auth.authenticate_credentials(key)
    # one statement, whatever the key (matched by a column only the token check reads: other token queries of
    # other tests may be prepared on this connection too)
    assert _prepared('"site_links_direct"') == 1
    # the prepared plan reads current rows: a scope change shows at once
    agent = world.staff.agent
    agent.sites.add(world.station2)
    user, _ = auth.authenticate_credentials(keys[0])
    from workflows.selectors import scope_site_ids

    assert world.station2.pk in scope_site_ids(user)
    Token.objects.filter(key=keys[1]).delete()
    with pytest.raises(AuthenticationFailed):
        auth.authenticate_credentials(keys[1])
