"""The permission matrix: each role × each action → allowed / 403 / 404, table-driven.

Each cell gets a fresh case in a status where the action is allowed, assigned to ``grid_worker`` at
``station`` (under ``center``), so only scope and role decide.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.exceptions import ApplicationError
from workflows import case_closing, case_steps, permissions, selectors, services
from workflows.actions import CASE_ACTIONS
from workflows.models import CaseEvent
from workflows.tests.helpers import drive_to, new_case

pytestmark = pytest.mark.django_db

ROLES = [
    "admin",  # district admin: everywhere
    "town",  # town staff of the center above the station
    "staff",  # station staff of the case's site
    "staff2",  # station staff in another town → outside scope
    "grid_worker",  # the assigned agent
    "grid_worker2",  # grid worker at the same station, not assigned
    "volunteer",  # volunteer at the same station
    "cadre",  # cadre at the same station
    "outsider",  # grid worker in another town → outside scope
]

A, F, N = "ok", 403, 404
STAFF_ROW = {"admin": A, "town": A, "staff": A, "staff2": N, "grid_worker": F, "grid_worker2": F}
STAFF_ROW |= {"volunteer": F, "cadre": F, "outsider": N}
AGENT_ROW = {"admin": F, "town": F, "staff": F, "staff2": N, "grid_worker": A, "grid_worker2": F}
AGENT_ROW |= {"volunteer": F, "cadre": F, "outsider": N}
EITHER_ROW = dict(STAFF_ROW, grid_worker=A)
STATION_OR_AGENT_ROW = dict(AGENT_ROW, staff=A)

MATRIX = {
    "assign": STAFF_ROW,
    "transfer": STAFF_ROW,
    "reject": STAFF_ROW,
    "close": STAFF_ROW,
    "rectify": STAFF_ROW,
    "visit": AGENT_ROW,
    "submit": AGENT_ROW,
    "progress": AGENT_ROW,
    "complete": AGENT_ROW,
    "answer": AGENT_ROW,
    "withdraw": EITHER_ROW,
    "schedule_visit": STATION_OR_AGENT_ROW,
}


def _setup(world, action):
    """A case where ``action`` is allowed by status, and the service call to make."""
    if action == "assign":
        case = new_case(world)
        # assigned later to grid_worker, but the assign row is about staff; scope: station
        return case, lambda actor: services.case_assign(actor=actor, case=case, agent=world.agent_grid)
    if action == "answer":
        case = new_case(world, matter=world.consult)
        case = services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
        return case, lambda actor: case_steps.case_answer(actor=actor, case=case, answer="答复")
    status = {
        "visit": "assigned",
        "schedule_visit": "assigned",
        "submit": "visited",
        "progress": "submitted",
        "complete": "submitted",
        "reject": "assigned",
        "withdraw": "assigned",
        "transfer": "assigned",
        "close": "completed",
        "rectify": "rectifying",
    }[action]
    case = drive_to(world, status)
    if action == "close":
        CaseEvent.objects.create(case=case, kind="rating", note="5星")
    calls = {
        "visit": lambda actor: case_steps.case_visit(actor=actor, case=case, note="n", materials_missing=[]),
        "schedule_visit": lambda actor: case_steps.case_schedule_visit(
            actor=actor, case=case, visit_at=timezone.now() + dt.timedelta(days=2)
        ),
        "submit": lambda actor: case_steps.case_submit(
            actor=actor, case=case, department="民政", reference_no="1"
        ),
        "progress": lambda actor: case_steps.case_progress(actor=actor, case=case, note="n"),
        "complete": lambda actor: case_steps.case_complete(actor=actor, case=case, result="r"),
        "reject": lambda actor: case_closing.case_reject(actor=actor, case=case, reason="r"),
        "withdraw": lambda actor: case_closing.case_withdraw(actor=actor, case=case, reason="r"),
        "transfer": lambda actor: services.case_transfer(
            actor=actor, case=case, agent=world.agent_grid2, reason="r"
        ),
        "close": lambda actor: case_closing.case_close(actor=actor, case=case),
        "rectify": lambda actor: case_closing.case_rectify(actor=actor, case=case, note="r"),
    }
    return case, calls[action]


def test_matrix_covers_every_action():
    assert set(MATRIX) == set(permissions.ACTIONS)


@pytest.mark.parametrize("action", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(world, role, action):
    expected = MATRIX[action][role]
    case, call = _setup(world, action)
    actor = getattr(world, role)
    status_before = case.status
    allowed_listed = action in selectors.case_allowed_actions(user=actor, case=case)
    if expected == A:
        updated = call(actor)
        assert updated.status != status_before or action in ("progress", "transfer", "schedule_visit")
        assert allowed_listed
    else:
        with pytest.raises(ApplicationError) as exc:
            call(actor)
        assert exc.value.status == expected, (role, action, exc.value.message)
        assert not allowed_listed
        case.refresh_from_db()
        assert case.status == status_before


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("assign", "assigned"),
        ("visit", "submitted"),
        ("submit", "assigned"),
        ("progress", "visited"),
        ("complete", "awaiting_materials"),
        ("reject", "completed"),
        ("withdraw", "completed"),
        ("transfer", "rectifying"),
        ("close", "submitted"),
        ("rectify", "completed"),
    ],
)
def test_wrong_status_is_409_with_status(world, action, status):
    case = drive_to(world, status)
    actor = world.staff if MATRIX[action]["staff"] == A else world.grid_worker
    kwargs = {
        "assign": {"agent": world.agent_grid2},
        "visit": {"note": "", "materials_missing": []},
        "submit": {"department": "d", "reference_no": "r"},
        "progress": {"note": "n"},
        "complete": {"result": "r"},
        "reject": {"reason": "r"},
        "withdraw": {"reason": "r"},
        "transfer": {"agent": world.agent_grid2, "reason": "r"},
        "close": {},
        "rectify": {"note": "n"},
    }[action]
    fn = CASE_ACTIONS[action].service  # the one dispatch table of pages and API
    with pytest.raises(ApplicationError) as exc:
        fn(actor=actor, case=case, **kwargs)
    assert exc.value.status == 409
    assert exc.value.extra["status"] == status
    assert action not in selectors.case_allowed_actions(user=actor, case=case)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("admin", True),
        ("town", True),
        ("staff", True),
        ("grid_worker", True),
        ("volunteer", True),
        ("cadre", True),
        ("community", True),
        ("staff2", False),
        ("outsider", False),
    ],
)
def test_intake_for_own_sites_only(world, role, allowed):
    actor = getattr(world, role)
    if allowed:
        case = new_case(world, actor=actor)
        assert case.created_by == actor
    else:
        with pytest.raises(ApplicationError) as exc:
            new_case(world, actor=actor)
        assert exc.value.status == 403


def test_user_without_role_sees_nothing(world):
    from agency.tests.factories import UserFactory

    nobody = UserFactory(username="w_nobody")
    case = new_case(world)
    assert selectors.cases_visible_to(nobody).count() == 0
    with pytest.raises(ApplicationError) as exc:
        selectors.case_get_for_actor(user=nobody, case_no=case.case_no)
    assert exc.value.status == 404
    with pytest.raises(ApplicationError) as exc:
        new_case(world, actor=nobody)
    assert exc.value.status == 403


def test_visibility_scopes(world):
    here = new_case(world)
    other = new_case(world, actor=world.staff2, site=world.station2)
    sibling = new_case(world, actor=world.town, site=world.station_b)
    vis = {u: set(selectors.cases_visible_to(getattr(world, u)).values_list("pk", flat=True)) for u in ROLES}
    assert vis["admin"] == {here.pk, other.pk, sibling.pk}
    assert vis["town"] == {here.pk, sibling.pk}
    assert vis["staff"] == {here.pk}
    assert vis["staff2"] == {other.pk}
    assert vis["grid_worker"] == {here.pk}
    assert vis["outsider"] == {other.pk}
    with pytest.raises(ValidationError):  # only agents serving the site (or its center) are assignable
        services.case_assign(actor=world.town, case=sibling, agent=world.agent_grid)
