"""20 threads act on one case at once through the HTTP API (assign, visit, submit, complete), round after
round until the case is completed: one legal path, no duplicate timeline entries, no Viewflow task run twice.

Complements ``tests/test_concurrency.py`` (pairs and triples of the same action): here every thread is a
separate API request with its own PostgreSQL connection, and the actions are mixed, so requests for the
next step race the step before them. A refused request answers 409 (or 403 before the grid worker is
assigned), never a 500.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from tests.faults.conftest import api_client
from workflows.models import Case, CaseEvent
from workflows.tests.factories import make_world
from workflows.tests.helpers import assert_flow_in_step, new_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LEGAL_PATH = ["created", "assigned", "visited", "submitted", "completed"]
THREADS = 20


def storm(calls: list[tuple[str, Any, str, dict[str, Any]]]) -> list[tuple[str, int, bytes]]:
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, int, bytes]] = [("", 0, b"")] * len(calls)

    def run(i: int, action: str, client: Any, path: str, body: dict[str, Any]) -> None:
        try:
            barrier.wait()
            response = client.post(path, body, format="json")
            results[i] = (action, response.status_code, response.content)
        except Exception as exc:  # recorded, asserted below
            results[i] = (action, -1, repr(exc).encode())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_twenty_threads_one_legal_path(deliver_now, monkeypatch) -> None:
    monkeypatch.setattr("notifications.services._publish", lambda _id: None)
    world = make_world()
    case = new_case(world)
    staff, grid = api_client(world.staff), api_client(world.grid_worker)
    base = f"/api/v1/cases/{case.case_no}"
    actions = {
        "assign": (staff, {"agent": world.grid_worker.username}),
        "visit": (grid, {"note": "已上门", "materials_missing": []}),
        "submit": (grid, {"department": "民政局", "reference_no": "R-1", "note": ""}),
        "complete": (grid, {"result": "已办结", "note": ""}),
    }
    names = list(actions)
    wins: Counter[str] = Counter()
    codes: Counter[int] = Counter()
    rounds = 0
    while Case.objects.get(pk=case.pk).status != "completed" and rounds < 8:
        rounds += 1
        calls = []
        for i in range(THREADS):
            name = names[i % len(names)]
            client, body = actions[name]
            calls.append((name, client, f"{base}/{name}/", body))
        for name, code, content in storm(calls):
            codes[code] += 1
            # 409: not this step now; 403: the grid worker is not (yet) the case's agent. Never a 5xx.
            assert code in (200, 409) or (code == 403 and name != "assign"), (name, code, content[:300])
            if code == 200:
                wins[name] += 1

    case.refresh_from_db()
    assert case.status == "completed", (rounds, wins, codes)
    assert wins == Counter({"assign": 1, "visit": 1, "submit": 1, "complete": 1}), wins
    kinds = list(CaseEvent.objects.filter(case=case).order_by("at", "id").values_list("kind", flat=True))
    assert [k for k in kinds if k in LEGAL_PATH] == LEGAL_PATH, kinds
    assert len(kinds) == len(set(kinds)), f"duplicate timeline entries: {kinds}"

    tasks = Task.objects.filter(process_id=case.process_id)
    done = Counter(t.flow_task.name for t in tasks if t.status == STATUS.DONE)
    for node in ("start", "assign", "visit", "submit", "handling"):
        assert done[node] == 1, done
    assert done["route"] == 4, done  # one routing decision after each human step (start opens assign itself)
    assert tasks.exclude(status__in=[STATUS.DONE, STATUS.NEW, STATUS.SCHEDULED]).count() == 0
    assert_flow_in_step(case)
    print(f"storm: {rounds} rounds x {THREADS} threads; responses {dict(codes)}; tasks done {dict(done)}")
