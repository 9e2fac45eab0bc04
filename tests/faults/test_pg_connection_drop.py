"""The PostgreSQL connection dies mid-request: the request fails cleanly, nothing is half-written, and the
next request on the same (server) thread succeeds.

Requests go through Django's real ``WSGIHandler`` (not the test client), so the request_started/finished
signals run ``close_old_connections`` as under gunicorn, with persistent connections (``CONN_MAX_AGE``) and
``CONN_HEALTH_CHECKS``. A query wrapper terminates this thread's backend (``pg_terminate_backend`` from a
second connection) just before a chosen statement runs: the case insert, the timeline insert, Viewflow's
process/task inserts, the outbox insert.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from rest_framework.authtoken.models import Token
from viewflow.workflow.models import Process, Task

from notifications.models import Notification
from tests.faults.conftest import case_body
from workflows.models import Case, CaseEvent
from workflows.tests.factories import make_world
from workflows.tests.helpers import assert_flow_in_step

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HANDLER = WSGIHandler()


def wsgi(method: str, path: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, bytes]:
    data = json.dumps(body or {}).encode() if method == "POST" else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(data)),
        "HTTP_AUTHORIZATION": f"Token {token}",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    status: list[str] = []
    response = HANDLER(environ, lambda s, headers, exc_info=None: status.append(s))
    try:
        content = b"".join(response)
    finally:
        response.close()  # request_finished: close_old_connections, as a WSGI server does
    return int(status[0].split()[0]), content


def terminate_backend(pid: int) -> None:
    s = connection.settings_dict
    with psycopg.connect(
        dbname=s["NAME"],
        user=s.get("USER") or None,
        password=s.get("PASSWORD") or None,
        host=s.get("HOST") or "127.0.0.1",
        port=s.get("PORT") or None,
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def killer(marker: str) -> tuple[Callable[..., Any], list[str]]:
    """A query wrapper that kills this connection right before the first statement containing ``marker``."""
    fired: list[str] = []

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if not fired and marker in sql:
            fired.append(sql[:80])
            terminate_backend(context["connection"].connection.info.backend_pid)
        return execute(sql, params, many, context)

    return wrapper, fired


def snapshot() -> dict[str, int]:
    return {
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "processes": Process.objects.count(),
        "tasks": Task.objects.count(),
        "outbox": Notification.objects.count(),
    }


@pytest.fixture
def persistent_connections(deliver_now: None, settings: Any) -> Any:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    connection.close()
    original = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 600
    yield
    connection.settings_dict["CONN_MAX_AGE"] = original
    connection.close()


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr("notifications.services._publish", lambda _id: None)  # no broker in this test
    w = make_world()
    w.token = Token.objects.create(user=w.grid_worker).key
    w.staff_token = Token.objects.create(user=w.staff).key
    return w


def test_idle_connection_killed_between_requests(persistent_connections, world) -> None:
    status, _ = wsgi("GET", "/api/v1/cases/", world.token)
    assert status == 200
    pid = connection.connection.info.backend_pid  # kept open: CONN_MAX_AGE
    terminate_backend(pid)
    status, body = wsgi("POST", "/api/v1/cases/", world.token, case_body(world, 1))
    assert status == 201, body  # CONN_HEALTH_CHECKS noticed the dead connection and reconnected
    assert connection.connection.info.backend_pid != pid


@pytest.mark.parametrize(
    "marker",
    [
        'INSERT INTO "workflows_case"',
        'INSERT INTO "workflows_caseevent"',
        'INSERT INTO "viewflow_process"',
        'INSERT INTO "viewflow_task"',
        'INSERT INTO "notifications_notification"',
    ],
)
def test_connection_killed_during_case_create(persistent_connections, world, marker: str) -> None:
    before = snapshot()
    wrapper, fired = killer(marker)
    with connection.execute_wrapper(wrapper):
        status, body = wsgi("POST", "/api/v1/cases/", world.token, case_body(world, 2))
    assert fired, f"no statement matched {marker}"
    assert status >= 500, body  # a clean failure, not a 201 for a case that was not saved
    print(f"create, killed before {marker}: {status}")
    assert snapshot() == before, "half-written case"

    status, body = wsgi("POST", "/api/v1/cases/", world.token, case_body(world, 2))
    assert status == 201, body
    case = Case.objects.get(case_no=json.loads(body)["case_no"])
    assert CaseEvent.objects.filter(case=case, kind="created").count() == 1
    assert Notification.objects.filter(dedupe_key=f"case:{case.case_no}:received").count() == 1
    assert_flow_in_step(case)


@pytest.mark.parametrize(
    "marker",
    ['UPDATE "workflows_case"', 'INSERT INTO "workflows_caseevent"', 'UPDATE "viewflow_task"'],
)
def test_connection_killed_during_assign(persistent_connections, world, marker: str) -> None:
    status, body = wsgi("POST", "/api/v1/cases/", world.token, case_body(world, 3))
    assert status == 201, body
    case_no = json.loads(body)["case_no"]
    before = snapshot()
    path = f"/api/v1/cases/{case_no}/assign/"
    agent = {"agent": world.grid_worker.username}

    wrapper, fired = killer(marker)
    with connection.execute_wrapper(wrapper):
        status, body = wsgi("POST", path, world.staff_token, agent)
    assert fired, f"no statement matched {marker}"
    assert status >= 500 or status == 409, body  # failed, and said so
    print(f"assign, killed before {marker}: {status} {body[:120].decode(errors='replace')}")
    assert snapshot() == before
    case = Case.objects.get(case_no=case_no)
    assert case.status == "new" and case.assigned_agent_id is None
    assert_flow_in_step(case)

    status, body = wsgi("POST", path, world.staff_token, agent)
    assert status == 200, body
    case.refresh_from_db()
    assert case.status == "assigned"
    assert CaseEvent.objects.filter(case=case, kind="assigned").count() == 1
    assert_flow_in_step(case)
