"""Benchmark (not a test): the outbox sweep over 1,000,000 outbox rows of which 10,000 are due.

    .venv/bin/python bench/bench_outbox_sweep.py [--rows 1000000] [--due 10000] [--repeat 3]

PostgreSQL only (``DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/bangban_outboxbench``; created
and migrated if missing). The outbox is filled with ``INSERT … SELECT generate_series``: mostly ``sent`` rows,
``--due`` pending rows due a few minutes ago, as many pending rows held until tomorrow (quiet hours), some
``failed``. Measured: ``sweep_outbox`` end to end (in-doubt check + leasing + publishing), with the broker
publish replaced by a counter, so the figure is the database work. Target: cost follows the due rows, not the
table (≤ 2 s for 10,000 due of 1,000,000). Writes ``var/bench/outbox_sweep.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bangban_outboxbench")
OUT = ROOT / "var" / "bench" / "outbox_sweep.json"


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def load(rows: int, due: int) -> float:
    from django.db import connection

    started = time.perf_counter()
    held = due
    failed = rows // 100
    sent = rows - due - held - failed
    common = (
        "INSERT INTO notifications_notification (dedupe_key, channel, audience, recipient_phone, template,"
        " context, text, status, attempts, last_error, send_after, next_attempt_at, claimed_at, sent_at,"
        " read_at, created_at, recipient_user_id) "
    )
    with connection.cursor() as c:
        c.execute("TRUNCATE notifications_notification RESTART IDENTITY")
        # kind: 0 sent (long ago), 1 due pending, 2 held pending, 3 failed — interleaved over the id range.
        c.execute(
            common
            + "SELECT 'bench:' || g, 'sms', 'resident', '+86138' || lpad(mod(g, 100000000)::text, 8, '0'),"
            " 'due_soon', '{}'::jsonb, '【帮办代办】bench ' || g,"
            " CASE k WHEN 0 THEN 'sent' WHEN 3 THEN 'failed' ELSE 'pending' END, 1, '',"
            " now() - interval '1 day' * mod(g, 700) - interval '5 minutes',"
            " CASE k WHEN 1 THEN now() - interval '5 minutes' WHEN 2 THEN now() + interval '10 hours' END,"
            " NULL, CASE k WHEN 0 THEN now() - interval '1 day' * mod(g, 700) END, NULL,"
            " now() - interval '1 day' * mod(g, 700) - interval '5 minutes', NULL"
            " FROM (SELECT g, CASE WHEN mod(g, %s) = 0 THEN 1 WHEN mod(g, %s) = 1 THEN 2"
            "   WHEN mod(g, 100) = 50 THEN 3 ELSE 0 END AS k FROM generate_series(1, %s) g) s",
            [rows // due, rows // held, rows],
        )
        c.execute("ANALYZE notifications_notification")
        c.execute("SELECT status, count(*) FROM notifications_notification GROUP BY status ORDER BY 1")
        print("outbox:", dict(c.fetchall()), f"(planned sent≈{sent})")
    return time.perf_counter() - started


def reset_due(due_ids: list[int]) -> None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "UPDATE notifications_notification SET next_attempt_at = now() - interval '5 minutes'"
            " WHERE id = ANY(%s)",
            [due_ids],
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import django

    ensure_database(os.environ["DATABASE_URL"])
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications import tasks
    from notifications.models import Notification

    call_command("migrate", verbosity=0)
    load_s = load(args.rows, args.due)
    due_ids = list(
        Notification.objects.filter(
            status="pending", next_attempt_at__lte=django.utils.timezone.now()
        ).values_list("id", flat=True)
    )
    published: list[int] = []
    tasks.send_notification.delay = published.append  # type: ignore[method-assign]
    with connection.cursor() as c:
        c.execute(
            "EXPLAIN SELECT id FROM notifications_notification"
            " WHERE status = 'pending' AND next_attempt_at <= now()"
            " ORDER BY next_attempt_at LIMIT 500 FOR UPDATE SKIP LOCKED"
        )
        plan = "\n".join(r[0] for r in c.fetchall())
    runs = []
    for _ in range(args.repeat):
        reset_due(due_ids)
        published.clear()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            result = tasks.sweep_outbox()
            elapsed = time.perf_counter() - started
        assert len(published) == len(due_ids) == result["published"], (len(published), len(due_ids), result)
        runs.append({"seconds": round(elapsed, 3), "queries": len(ctx.captured_queries)})
        # An idle sweep right after (nothing due): what every other minute costs.
    with CaptureQueriesContext(connection) as idle_ctx:
        started = time.perf_counter()
        tasks.sweep_outbox()
        idle = time.perf_counter() - started
    report = {
        "rows": args.rows,
        "due": len(due_ids),
        "load_seconds": round(load_s, 1),
        "sweep_runs": runs,
        "sweep_best_seconds": min(r["seconds"] for r in runs),
        "sweep_median_seconds": statistics.median(r["seconds"] for r in runs),
        "idle_sweep_seconds": round(idle, 4),
        "idle_sweep_queries": len(idle_ctx.captured_queries),
        "plan": plan,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
