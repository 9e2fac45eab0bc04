"""The one writer of a case's state (``workflows.transitions``) and the permit a request passes along."""

import pytest

from core.exceptions import ApplicationError
from notifications.models import Notification
from workflows import case_closing, case_steps, selectors, services
from workflows.models import Case
from workflows.tests.page_helpers import assigned_case, create_case
from workflows.transitions import Result, case_finish, case_lock, case_move, case_start, case_update

pytestmark = pytest.mark.django_db
S = Case.Status


def test_a_permit_checks_the_status_again_under_the_lock(world):
    case = assigned_case(world)
    permit = selectors.case_permit(user=world.grid_worker, case=case)
    permit.require(case=case, action="visit")  # what the view checked
    case_closing.case_withdraw(actor=world.staff, case=case, reason="群众不办了")  # meanwhile
    with pytest.raises(ApplicationError) as exc:
        case_steps.case_visit(
            actor=world.grid_worker, case=case, note="", materials_missing=[], permit=permit
        )
    assert exc.value.status == 409
    assert exc.value.extra == {"status": "withdrawn"}


def test_a_permit_is_evaluated_again_when_the_case_moved_to_another_site(world):
    case = create_case(world)
    permit = selectors.case_permit(user=world.staff, case=case)
    permit.require(case=case, action="assign")
    services.case_transfer(actor=world.admin, case=case, reason="属地调整", site=world.station2)  # meanwhile
    with pytest.raises(ApplicationError) as exc:
        services.case_assign(actor=world.staff, case=case, agent=world.agent_grid, permit=permit)
    assert exc.value.status == 404  # no longer in the station's scope: the moved case is re-evaluated
    assert not permit.holds_for(Case.objects.get(pk=case.pk))


def test_a_permit_answers_404_403_409_in_that_order(world):
    case = assigned_case(world)
    outside = selectors.case_permit(user=world.outsider, case=case)
    with pytest.raises(ApplicationError) as exc:
        outside.require(case=case, action="visit")
    assert exc.value.status == 404
    staff = selectors.case_permit(user=world.staff, case=case)
    with pytest.raises(ApplicationError) as exc:
        staff.require(case=case, action="visit")  # the assigned agent's step
    assert (exc.value.status, exc.value.extra) == (403, {"action": "visit"})
    with pytest.raises(ApplicationError) as exc:
        staff.require(case=case, action="close")
    assert exc.value.status == 409
    staff.require(case=case, action="close", status=False)  # the check made before the input is read
    assert "withdraw" in staff.allowed_actions(case) and "visit" not in staff.allowed_actions(case)


def test_the_writer_refuses_a_status_through_the_wrong_door(world):
    case = assigned_case(world)
    locked = case_lock(case)
    with pytest.raises(ValueError):
        case_update(case=locked, status=S.CLOSED)
    with pytest.raises(ValueError):
        case_move(case=locked, actor=None, status=S.WITHDRAWN, kind="withdrawn")  # an end: case_finish
    with pytest.raises(ValueError):
        case_finish(case=locked, actor=None, status=S.VISITED, note="")
    with pytest.raises(ValueError):
        case_finish(case=locked, actor=None, status=S.COMPLETED, note="")  # a completion needs its result
    with pytest.raises(ValueError):
        case_start(case=locked, actor=None, start=lambda c: None, note="")  # only a waiting case starts
    assert Case.objects.get(pk=case.pk).status == S.ASSIGNED


def test_a_completion_is_written_once_with_its_row_and_messages(world):
    case = assigned_case(world)
    locked = case_lock(case)
    event = case_finish(
        case=locked,
        actor=world.grid_worker,
        status=S.COMPLETED,
        kind="answered",
        note="咨询答复：可以办理",
        result=Result("可以办理"),
    )
    row = Case.objects.get(pk=case.pk)
    assert (row.status, row.result, row.delivery_method) == (S.COMPLETED, "可以办理", "door")
    assert row.completed_at is not None and row.feedback_due_at > row.completed_at
    assert (event.kind, event.note) == ("answered", "咨询答复：可以办理")
    keys = set(
        Notification.objects.filter(dedupe_key__startswith=f"case:{case.case_no}:").values_list(
            "dedupe_key", flat=True
        )
    )
    assert {f"case:{case.case_no}:completed", f"case:{case.case_no}:feedback"} <= keys


def test_an_end_without_a_reason_for_the_resident_sends_nothing(world):
    case = assigned_case(world)
    before = Notification.objects.filter(dedupe_key__startswith=f"case:{case.case_no}:").count()
    event = case_finish(case=case_lock(case), actor=None, status=S.WITHDRAWN, note="随一件事撤回")
    row = Case.objects.get(pk=case.pk)
    assert (row.status, event.kind) == (S.WITHDRAWN, "withdrawn") and row.closed_at is not None
    assert Notification.objects.filter(dedupe_key__startswith=f"case:{case.case_no}:").count() == before
