"""The 一件事 API checks who is asking before what they sent, like the case action views: 404 outside the
scope, 403 for a role that may not act, only then 400 for a bad body (the state, 409, after that)."""

import pytest

from agency.tests.factories import UserFactory
from bundles.tests.factories import BundleWorld, child, intake

pytestmark = pytest.mark.django_db


def _post(client, user, path, body=None):
    client.force_login(user)
    return client.post(path, body or {}, content_type="application/json")


def test_add_is_staff_only_before_the_body(client, bw: BundleWorld) -> None:
    w, parent = bw.w, intake(bw)
    path = f"/api/v1/bundles/cases/{parent.case_no}/add/"
    assert _post(client, w.staff2, path).status_code == 404
    assert _post(client, w.volunteer, path).status_code == 403
    assert _post(client, w.grid_worker, path).status_code == 403
    assert _post(client, w.staff, path).status_code == 400
    assert _post(client, w.town, path).status_code == 400


def test_drop_follows_the_members_rule_before_the_body(client, bw: BundleWorld) -> None:
    w, parent = bw.w, intake(bw)
    started, waiting = child(parent, bw.hukou), child(parent, bw.yibao)
    for member in (started, waiting):
        path = f"/api/v1/bundles/cases/{member.case_no}/drop/"
        assert _post(client, w.staff2, path).status_code == 404
        assert _post(client, w.volunteer, path).status_code == 403
        assert _post(client, w.grid_worker, path).status_code == 403
        assert _post(client, w.staff, path).status_code == 400
    # a started member's assigned agent may withdraw it (the case's own rule), so gets to the body
    client.force_login(w.staff)
    assigned = client.post(
        f"/api/v1/cases/{started.case_no}/assign/", {"agent": "w_grid"}, content_type="application/json"
    )
    assert assigned.status_code == 200, assigned.content
    path = f"/api/v1/bundles/cases/{started.case_no}/drop/"
    assert _post(client, w.grid_worker, path).status_code == 400
    dropped = _post(client, w.grid_worker, path, {"action": "withdraw", "reason": "群众已在外地办理"})
    assert dropped.status_code == 200 and dropped.json()["status"] == "withdrawn"


def test_intake_refuses_a_user_without_a_role_before_the_body(client, bw: BundleWorld) -> None:
    nobody = UserFactory(username="no_role")
    assert _post(client, nobody, "/api/v1/bundles/intake/").status_code == 403
    assert _post(client, bw.w.grid_worker, "/api/v1/bundles/intake/").status_code == 400
