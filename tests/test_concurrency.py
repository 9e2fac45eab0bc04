"""Concurrency on PostgreSQL: two staff assigning at once → exactly one wins, the other gets 409;
a double-submitted step never runs twice. (SQLite ignores SELECT … FOR UPDATE, hence PostgreSQL.)"""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.exceptions import ApplicationError
from workflows import case_closing, case_steps, services
from workflows.flows import CaseFlow
from workflows.models import Case, CaseEvent
from workflows.tests.factories import make_world
from workflows.tests.helpers import assert_flow_in_step, drive_to, new_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run ``calls`` at the same moment in threads (own DB connections); return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, fn: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def split(results: list[Any]) -> tuple[list[Any], list[Any]]:
    ok = [r for r in results if isinstance(r, Case)]
    errors = [r for r in results if not isinstance(r, Case)]
    return ok, errors


def test_two_staff_assign_at_once_one_wins():
    world = make_world()
    for _ in range(3):  # a few rounds: the race must hold every time
        case = new_case(world)
        results = race(
            lambda c=case: services.case_assign(
                actor=world.staff, case=Case.objects.get(pk=c.pk), agent=world.agent_grid
            ),
            lambda c=case: services.case_assign(
                actor=world.town, case=Case.objects.get(pk=c.pk), agent=world.agent_grid2
            ),
        )
        ok, errors = split(results)
        assert len(ok) == 1, results
        assert len(errors) == 1 and isinstance(errors[0], ApplicationError), errors
        assert errors[0].status == 409 and errors[0].extra["status"] == "assigned"
        case.refresh_from_db()
        assert case.assigned_agent_id == ok[0].assigned_agent_id
        assert CaseEvent.objects.filter(case=case, kind="assigned").count() == 1
        assert Task.objects.filter(process_id=case.process_id, flow_task=CaseFlow.assign).count() == 1
        assert_flow_in_step(case)


def test_double_submitted_step_runs_once():
    world = make_world()
    case = drive_to(world, "visited")
    results = race(
        *[
            (
                lambda: case_steps.case_submit(
                    actor=world.grid_worker,
                    case=Case.objects.get(pk=case.pk),
                    department="民政局",
                    reference_no="R-1",
                )
            )
            for _ in range(3)
        ]
    )
    ok, errors = split(results)
    assert len(ok) == 1, results
    assert all(isinstance(e, ApplicationError) and e.status == 409 for e in errors), errors
    assert CaseEvent.objects.filter(case=case, kind="submitted").count() == 1
    submit_tasks = Task.objects.filter(process_id=case.process_id, flow_task=CaseFlow.submit)
    assert [t.status for t in submit_tasks] == [STATUS.DONE]
    assert_flow_in_step(case)


def test_double_complete_over_http_runs_once():
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    world = make_world()
    case = drive_to(world, "submitted")
    token = Token.objects.create(user=world.grid_worker)

    def post() -> Any:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client.post(f"/api/v1/cases/{case.case_no}/complete/", {"result": "已办结"}, format="json")

    responses = race(post, post)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409], [getattr(r, "content", r) for r in responses]
    assert CaseEvent.objects.filter(case=case, kind="completed").count() == 1
    assert_flow_in_step(case)


def test_reject_races_assign():
    world = make_world()
    case = new_case(world)
    results = race(
        lambda: services.case_assign(
            actor=world.staff, case=Case.objects.get(pk=case.pk), agent=world.agent_grid
        ),
        lambda: case_closing.case_reject(
            actor=world.town, case=Case.objects.get(pk=case.pk), reason="不属于受理范围"
        ),
    )
    ok, errors = split(results)
    case.refresh_from_db()
    # either order is fine; both may succeed only as assign-then-reject, never reject-then-assign
    if len(ok) == 2:
        assert case.status == "rejected"
    else:
        assert len(ok) == 1 and errors[0].status == 409
    assert_flow_in_step(case)
