"""Schemathesis against /api/schema/, in-process through the WSGI app, authenticated as each role (issue 8).

Stateless, derandomized, no deadline. Checks: ``not_a_server_error`` and ``response_schema_conformance``.
Bounded for a 2-core CI box: the district admin runs every operation (``ADMIN_EXAMPLES`` each), the other staff
roles every GET operation, the resident the track operations, anonymous every operation with a few examples.
Example counts go to var/security_counts.json. Stateful testing: ``test_schemathesis_stateful.py`` (links
inferred by schemathesis 4 plus the case links it adds).
"""

from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.security.conftest import SecWorld
from tests.security.naughty import record_counts

ADMIN_EXAMPLES = 25
PLAN: dict[str, tuple[str, int]] = {
    # role → (which operations, examples per operation)
    "admin": ("all", ADMIN_EXAMPLES),
    "anonymous": ("all", 3),
    "resident": ("track", 10),
    "volunteer": ("get", 4),
    "grid": ("get", 4),
    "staff": ("get", 4),
    "staff2": ("get", 4),
    "town": ("get", 4),
}


def _headers(sw: SecWorld, role: str) -> dict[str, str]:
    client = sw.api(role)
    return {k.replace("HTTP_", "").title(): v for k, v in client._credentials.items()}


def _wanted(operation: Any, which: str) -> bool:
    if which == "all":
        return True
    if which == "get":
        return operation.method.upper() == "GET"
    return "/track/" in operation.path


@pytest.mark.django_db
def test_schemathesis_stateless(sec_world: SecWorld, capsys: Any) -> None:
    # Like Django's test client: the in-process WSGI calls must not close the test's DB connection at the end
    # of each request (on PostgreSQL that would close the connection holding the test transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        _run(sec_world, capsys)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _run(sec_world: SecWorld, capsys: Any) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    failures: list[str] = []
    examples: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    for role, (which, max_examples) in PLAN.items():
        headers = _headers(sec_world, role)
        for operation in operations:
            if not _wanted(operation, which):
                continue
            label = f"{operation.method.upper()} {operation.path}"

            @settings(
                max_examples=max_examples,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def run(case: Any) -> None:
                response = case.call(headers=headers)
                examples[role] += 1
                statuses[response.status_code] += 1
                try:
                    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
                except BaseException as exc:
                    message = str(exc).strip().splitlines()
                    failures.append(f"[{role}] {label} → {response.status_code}: {' | '.join(message[:6])}")

            run()  # runs now: the closure's role/label/headers are this iteration's
    summary = {
        "operations": len(operations),
        "examples_by_role": dict(examples),
        "examples_total": sum(examples.values()),
        "status_counts": {str(k): v for k, v in sorted(statuses.items())},
        "failures": len(failures),
        "stateful": "see schemathesis_stateful",
    }
    record_counts("schemathesis", summary)
    with capsys.disabled():
        print(
            f"\nschemathesis: {summary['examples_total']} examples over {len(operations)} operations "
            f"{dict(examples)}; statuses {dict(statuses)}; failures {len(failures)}"
        )
    unique = sorted(set(failures))
    assert not unique, "\n".join(unique[:40])
