"""``make bench``: issue 7's benchmark suite (PostgreSQL + Redis, production settings, 2 gunicorn workers).

    .venv/bin/python bench/run.py      # BENCH_CASES=1000000 by default; BENCH_CASES=20000 for a quick run

Steps: create the database if missing, migrate, ``demo_data --force``, ``bench_data`` if the database has no
cases (``BENCH_CASES``, sample file ``var/bench/sample.jsonl``), start gunicorn (2 sync workers, persistent DB
connections, ``config.settings.production`` with a dummy secret, no SSL redirect) on 127.0.0.1:8765, then
drive each endpoint over loopback with ``bench/loadgen.py`` at concurrency 1 and 8 (``BENCH_DURATION`` s each,
default 10, at most 30), count SQL queries per request in-process (Django test client under
``CaptureQueriesContext``), run ``bench/bench_reminder_sweep.py`` if it exists, and write
``var/bench/results.json`` plus a table in which every figure is also a ratio to the ceiling (``/healthz``).

Environment: ``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/bangban_bench``), ``REDIS_URL``
(default ``redis://127.0.0.1:6379/3``), ``BENCH_CASES``, ``BENCH_DURATION``, ``BENCH_PORT`` (8765),
``BENCH_REMINDER`` (``0`` skips the reminder sweep benchmark), ``BENCH_ONLY`` (comma list of scenario name
prefixes, e.g. ``resident,intake``: a partial run; the ceiling always runs).

Staff tokens are DRF tokens of the demo accounts; resident tokens are issued in-process through the resident
token service (the OTP/SMS round trip is not what is measured). Rate limits are raised for the run
(``TRACK_RATE_LIMITS``): the limiter itself still runs on every request.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from loadgen import Client, LoadResult, get, run_load  # noqa: E402
from report import check_targets, print_table  # noqa: E402

OUT_DIR = ROOT / "var" / "bench"
RESULTS = OUT_DIR / "results.json"
PORT = int(os.environ.get("BENCH_PORT", "8765"))
DURATION = min(float(os.environ.get("BENCH_DURATION", "10")), 30.0)
CASES = int(os.environ.get("BENCH_CASES", "1000000"))
CONCURRENCY = (1, 8)
HIGH_LIMITS = (
    "otp_phone=1000000/h,otp_ip=1000000/h,verify_phone=1000000/15m,verify_ip=1000000/15m,"
    "lookup_ip=100000000/m"
)

ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "bench-only-dummy-secret-key-not-for-production-0123456789abcdef",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_CONN_MAX_AGE": "60",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bangban_bench"),
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
    "TRACK_RATE_LIMITS": HIGH_LIMITS,
    "SMS_BACKEND": "file",
    "SMS_FILE_PATH": str(OUT_DIR / "sms.jsonl"),
    "CELERY_TASK_ALWAYS_EAGER": "0",
    # Every intake's SMS is due at once and published to Celery on commit, whatever the hour: the run
    # measures the same work by day and by night (in quiet hours the message would be held, unpublished).
    "NOTIFICATIONS_QUIET_HOURS": "0,0",
}
os.environ.update(ENV)
# one sample file per database, so a run against another database never uses numbers it does not hold
SAMPLE = OUT_DIR / f"sample_{urlparse(ENV['DATABASE_URL']).path.lstrip('/')}.jsonl"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


def prepare() -> dict[str, Any]:
    """Migrate, demo data, bench data if absent; returns facts about the data set."""
    import django

    ensure_database(ENV["DATABASE_URL"])
    django.setup()
    from django.core.management import call_command

    from workflows.models import Case

    call_command("migrate", "--noinput", verbosity=0)
    try:
        call_command("seed_calendar", verbosity=0)
    except Exception as exc:
        log(f"seed_calendar skipped: {exc}")
    # production static storage (manifest): without it even the 500 page fails to render
    try:
        call_command("collectstatic", "--noinput", verbosity=0)
    except Exception as exc:  # the API under test does not need static files
        log(f"collectstatic failed (500 pages will not render): {str(exc).splitlines()[0][:200]}")
    call_command("demo_data", "--force", "--district-only", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    # the bare district has no 一件事: add the catalog (no cases), or the bundle-intake row has nothing to post
    from bundles.demo import load_bundles_demo

    load_bundles_demo()
    existing = Case.objects.count()
    load_seconds = None
    if existing == 0:
        log(f"loading {CASES} cases (bench_data)…")
        t0 = time.monotonic()
        call_command("bench_data", "--cases", str(CASES), "--sample-out", str(SAMPLE))
        load_seconds = round(time.monotonic() - t0, 1)
    elif not SAMPLE.exists() or not _sample_matches():
        write_sample_from_db()
    total = Case.objects.count()
    log(f"{total} cases in the database")
    return {"cases": total, "bench_data_seconds": load_seconds}


def _sample_matches() -> bool:
    from workflows.models import Case

    first = json.loads(SAMPLE.read_text(encoding="utf-8").splitlines()[0])
    return Case.objects.filter(case_no=first["case_no"], resident_phone=first["phone"]).exists()


def write_sample_from_db() -> None:
    from workflows.models import Case

    top = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
    picks = random.Random(1).sample(range(1, top + 1), min(top, 3000))
    ids = list(Case.objects.filter(id__in=picks).values_list("case_no", "resident_phone")[:1000])
    SAMPLE.parent.mkdir(parents=True, exist_ok=True)
    with SAMPLE.open("w", encoding="utf-8") as fh:
        for case_no, phone in ids:
            fh.write(json.dumps({"case_no": case_no, "phone": str(phone)}) + "\n")


def start_gunicorn() -> subprocess.Popen[bytes]:
    log_path = OUT_DIR / "gunicorn.log"
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi",
        "--workers",
        "2",
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{PORT}",
        "--keep-alive",
        "30",
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=os.environ.copy(), stdout=log_path.open("ab"), stderr=subprocess.STDOUT
    )
    for _ in range(120):
        time.sleep(0.5)
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({proc.returncode}); see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2) as r:
                if r.status == 200:
                    log(f"gunicorn up on 127.0.0.1:{PORT} (pid {proc.pid})")
                    return proc
        except Exception:
            continue
    proc.terminate()
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


class Fixtures:
    """Tokens, sample cases and the intake target, made in-process before the run."""

    def __init__(self) -> None:
        from django.utils import timezone
        from rest_framework.authtoken.models import Token

        from agency.models import Agent
        from core.models import User
        from residents import otp as resident_otp

        self.sample = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line]
        if not self.sample:
            raise RuntimeError(f"empty sample file {SAMPLE}")
        self.staff_tokens = {
            name: Token.objects.get_or_create(user=User.objects.get(username=name))[0].key
            for name in ("admin", "staff", "grid")
        }
        phones = sorted({row["phone"] for row in self.sample})[:100]
        now = timezone.now()
        self.resident_tokens = [resident_otp.token_issue(phone=phone, now=now).token for phone in phones]
        staff_agent = Agent.objects.get(user__username="staff")
        station = staff_agent.sites.order_by("id").first()
        assert station is not None
        self.site = station.code
        matter = station.matters.filter(is_active=True, is_consultation=False).order_by("code").first()
        assert matter is not None
        self.matter = matter.code
        from bundles.models import Bundle  # issue 15: the bundle-intake figure

        bundle = Bundle.objects.filter(sites=station, is_active=True).order_by("sort_order", "code").first()
        self.bundle = bundle.code if bundle is not None else None
        self.lifecycle_phone = "+8613900000000"
        self.lifecycle_token = resident_otp.token_issue(phone=self.lifecycle_phone, now=now).token

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Token {self.staff_tokens[user]}"}

    def case(self, worker: int, i: int) -> dict[str, str]:
        return self.sample[(worker * 7919 + i) % len(self.sample)]


# Intake phones differ between runs (one of 12 blocks of 8 workers × 1,000,000 numbers), so a run seldom meets
# the per-phone SMS cap left by an earlier one: each message costs the same, published at once.
RUN_BLOCK = random.randrange(12)


def intake_body(fx: Fixtures, worker: int, i: int) -> dict[str, Any]:
    return {
        "site": fx.site,
        "matter": fx.matter,
        "resident_name": "压测群众",
        "resident_phone": f"139{((RUN_BLOCK * 8 + worker) * 1_000_000 + i) % 100_000_000:08d}",
        "address": "压测路1号",
        "description": "性能测试登记",
        "channel": "phone",
    }


def lifecycle(fx: Fixtures, *, full: bool = True) -> Any:
    """Through the API: create, assign, visit, submit, complete; with ``full`` also rating and close."""

    def op(client: Client, worker: int, i: int) -> None:
        staff, grid = fx.auth("staff"), fx.auth("grid")
        body = intake_body(fx, worker, i)
        body["resident_phone"] = fx.lifecycle_phone
        case = client.request("POST", "/api/v1/cases/", body=body, headers=staff, expect=(201,))
        base = f"/api/v1/cases/{case['case_no']}"
        client.request("POST", f"{base}/assign/", body={"agent": "grid"}, headers=staff)
        client.request(
            "POST", f"{base}/visit/", body={"note": "已上门", "materials_missing": []}, headers=grid
        )
        client.request(
            "POST",
            f"{base}/submit/",
            body={"department": "区民政局", "reference_no": "BENCH", "note": ""},
            headers=grid,
        )
        client.request("POST", f"{base}/complete/", body={"result": "已办结", "note": ""}, headers=grid)
        if not full:
            return
        client.request(
            "POST",
            f"/api/v1/track/cases/{case['case_no']}/feedback/",
            body={"rating": 5, "comment": "满意"},
            headers={"Authorization": f"Bearer {fx.lifecycle_token}"},
            expect=(201,),
        )
        client.request("POST", f"{base}/close/", body={"note": "评价后关闭"}, headers=staff)

    return op


def scenarios(fx: Fixtures) -> list[tuple[str, Any, str | None]]:
    """(name, operation, path for the query count) in run order."""

    def lookup_path(w: int, i: int) -> str:
        row = fx.case(w, i)
        return "/api/v1/track/lookup/?" + urlencode(
            {"case_no": row["case_no"], "phone_tail": row["phone"][-4:]}
        )

    def resident_headers(w: int, i: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {fx.resident_tokens[(w * 31 + i) % len(fx.resident_tokens)]}"}

    def detail_path(w: int, i: int) -> str:
        return f"/api/v1/cases/{fx.case(w, i)['case_no']}/"

    def intake(client: Client, worker: int, i: int) -> None:
        client.request(
            "POST",
            "/api/v1/cases/",
            body=intake_body(fx, worker, i),
            headers=fx.auth("staff"),
            expect=(201,),
            decode=False,
        )

    def bundle_intake(client: Client, worker: int, i: int) -> None:
        body = intake_body(fx, worker, i)
        del body["matter"]
        body["bundle"] = fx.bundle
        client.request(
            "POST",
            "/api/v1/bundles/intake/",
            body=body,
            headers=fx.auth("staff"),
            expect=(201,),
            decode=False,
        )

    def intake_keyed(client: Client, worker: int, i: int) -> None:
        # issue 14: the offline sync's path, a fresh Idempotency-Key per request (the key's own cost)
        client.request(
            "POST",
            "/api/v1/cases/",
            body=intake_body(fx, worker, i),
            headers={**fx.auth("staff"), "Idempotency-Key": uuid.uuid4().hex},
            expect=(201,),
            decode=False,
        )

    admin = fx.auth("admin")
    # one 一件事 intake = its parent case + one case per member (出生一件事: 1 + 4)
    bundle_rows = [("bundle intake POST /api/v1/bundles/intake/", bundle_intake, None)] if fx.bundle else []
    if not fx.bundle:
        log("no active bundle at the benchmark's station: the bundle-intake row is left out")
    return [
        ("ceiling /healthz", get("/healthz"), "/healthz"),
        ("resident lookup", get(lookup_path), "lookup"),
        ("resident case list", get("/api/v1/track/cases/", resident_headers), "resident_list"),
        ("staff list status=submitted (admin)", get("/api/v1/cases/?status=submitted", admin), "staff_list"),
        (
            "staff list status=assigned (station)",
            get("/api/v1/cases/?status=assigned", fx.auth("staff")),
            "staff_list_station",
        ),
        ("case detail", get(detail_path, admin), "detail"),
        ("district dashboard /api/v1/stats/", get("/api/v1/stats/", admin), "stats"),
        ("intake POST /api/v1/cases/", intake, None),
        *bundle_rows,
        ("intake POST /api/v1/cases/ with Idempotency-Key", intake_keyed, None),
        ("case life cycle to completed (5 requests)", lifecycle(fx, full=False), None),
        ("case life cycle to closed (7 requests)", lifecycle(fx), None),
    ]


def count_queries(fx: Fixtures) -> dict[str, dict[str, Any]]:
    """SQL queries per request, in-process through the full middleware stack (Django test client)."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    row = fx.sample[0]
    cases: dict[str, tuple[str, dict[str, Any]]] = {
        "/healthz": ("/healthz", {}),
        "lookup": (
            "/api/v1/track/lookup/?"
            + urlencode({"case_no": row["case_no"], "phone_tail": row["phone"][-4:]}),
            {},
        ),
        "resident_list": ("/api/v1/track/cases/", {"HTTP_AUTHORIZATION": f"Bearer {fx.resident_tokens[0]}"}),
        "staff_list": (
            "/api/v1/cases/?status=submitted",
            {"HTTP_AUTHORIZATION": f"Token {fx.staff_tokens['admin']}"},
        ),
        "staff_list_page_size_100": (
            "/api/v1/cases/?status=submitted&page_size=100",
            {"HTTP_AUTHORIZATION": f"Token {fx.staff_tokens['admin']}"},
        ),
        "staff_list_station": (
            "/api/v1/cases/?status=assigned",
            {"HTTP_AUTHORIZATION": f"Token {fx.staff_tokens['staff']}"},
        ),
        "detail": (
            f"/api/v1/cases/{row['case_no']}/",
            {"HTTP_AUTHORIZATION": f"Token {fx.staff_tokens['admin']}"},
        ),
        "stats": ("/api/v1/stats/", {"HTTP_AUTHORIZATION": f"Token {fx.staff_tokens['admin']}"}),
    }
    client = DjangoClient(SERVER_NAME="127.0.0.1")
    out: dict[str, dict[str, Any]] = {}
    for key, (path, headers) in cases.items():
        client.get(path, **headers)  # warm (per-process caches), like a running server
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(path, **headers)
            ms = (time.perf_counter() - t0) * 1000
        out[key] = {
            "status": response.status_code,
            "queries": len(ctx.captured_queries),
            "in_process_ms": round(ms, 1),
        }

    def intake(i: int) -> Any:
        return client.post(
            "/api/v1/cases/",
            data=json.dumps(intake_body(fx, 99, i)),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {fx.staff_tokens['staff']}",
        )

    intake(98)  # warm, like the other endpoints
    with CaptureQueriesContext(connection) as ctx:
        response = intake(99)
    out["intake"] = {"status": response.status_code, "queries": len(ctx.captured_queries)}
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            "/api/v1/cases/",
            data=json.dumps(intake_body(fx, 99, 100)),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {fx.staff_tokens['staff']}",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
    out["intake_key"] = {"status": response.status_code, "queries": len(ctx.captured_queries)}
    return out


