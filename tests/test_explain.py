"""The hot queries use indexes at 100,000 cases: no sequential scan on the case (or timeline) table.

The SQL is captured from the real code paths (selectors, API views, reminder querysets) and EXPLAINed on
PostgreSQL after ``bench_data`` loaded 100,000 cases and ANALYZE ran, so the test guards what actually runs:
both the plan for the literal values and the generic plan a prepared statement may settle on.
"""

import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from agency.demo import load_demo
from agency.models import Site
from bench.data import bench_load
from core.models import User
from residents import selectors as resident_selectors
from workflows import reminders
from workflows.models import Case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

N = 100_000
SEQ_ON_CASES = re.compile(r"Seq Scan on workflows_case(event)?\b")


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _explain_generic(sql: str, params: Any) -> str:
    """The plan PostgreSQL uses for ``sql`` as a prepared statement once it settles on a generic plan (the
    server keeps hot statements prepared: ``DATABASE_PREPARE_THRESHOLD``); forced, so it is checked too."""
    count = 0

    def placeholder(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(0) == "%%":
            return "%"
        count += 1
        return f"${count}"

    statement = re.sub(r"%%|%s", placeholder, sql)
    with connection.cursor() as cursor:
        cursor.execute("PREPARE bangban_explain AS " + statement)
        try:
            cursor.execute("SET plan_cache_mode = force_generic_plan")
            execute = "EXPLAIN EXECUTE bangban_explain"
            if count:
                execute = _literal(f"{execute} ({', '.join(['%s'] * count)})", list(params))
            cursor.execute(execute)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET plan_cache_mode")
            cursor.execute("DEALLOCATE bangban_explain")


def _captured(call: Callable[[], Any]) -> list[tuple[str, Any]]:
    """The statements on the case tables that ``call`` runs, as SQL with placeholders and parameters."""
    seen: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "workflows_case" in sql:
            seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        call()
    return seen


def _literal(sql: str, params: Any) -> str:
    """``sql`` with its parameters inlined as literals (as PostgreSQL's backend logs a query)."""
    ops: Any = connection.ops  # the PostgreSQL operations' compose_sql (not in django-stubs)
    return str(ops.compose_sql(sql, params)) if params else sql


def _assert_indexed(label: str, statements: list[tuple[str, Any]]) -> None:
    assert statements, f"{label}: no query on the case tables was captured"
    for sql, params in statements:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        plan = _explain(_literal(sql, params))
        assert not SEQ_ON_CASES.search(plan), f"{label}: sequential scan\n{sql}\n{plan}"
        generic = _explain_generic(sql, params)
        assert not SEQ_ON_CASES.search(generic), (
            f"{label}: sequential scan in the generic plan\n{sql}\n{generic}"
        )


def test_hot_queries_use_indexes_at_100k_cases() -> None:
    load_demo(password="explain-pass", with_steps=False)
    started = time.monotonic()
    result = bench_load(n=N, seed=3)
    load_seconds = time.monotonic() - started
    print(f"bench_data: {N} cases, {result.events} events in {load_seconds:.1f} s")  # visible with -s
    assert Case.objects.count() == N
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    sample = result.sample[0]
    case_no, phone = sample["case_no"], sample["phone"]

    # resident quick lookup (by case number) and the resident's own cases (by phone)
    _assert_indexed(
        "lookup by case number",
        _captured(lambda: resident_selectors.case_quick_lookup(case_no=case_no, tail=phone[-4:])),
    )
    _assert_indexed(
        "cases by resident phone", _captured(lambda: resident_selectors.resident_case_list(phone=phone))
    )

    admin = APIClient()
    admin.force_authenticate(User.objects.get(username="admin"))
    staff = APIClient()
    staff.force_authenticate(User.objects.get(username="staff"))
    site_code = Site.objects.get(pk=Case.objects.filter(case_no=case_no).values("site_id")[:1]).code

    def get(client: APIClient, url: str) -> Callable[[], None]:
        def call() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.content[:300])

        return call

    # staff list, first page, filtered by an open status (district admin: all sites; station staff: own)
    _assert_indexed("admin list status=submitted", _captured(get(admin, "/api/v1/cases/?status=submitted")))
    _assert_indexed("admin list status=new", _captured(get(admin, "/api/v1/cases/?status=new")))
    station_list = _captured(get(staff, "/api/v1/cases/?status=assigned"))
    _assert_indexed("station staff list status=assigned", station_list)
    # … and its count combines the (site, status) and (agent, status) indexes rather than walking every
    # open case (the session's random_page_cost, config/settings/base.py)
    counts = [_literal(sql, params) for sql, params in station_list if "COUNT(" in sql.upper()]
    assert counts, station_list
    count_plan = _explain(counts[0])
    assert "case_site_status_idx" in count_plan and "case_agent_status_idx" in count_plan, count_plan
    # open cases by site and status
    _assert_indexed(
        "open cases of one site",
        _captured(get(admin, f"/api/v1/cases/?site={site_code}&status=new,assigned,visited,submitted")),
    )
    # case detail with its timeline
    _assert_indexed("case detail", _captured(get(admin, f"/api/v1/cases/{case_no}/")))

    # due reminders: open cases whose deadline falls in a window (the reminder sweeps' querysets)
    now = timezone.now()
    for name in ("due_soon_cases", "overdue_cases", "unassigned_cases"):
        queryset = getattr(reminders, name)(now)
        plan = queryset.explain()
        assert not SEQ_ON_CASES.search(plan), f"reminders.{name}: sequential scan\n{plan}"
    json.dumps(result.sample[:1])  # the sample is JSON-serialisable as written by --sample-out
