"""``make loadtest``: a bounded, fixed-rate, mixed-traffic load test over loopback (issue 8).

    .venv/bin/python loadtest/run.py        # LOADTEST_SECONDS=60 by default (at most 120)

Stack, all on 127.0.0.1: gunicorn (2 sync workers, ``config.settings.production`` with a dummy secret and no
SSL redirect), PostgreSQL (own database ``bangban_load``), Redis (database 7: broker + cache) and one
``celery -A config worker`` sending SMS to a file. Data: ``demo_data --force`` plus ``bench_data``
(``LOADTEST_CASES``, default 3000) the first time.

Traffic (open loop: each request is sent at its scheduled time, whatever the previous one took):
grid-worker intake ``POST /api/v1/cases/``, staff ``GET /api/v1/cases/`` (list) and
``GET /api/v1/cases/{case_no}/`` (detail), resident ``GET /api/v1/track/lookup/``. Reported per endpoint:
requests, errors, p50/p99/max latency (ms, send to last byte) and the worst start delay against the schedule.
Exit status 1 on any error (unexpected status or broken connection). Connections use ``bench/loadgen.Client``.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from loadgen import Client  # noqa: E402  (read-only reuse of the bench engineer's keep-alive client)

OUT = ROOT / "var" / "loadtest"
PORT = int(os.environ.get("LOADTEST_PORT", "8767"))
SECONDS = min(float(os.environ.get("LOADTEST_SECONDS", "60")), 120.0)
CASES = int(os.environ.get("LOADTEST_CASES", "3000"))
# requests per second of each endpoint (fixed rate); 20 req/s in total
RATES = {"intake": 2.0, "staff_list": 5.0, "staff_detail": 6.0, "resident_lookup": 7.0}
THREADS_PER_ENDPOINT = 4

ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "loadtest-only-dummy-secret-key-not-for-production-0123456789",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_CONN_MAX_AGE": "60",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DATABASE_URL": os.environ.get(
        "LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bangban_load"
    ),
    "REDIS_URL": os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/7"),
    # the limiter still runs on every lookup; its limit is raised above the test's fixed rate
    "TRACK_RATE_LIMITS": "lookup_ip=100000/m",
    "SMS_BACKEND": "file",
    "SMS_FILE_PATH": str(OUT / "sms.jsonl"),
    "CELERY_TASK_ALWAYS_EAGER": "0",
    "BANGBAN_VAR_DIR": str(OUT / "var"),
}
os.environ.update(ENV)


def log(message: str) -> None:
    print(f"[loadtest {time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def ensure_database(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


def prepare() -> dict[str, Any]:
    import django

    ensure_database(ENV["DATABASE_URL"])
    django.setup()
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from core.models import User
    from workflows.models import Case

    call_command("migrate", "--noinput", verbosity=0)
    call_command("seed_calendar", verbosity=0)
    try:  # production's manifest storage needs it for the few pages it renders (the API does not)
        call_command("collectstatic", "--noinput", verbosity=0)
    except Exception as exc:
        log(f"collectstatic failed (pages with static files may 500): {str(exc).splitlines()[0][:160]}")
    call_command("demo_data", "--force", "--district-only", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    if not Case.objects.exists():
        log(f"loading {CASES} cases (bench_data)…")
        call_command("bench_data", "--cases", str(CASES), "--seed", "8", stdout=open(os.devnull, "w"))  # noqa: SIM115
    grid = User.objects.get(username="grid")
    staff = User.objects.get(username="staff")
    sample = list(Case.objects.order_by("?").values_list("case_no", "resident_phone")[:500])
    return {
        "cases": Case.objects.count(),
        "grid_token": Token.objects.get_or_create(user=grid)[0].key,
        "staff_token": Token.objects.get_or_create(user=staff)[0].key,
        "lookups": [(no, str(phone)[-4:]) for no, phone in sample],
    }


def spawn(name: str, cmd: list[str]) -> subprocess.Popen[bytes]:
    log_file = (OUT / f"{name}.log").open("ab")
    return subprocess.Popen(cmd, cwd=ROOT, env=os.environ.copy(), stdout=log_file, stderr=subprocess.STDOUT)


def wait_healthy(proc: subprocess.Popen[bytes]) -> None:
    for _ in range(120):
        time.sleep(0.5)
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({proc.returncode}); see {OUT / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            continue
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000, 1)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    facts = prepare()
    from django.db import connections

    connections.close_all()
    log(f"{facts['cases']} cases; starting gunicorn (2 sync workers) and a Celery worker")
    py = str(ROOT / ".venv" / "bin")
    gunicorn = spawn(
        "gunicorn",
        [f"{py}/gunicorn", "config.wsgi", "--workers", "2", "--worker-class", "sync",
         "--bind", f"127.0.0.1:{PORT}", "--keep-alive", "30", "--timeout", "60", "--log-level", "warning"],
    )  # fmt: skip
    worker = spawn(
        "celery",
        [f"{py}/celery", "-A", "config", "worker", "--loglevel=WARNING", "--concurrency=2",
         "--without-gossip", "--without-mingle", "--hostname", f"loadtest-{os.getpid()}@%h"],
    )  # fmt: skip
    try:
        wait_healthy(gunicorn)
        results = run(facts)
    finally:
        for proc in (gunicorn, worker):
            proc.send_signal(signal.SIGTERM)
        for proc in (gunicorn, worker):
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()

    status = subprocess.run(
        [f"{py}/python", "manage.py", "notifications_status", "--json"],
        cwd=ROOT, capture_output=True, text=True, env=os.environ.copy(), check=False,
    ).stdout.strip()  # fmt: skip
    total_errors = sum(r["errors"] for r in results.values())
    print()
    print(f"{'endpoint':<16} {'rate/s':>6} {'sent':>6} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8} {'max lag ms':>10}")  # fmt: skip
    for name, r in results.items():
        print(f"{name:<16} {r['rate']:>6} {r['requests']:>6} {r['errors']:>6} {r['p50_ms']!s:>8} "
              f"{r['p99_ms']!s:>8} {r['max_ms']!s:>8} {r['max_lag_ms']!s:>10}")  # fmt: skip
    print(f"outbox after the run: {status}")
    (OUT / "results.json").write_text(
        json.dumps({"seconds": SECONDS, "cases": facts["cases"], "endpoints": results, "outbox": status},
                   ensure_ascii=False, indent=2),
        encoding="utf-8",
    )  # fmt: skip
    for name, r in results.items():
        for message in r["first_errors"]:
            print(f"ERROR {name}: {message}")
    print(f"{'FAIL' if total_errors else 'OK'}: {total_errors} errors; results in {OUT / 'results.json'}")
    return 1 if total_errors else 0


def run(facts: dict[str, Any]) -> dict[str, dict[str, Any]]:
    grid = {"Authorization": f"Token {facts['grid_token']}"}
    staff = {"Authorization": f"Token {facts['staff_token']}"}
    boot = Client(PORT)
    me = boot.request("GET", "/api/v1/me/", headers=grid)
    site = me["sites"][0]
    matters = boot.request("GET", f"/api/v1/sites/{site}/")["matters"]
    listing = boot.request("GET", "/api/v1/cases/?page=1", headers=staff)
    detail_numbers = [row["case_no"] for row in listing["results"]] or [facts["lookups"][0][0]]
    boot.conn.close()
    lookups = facts["lookups"]

    def intake(client: Client, n: int) -> None:
        body = {
            "site": site,
            "matter": matters[n % len(matters)],
            "resident_name": "压测居民",
            "resident_phone": f"139{n % 100000000:08d}",
            "address": f"幸福村{n % 9 + 1}组{n}号",
            "description": "压力测试：开具居住证明",
        }
        created = client.request("POST", "/api/v1/cases/", body=body, headers=grid, expect=(201,))
        detail_numbers.append(created["case_no"])

    def staff_list(client: Client, n: int) -> None:
        client.request("GET", f"/api/v1/cases/?page={n % 5 + 1}", headers=staff)

    def staff_detail(client: Client, n: int) -> None:
        client.request("GET", f"/api/v1/cases/{random.choice(detail_numbers)}/", headers=staff)

    def resident_lookup(client: Client, n: int) -> None:
        case_no, tail = lookups[n % len(lookups)]
        client.request("GET", "/api/v1/track/lookup/?" + urlencode({"case_no": case_no, "phone_tail": tail}))

    operations = {
        "intake": intake,
        "staff_list": staff_list,
        "staff_detail": staff_detail,
        "resident_lookup": resident_lookup,
    }
    stats = {name: Stats() for name in operations}
    start = time.monotonic() + 1.0
    end = start + SECONDS

    def loop(name: str, index: int) -> None:
        rate = RATES[name]
        interval = THREADS_PER_ENDPOINT / rate
        client = Client(PORT)
        own = stats[name]
        k = 0
        while True:
            scheduled = start + (index + k * THREADS_PER_ENDPOINT) / rate
            if scheduled >= end:
                break
            delay = scheduled - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t0 = time.monotonic()
            try:
                operations[name](client, int((scheduled - start) * rate))
                elapsed = time.monotonic() - t0
                with own.lock:
                    own.latencies.append(elapsed)
                    own.lags.append(max(0.0, t0 - scheduled))
            except Exception as exc:
                with own.lock:
                    own.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                client.reconnect()
            k += 1
        client.conn.close()
        del interval

    threads = [
        threading.Thread(target=loop, args=(name, i), daemon=True)
        for name in operations
        for i in range(THREADS_PER_ENDPOINT)
    ]
    log(f"running {SECONDS:.0f} s at {sum(RATES.values()):.0f} req/s: {RATES}")
    for t in threads:
        t.start()
    for t in threads:
        t.join(SECONDS + 120)
    return {
        name: {
            "rate": RATES[name],
            "requests": len(s.latencies) + len(s.errors),
            "errors": len(s.errors),
            "p50_ms": pct(s.latencies, 0.50),
            "p99_ms": pct(s.latencies, 0.99),
            "max_ms": pct(s.latencies, 1.0),
            "max_lag_ms": pct(s.lags, 1.0),
            "first_errors": s.errors[:5],
        }
        for name, s in stats.items()
    }


if __name__ == "__main__":
    sys.exit(main())