def run_reminder_bench() -> dict[str, Any] | None:
    script = ROOT / "bench" / "bench_reminder_sweep.py"
    result_file = OUT_DIR / "reminder_sweep.json"
    if os.environ.get("BENCH_REMINDER", "1") == "0":
        # not run now: report the latest result of that script, if any, marked as such
        if result_file.exists():
            previous = json.loads(result_file.read_text(encoding="utf-8"))
            stamp = dt.datetime.fromtimestamp(result_file.stat().st_mtime, dt.UTC).isoformat(
                timespec="seconds"
            )
            return {"from_previous_run_at": stamp, **previous}
        return None
    if not script.exists():
        return None
    due = max(100, min(10_000, CASES // 100))
    log(f"reminder sweep benchmark ({script.name} --cases {CASES} --due {due})…")
    env = os.environ.copy()
    for key in ("DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "DJANGO_SECRET_KEY"):
        env.pop(key, None)  # the script uses its own settings…
    parts = urlparse(ENV["DATABASE_URL"])  # …and its own database, next to ours
    env["DATABASE_URL"] = parts._replace(path=parts.path + "_remind").geturl()
    try:
        proc = subprocess.run(
            [sys.executable, str(script), "--cases", str(CASES), "--due", str(due)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    except subprocess.TimeoutExpired:
        return {"error": "timed out after 30 min"}
    if proc.returncode != 0 or not result_file.exists():
        return {"error": f"exit {proc.returncode}", "stderr": proc.stderr[-2000:]}
    return json.loads(result_file.read_text(encoding="utf-8"))


def main() -> int:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    started = time.time()
    facts = prepare()
    fx = Fixtures()
    from django.db import connection

    connection.close()  # gunicorn workers open their own
    proc = start_gunicorn()
    rows: list[dict[str, Any]] = []
    try:
        ceiling: dict[int, float] = {}
        only = [p.strip() for p in os.environ.get("BENCH_ONLY", "").split(",") if p.strip()]
        for name, operation, _qkey in scenarios(fx):
            if only and not name.startswith("ceiling") and not any(name.startswith(p) for p in only):
                continue  # BENCH_ONLY: a quick partial run while working on one scenario (the ceiling runs too)
            for c in CONCURRENCY:
                log(f"{name} at concurrency {c} for {DURATION:.0f} s…")
                result: LoadResult = run_load(
                    name=name, port=PORT, operation=operation, concurrency=c, duration=DURATION
                )
                row = result.as_dict()
                if name.startswith("ceiling"):
                    ceiling[c] = result.ops_per_s
                row["ratio_to_ceiling"] = round(result.ops_per_s / ceiling[c], 3) if ceiling.get(c) else None
                rows.append(row)
                if result.errors:
                    log(f"  {result.errors} errors, e.g. {result.first_errors[:1]}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    queries = count_queries(fx)
    for row in rows:
        key = next((q for n, _o, q in scenarios(fx) if n == row["name"]), None)
        if key is not None and key in queries:
            row["queries"] = queries[key]["queries"]
        elif row["name"].startswith("intake"):
            row["queries"] = queries["intake_key" if "Idempotency" in row["name"] else "intake"]["queries"]
    reminder = run_reminder_bench()
    targets = check_targets(rows, queries, reminder)
    results = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_at_end": os.getloadavg(),
        },
        "settings": {
            "gunicorn": "2 sync workers",
            "settings_module": ENV["DJANGO_SETTINGS_MODULE"],
            "conn_max_age": 60,
            "duration_s": DURATION,
        },
        "data": facts,
        "ceiling_req_s": ceiling,
        "rows": rows,
        "queries_per_request": queries,
        "reminder_sweep": reminder,
        "targets": targets,
        "wall_seconds": round(time.time() - started, 1),
    }
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print()
    print(
        f"Bangban benchmark: {facts['cases']:,} cases, {DURATION:.0f} s per run, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print_table(rows)
    print()
    print("SQL queries per request (in-process):", {k: v["queries"] for k, v in queries.items()})
    if reminder:
        print("reminder sweep:", json.dumps(reminder, ensure_ascii=False, default=str)[:600])
    print()
    for name, ok in targets.items():
        print(f"  [{'not run' if ok is None else 'met' if ok else 'NOT met'}] {name}")
    print(f"\nwritten {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
