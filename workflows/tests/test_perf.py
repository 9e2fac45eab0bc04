"""Query budgets of the hot paths (issue 7): intake and the cached stats, so they cannot quietly regress."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workflows.tests.test_api import client_for, payload

pytestmark = pytest.mark.django_db


def test_intake_query_dump(world):
    client = client_for(world.grid_worker)
    client.post("/api/v1/cases/", payload(world), format="json")  # warm (token, content types)
    with CaptureQueriesContext(connection) as ctx:
        res = client.post("/api/v1/cases/", payload(world), format="json")
    assert res.status_code == 201
    with open("/tmp/perf/queries.txt", "w") as f:
        for i, q in enumerate(ctx.captured_queries):
            f.write(f"{i:2d} {q['sql'][:300]}\n")
    print(len(ctx.captured_queries))
