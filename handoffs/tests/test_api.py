"""The hand-off API checks who is asking before what they sent, like the case action views: 404 outside the
scope, 403 for a role that may not act, only then 400 for a bad body (and 409 for the wrong status)."""

import pytest

from workflows.tests.helpers import drive_to

pytestmark = pytest.mark.django_db

PATHS = ("handoff/", "handoff/reference/", "handoff/return/")


def _post(client, user, case, path, body=None):
    client.force_login(user)
    return client.post(f"/api/v1/cases/{case.case_no}/{path}", body or {}, content_type="application/json")


@pytest.mark.parametrize("path", PATHS)
def test_scope_then_role_then_body(client, world, path):
    case = drive_to(world, "visited")  # assigned to world.agent_grid (grid_worker)
    assert _post(client, world.staff2, case, path).status_code == 404  # another town: no existence leak
    assert _post(client, world.volunteer, case, path).status_code == 403  # sees the case, may not act
    assert _post(client, world.staff, case, path).status_code == 400  # may act: the empty body is refused
    assert _post(client, world.grid_worker, case, path).status_code == 400  # the assigned agent may too


def test_a_good_body_on_the_wrong_status_is_a_conflict(client, world):
    case = drive_to(world, "new")
    body = {"region": "江苏省", "authority": "南京市公安局", "channel": "mail"}
    assert _post(client, world.volunteer, case, "handoff/", body).status_code == 403
    resp = _post(client, world.staff, case, "handoff/", body)
    assert resp.status_code == 409 and resp.json()["extra"]["status"] == "new"
