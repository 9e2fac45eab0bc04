"""Profile one benchmark request in-process with pyinstrument (issue 7: where the time goes).

    .venv/bin/python bench/profile.py intake|lookup|resident_list|staff_list|detail|stats|assign [-n 200]

Uses the ``make bench`` database and settings (``bench/run.py``'s environment: production settings, DEBUG off,
PostgreSQL, Redis) and the Django test client through the full middleware stack, so the profile is the
server's work without gunicorn and the network. Prints pyinstrument's text tree and the mean wall time per
request; ``--html FILE`` also writes the interactive page.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import run as bench  # noqa: E402  (sets the environment: settings, database, Redis)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("what")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--html")
    parser.add_argument("--flat", action="store_true", help="functions by own time instead of the call tree")
    parser.add_argument(
        "--sql", action="store_true", help="no profiler: wall time per request and time per SQL statement"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.test import Client as DjangoClient
    from pyinstrument import Profiler

    fx = bench.Fixtures()
    client = DjangoClient(SERVER_NAME="127.0.0.1")
    admin: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Token {fx.staff_tokens['admin']}"}
    staff: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Token {fx.staff_tokens['staff']}"}

    def request(i: int) -> None:
        row = fx.case(0, i)
        if args.what == "intake":
            r = client.post(
                "/api/v1/cases/",
                data=json.dumps(bench.intake_body(fx, 77, i)),
                content_type="application/json",
                **staff,
            )
            assert r.status_code == 201, r.content
            return
        if args.what == "assign":
            body = bench.intake_body(fx, 78, i)
            r = client.post("/api/v1/cases/", data=json.dumps(body), content_type="application/json", **staff)
            case_no = r.json()["case_no"]
            r = client.post(
                f"/api/v1/cases/{case_no}/assign/",
                data=json.dumps({"agent": "grid"}),
                content_type="application/json",
                **staff,
            )
            assert r.status_code == 200, r.content
            return
        paths: dict[str, tuple[str, dict[str, Any]]] = {
            "lookup": (
                "/api/v1/track/lookup/?"
                + urlencode({"case_no": row["case_no"], "phone_tail": row["phone"][-4:]}),
                {},
            ),
            "resident_list": (
                "/api/v1/track/cases/",
                {"HTTP_AUTHORIZATION": f"Bearer {fx.resident_tokens[i % len(fx.resident_tokens)]}"},
            ),
            "staff_list": ("/api/v1/cases/?status=submitted", admin),
            "staff_list_station": ("/api/v1/cases/?status=assigned", staff),
            "detail": (f"/api/v1/cases/{row['case_no']}/", admin),
            "stats": ("/api/v1/stats/", admin),
            "healthz": ("/healthz", {}),
        }
        path, headers = paths[args.what]
        r = client.get(path, **headers)
        assert r.status_code == 200, r.content

    for i in range(5):  # warm per-process caches, like a running server
        request(10_000 + i)
    if args.sql:
        return sql_report(args, request)
    profiler = Profiler(interval=0.0005)
    t0 = time.perf_counter()
    with profiler:
        for i in range(args.n):
            request(i)
    elapsed = time.perf_counter() - t0
    print(profiler.output_text(unicode=True, color=False, show_all=args.flat, flat=args.flat))
    print(f"{args.what}: {args.n} requests, {elapsed / args.n * 1000:.1f} ms each (profiled)")
    if args.html:
        Path(args.html).write_text(profiler.output_html(), encoding="utf-8")
    return 0


def sql_report(args: argparse.Namespace, request: Callable[[int], None]) -> int:
    """Wall time per request without a profiler, and where the database time goes, statement by statement."""
    import re
    from collections import defaultdict

    from django.db import connection

    totals: dict[str, list[float]] = defaultdict(list)

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            shape = re.sub(r"\bs\d+_x\d+\b", "sp", sql.split(" WHERE ")[0])[:110]
            totals[shape].append(time.perf_counter() - t0)

    t0, c0 = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(timed):
        for i in range(args.n):
            request(i)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    db = sum(sum(v) for v in totals.values())
    print(f"{'ms/req':>7} {'n/req':>6}  statement")
    for shape, times in sorted(totals.items(), key=lambda kv: -sum(kv[1])):
        print(f"{sum(times) / args.n * 1000:7.3f} {len(times) / args.n:6.2f}  {shape}")
    print(
        f"{args.what}: {args.n} requests, {elapsed / args.n * 1000:.2f} ms each "
        f"({cpu / args.n * 1000:.2f} ms of this process's CPU), {db / args.n * 1000:.2f} ms in SQL "
        f"(commit not included), {sum(map(len, totals.values())) / args.n:.1f} statements"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
