"""Benchmark (not a test): the reminder sweep over 1,000,000 cases of which 10,000 are due.

    .venv/bin/python bench/bench_reminder_sweep.py [--cases 1000000] [--due 10000] [--repeat 3] [--reload]

Runs on PostgreSQL (``DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/bangban_remindbench``; the
database is created and migrated if missing, the demo district loaded for sites/matters/agents). Cases are
COPY-ed straight into ``workflows_case`` (no timeline/process rows: the sweeps do not need them):

- ``--due`` open, assigned cases whose deadline is within the next working day (the ``due_soon`` window);
- 4 × ``--due`` open cases due later (2–20 working days ahead), 10 % of them still ``new``;
- ``--due`` / 10 open cases overdue by a few days (the escalation ladder's work) and ``--due`` / 2 cases stuck
  open for over a year (past the look-back window: they must not be read);
- the rest ``closed`` over the last three years.

Measured (wall time and number of SQL queries, best and median of ``--repeat`` runs): reading the due ids,
the ``due_soon`` sweep end to end on an empty outbox (select + build + bulk insert of SMS and in-app rows),
the same sweep again (everything deduplicated, nothing inserted), the whole ``reminder_sweep`` and
``escalation_sweep``. The after-commit broker kick (one ``sweep_outbox`` message per batch) is counted, not
sent. Prints a table and writes ``var/bench/reminder_sweep.json``. Target: ≤ 2 s for 10,000 due of 1,000,000.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bangban_remindbench")
OUT = ROOT / "var" / "bench" / "reminder_sweep.json"


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup() -> None:
    import django

    ensure_database(os.environ["DATABASE_URL"])
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from agency.models import Site

    if not Site.objects.exists():
        call_command("demo_data", district_only=True, verbosity=0)


# --- Data ----------------------------------------------------------------------------------------------


def _ts(moment: dt.datetime) -> str:
    return moment.isoformat()


def load(*, total: int, due: int, now: dt.datetime, seed: int = 7) -> dict[str, int]:
    """COPY ``total`` cases into ``workflows_case`` (see the module docstring for the mix)."""
    import random

    from django.db import connection

    from agency.models import Agent, Matter, Site
    from core.workdays import add_working_days
    from workflows.models import Case

    rng = random.Random(seed)
    through = Agent.sites.through
    agents_by_site: dict[int, list[int]] = {}
    for site_id, agent_id in through.objects.filter(
        agent__kind__in=["grid_worker", "cadre", "community_worker", "volunteer"], agent__is_active=True
    ).values_list("site_id", "agent_id"):
        agents_by_site.setdefault(site_id, []).append(agent_id)
    sites = list(Site.objects.filter(pk__in=list(agents_by_site)).values_list("id", flat=True))
    matters = list(Matter.objects.values_list("id", flat=True))
    assert sites and matters, "demo data missing: no sites with agents"

    window_end = add_working_days(now, 1)
    later_days = [add_working_days(now, d) for d in range(2, 21)]
    counts = {"due_soon": due, "open_later": 4 * due, "overdue_recent": due // 10, "stuck_ancient": due // 2}
    counts["closed"] = total - sum(counts.values())
    if counts["closed"] < 0:  # a small run: fewer open-later cases, the due ones stay
        counts["open_later"] = max(0, counts["open_later"] + counts["closed"])
        counts["closed"] = total - sum(v for k, v in counts.items() if k != "closed")
    assert counts["closed"] >= 0, "--cases too small for --due"
    open_statuses = ["assigned", "visited", "awaiting_materials", "submitted"]
    cols = [
        *("case_no", "site_id", "matter_id", "resident_name", "resident_phone", "id_number", "address"),
        *("description", "channel", "special_groups", "priority", "status", "due_at", "assigned_agent_id"),
        *("department", "reference_no", "result", "delivery_method", "tracking_no", "materials_missing"),
        *("created_at", "updated_at", "completed_at", "closed_at", "feedback_due_at"),
    ]
    span = (window_end - now).total_seconds()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE workflows_case RESTART IDENTITY CASCADE")
        cursor.execute("TRUNCATE notifications_notification RESTART IDENTITY")
    kinds = [k for k, n in counts.items() for _ in range(n)]
    rng.shuffle(kinds)  # due rows spread over the whole id range, as in life
    started = time.perf_counter()
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    n = 0
    buf = io.StringIO()

    def flush(cur: Any) -> None:
        buf.seek(0)
        with cur.copy(f"COPY workflows_case ({', '.join(cols)}) FROM STDIN") as copy:
            while chunk := buf.read(1 << 20):
                copy.write(chunk)
        buf.seek(0)
        buf.truncate()

    with raw.cursor() as cur:
        for i, kind in enumerate(kinds):
            site = sites[i % len(sites)]
            agent: int | None = rng.choice(agents_by_site[site])
            completed = closed = feedback = r"\N"
            if kind == "due_soon":
                status = rng.choice(open_statuses)
                due_at = now + dt.timedelta(seconds=60 + rng.random() * (span - 120))
                created = due_at - dt.timedelta(days=7)
            elif kind == "open_later":
                status = "new" if rng.random() < 0.1 else rng.choice(open_statuses)
                due_at = rng.choice(later_days)
                created = now - dt.timedelta(hours=rng.randrange(1, 48))
                agent = None if status == "new" else agent
            elif kind == "overdue_recent":
                status = rng.choice(open_statuses)
                due_at = now - dt.timedelta(days=rng.randrange(1, 10), seconds=1)
                created = due_at - dt.timedelta(days=7)
            elif kind == "stuck_ancient":
                status = rng.choice(open_statuses)
                due_at = now - dt.timedelta(days=400 + rng.randrange(0, 600))
                created = due_at - dt.timedelta(days=7)
            else:
                status = "closed"
                created = now - dt.timedelta(days=30 + rng.random() * 1065)
                due_at = created + dt.timedelta(days=7)
                completed = _ts(created + dt.timedelta(days=5))
                closed = _ts(created + dt.timedelta(days=12))
                feedback = _ts(created + dt.timedelta(days=12))
            row = [
                f"BB{i:012d}",
                str(site),
                str(matters[i % len(matters)]),
                "测试居民",
                f"+86138{i % 100_000_000:08d}",
                "",
                "测试村1组",
                "",
                "doorstep",
                "[]",
                "0",
                status,
                _ts(due_at),
                str(agent) if agent else r"\N",
                "",
                "",
                "",
                "",
                "",
                "[]",
                _ts(created),
                _ts(created),
                completed,
                closed,
                feedback,
            ]
            buf.write("\t".join(row) + "\n")
            n += 1
            if n % 50_000 == 0:
                flush(cur)
        flush(cur)
    raw.commit()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('workflows_case', 'id'), "
            "(SELECT max(id) FROM workflows_case))"
        )
        cursor.execute("ANALYZE workflows_case")
    print(f"loaded {n:,} cases in {time.perf_counter() - started:.1f} s: {counts}")
    assert Case.objects.count() == total
    return counts


# --- Measurements -----------------------------------------------------------------------------------


def measure(label: str, fn: Any, *, repeat: int, before: Any = None) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    walls: list[float] = []
    cpus: list[float] = []
    queries: list[int] = []
    result: Any = None
    for _ in range(repeat):
        if before is not None:
            before()
        with CaptureQueriesContext(connection) as ctx:
            started, cpu_started = time.perf_counter(), time.process_time()
            result = fn()
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu_started)
        queries.append(len(ctx))
    out = {
        "label": label,
        "wall_best_s": round(min(walls), 3),
        "wall_median_s": round(statistics.median(walls), 3),
        "wall_all_s": [round(w, 3) for w in walls],
        "client_cpu_median_s": round(statistics.median(cpus), 3),
        "queries": queries[-1],
        "result": result.as_dict() if hasattr(result, "as_dict") else result,
    }
    best, median, cpu = out["wall_best_s"], out["wall_median_s"], out["client_cpu_median_s"]
    print(f"{label:<44} {best:>8.3f} {median:>8.3f} {cpu:>8.3f} {out['queries']:>8}  {out['result']}")
    return out


def explain(sql_qs: Any) -> str:
    from django.db import connection

    sql, params = sql_qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(r[0] for r in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--reload", action="store_true", help="reload the cases even if the counts match")
    parser.add_argument("--out", default=str(OUT), help="where to write the JSON results")
    args = parser.parse_args()

    setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    import notifications.services as notification_services
    from notifications.models import Notification
    from workflows import reminders
    from workflows.models import Case

    now = timezone.now()
    due_now = reminders.due_soon_cases(now).count()
    if args.reload or Case.objects.count() != args.cases or abs(due_now - args.due) > args.due * 0.02:
        load(total=args.cases, due=args.due, now=now)
        now = timezone.now()

    kicks = {"n": 0}
    notification_services._kick_outbox_sweep = lambda: kicks.__setitem__("n", kicks["n"] + 1)  # type: ignore[assignment]

    def clear_outbox() -> None:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE notifications_notification RESTART IDENTITY")

    total = Case.objects.count()
    due = reminders.due_soon_cases(now).count()
    print(
        f"\n{total:,} cases, {due:,} due in the due-soon window; PostgreSQL, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    print(f"{'measurement':<44} {'best s':>8} {'median s':>8} {'cpu s':>8} {'queries':>8}  result")
    rows = [
        measure(
            "select due ids (due_soon, index only)",
            lambda: len(list(reminders.due_soon_cases(now).order_by().values_list("id", flat=True))),
            repeat=args.repeat,
        ),
        measure(
            "due_soon sweep, empty outbox (select+enqueue)",
            lambda: reminders.reminders_due_soon(now=now, batch_size=args.batch_size),
            repeat=args.repeat,
            before=clear_outbox,
        ),
    ]
    outbox_rows = Notification.objects.count()
    rows.append(
        measure(
            "due_soon sweep again (all deduplicated)",
            lambda: reminders.reminders_due_soon(now=now, batch_size=args.batch_size),
            repeat=args.repeat,
        )
    )
    rows.append(
        measure(
            "reminder_sweep (due_soon+visit+feedback)",
            lambda: reminders.reminder_sweep(now=now, batch_size=args.batch_size),
            repeat=args.repeat,
            before=clear_outbox,
        )
    )
    rows.append(
        measure(
            "escalation_sweep (unassigned+overdue ladder)",
            lambda: reminders.escalation_sweep(now=now, batch_size=args.batch_size),
            repeat=args.repeat,
            before=clear_outbox,
        )
    )
    plan = explain(reminders.due_soon_cases(now).order_by().values("id"))
    print("\nplan of the due-id read:\n" + plan)
    target = rows[1]["wall_median_s"] <= 2.0
    print(
        f"\ntarget (due_soon select+enqueue <= 2 s, median): {'met' if target else 'NOT met'}; "
        f"outbox rows per run: {outbox_rows:,}; broker kicks counted: {kicks['n']}"
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "when": dt.datetime.now(dt.UTC).isoformat(),
                "database": f"{connection.vendor} {getattr(connection, 'pg_version', '')}",
                "cases": total,
                "due": due,
                "batch_size": args.batch_size or getattr(settings, "REMINDER_BATCH_SIZE", 2000),
                "outbox_rows_per_due_soon_run": outbox_rows,
                "cpus": os.cpu_count(),
                "load_average_1m": os.getloadavg()[0],
                "python": platform.python_version(),
                "measurements": rows,
                "target_met": target,
                "plan_due_ids": plan,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    print(f"wrote {out}")
    clear_outbox()


if __name__ == "__main__":
    main()
