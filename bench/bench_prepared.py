"""Issue 19: does ``core.prepared`` earn its place? Each prepared read timed against its ORM twin, side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangban_bench .venv/bin/python bench/bench_prepared.py \
        [--calls 3000] [--block 250] [--json var/bench/prepared.json]

Needs a PostgreSQL database with ``bench_data`` loaded (any case count). For every use of ``core.prepared``
(``core.prepared.prepared_reads()`` after importing the callers) it calls the prepared path (``run``/``get``,
what the code does) and the ORM twin (``orm``: the same queryset compiled by Django on every call) with the
same rotating, realistic arguments, in alternating blocks, under three connection modes in the same process:

- ``client``: client-side parameter binding, nothing prepared on the server (``DATABASE_PREPARE_THRESHOLD=``);
- ``server``: server-side binding, never prepared (``prepare_threshold`` None);
- ``server+prepare``: the settings' default (server-side binding, prepared after 5 runs per connection).

Then (``--requests N``, default 600; 0 skips) whole requests through Django's test client in the settings' mode,
each endpoint N times with the code as it is and N times with every prepared read swapped for its ORM twin,
in alternating blocks: what the prepared path saves per request, and out of how much.

It adds a few rows the benchmark data lacks (resident tokens, outbox rows, DRF tokens), marked ``bench-prepared``
and left in place, so a second run reuses them. Prints mean and p50 per call in microseconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
# the limiter still runs on every request; its limits must not answer 429 in the middle of a timing
os.environ.setdefault(
    "TRACK_RATE_LIMITS",
    "otp_phone=1000000/h,otp_ip=1000000/h,verify_phone=1000000/15m,verify_ip=1000000/15m,lookup_ip=100000000/m",
)


@dataclass
class Read:
    """One prepared read: how the code calls it, how the ORM would, and the arguments to rotate through."""

    name: str
    prepared: Callable[..., Any]
    orm: Callable[..., Any]
    args: list[dict[str, Any]]
    times: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # mode → path → ns per call


def _reads() -> list[Read]:
    """The uses of core.prepared with arguments taken from the loaded data (see the module docstring)."""
    from django.db.models import Count
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from agency import auth
    from core.models import User
    from notifications.models import Notification
    from residents import otp as resident_otp
    from residents import selectors as rs
    from residents.models import ResidentToken
    from workflows.models import Case

    now = timezone.now()
    repeat = list(
        Case.objects.values("resident_phone")
        .annotate(n=Count("id"))
        .filter(n__gte=3)
        .order_by("-n", "resident_phone")
        .values_list("resident_phone", flat=True)[:100]
    )
    single = list(
        Case.objects.order_by("-id")
        .values_list("resident_phone", flat=True)
        .exclude(resident_phone__in=repeat)[:100]
    )
    phones = [str(p) for pair in zip(repeat, single, strict=False) for p in pair]
    # what the resident list passes on: its cases' ids; for ratings only the cases that can hold one
    rows = [list(rs._cases_query(p)) for p in phones]
    rated_status = {"completed", "rectifying", "closed"}
    rated = [x for x in ([row[0] for row in case_rows if row[2] in rated_status] for case_rows in rows) if x]
    for i, phone in enumerate(phones):
        ResidentToken.objects.get_or_create(
            token_hash=f"bench-prepared-{i:04d}",
            defaults={"phone": phone, "created_at": now, "expires_at": now + dt.timedelta(days=3650)},
        )
    for i, phone in enumerate(phones[:100]):
        for j in range(4):
            Notification.objects.get_or_create(
                dedupe_key=f"bench-prepared:{i}:{j}",
                defaults={
                    "recipient_phone": phone,
                    "template": "bench",
                    "send_after": now - dt.timedelta(minutes=10 * j + 1),
                    "status": "sent" if j else "pending",
                },
            )
    case_nos = list(Case.objects.order_by("?").values_list("case_no", flat=True)[:200])
    keys = [Token.objects.get_or_create(user=user)[0].key for user in User.objects.order_by("id")[:20]]

    def q(name: str, prepared: Any, args: list[dict[str, Any]]) -> Read:
        return Read(name, prepared.run, prepared.orm, args)

    def inst(name: str, prepared: Any, args: list[dict[str, Any]]) -> Read:
        return Read(name, prepared.get, lambda **v: prepared.orm(**v).get(), args)

    return [
        q(
            "resident_otp._TOKEN_PHONE",
            resident_otp._TOKEN_PHONE,
            [{"token_hash": f"bench-prepared-{i:04d}", "now": now} for i in range(len(phones))],
        ),
        q("resident_selectors._CASES_WITH_TIMELINE", rs._CASES_WITH_TIMELINE, [{"phone": p} for p in phones]),
        q("resident_selectors._LOOKUP", rs._LOOKUP, [{"case_no": c} for c in case_nos]),
        q("resident_selectors._RATINGS", rs._RATINGS, [{"ids": x} for x in rated]),
        inst("agency.auth._TOKEN", auth._TOKEN, [{"key": k} for k in keys]),
    ]


def _modes(base: dict[str, Any]) -> dict[str, dict[str, Any]]:
    plain = {k: v for k, v in base.items() if k not in ("server_side_binding", "prepare_threshold")}
    return {
        "client": plain,
        "server": {**plain, "server_side_binding": True, "prepare_threshold": None},
        "server+prepare": {**plain, "server_side_binding": True, "prepare_threshold": 5},
    }


def _time(call: Callable[..., Any], args: list[dict[str, Any]], start: int, n: int, out: list[int]) -> None:
    clock = time.perf_counter_ns
    for i in range(start, start + n):
        values = args[i % len(args)]
        t0 = clock()
        call(**values)
        out.append(clock() - t0)


def _summary(ns: list[int]) -> tuple[float, float]:
    return statistics.fmean(ns) / 1000, statistics.median(ns) / 1000


def _endpoints(reads: list[Read]) -> list[tuple[str, Callable[[Any, int], Any]]]:
    """(name, request(client, i)) of the endpoints the prepared reads serve; each asserts its status."""
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from agency.models import SiteMatter
    from core.models import User
    from residents.otp import token_issue
    from workflows.models import Case

    phones = [r["phone"] for r in next(r for r in reads if r.name == "resident_selectors._CASES").args]
    bearer = [f"Bearer {token_issue(phone=p, now=timezone.now()).token}" for p in phones]
    lookups = list(Case.objects.order_by("?").values_list("case_no", "resident_phone")[:200])
    staff = User.objects.get(username="staff")
    token = f"Token {Token.objects.get_or_create(user=staff)[0].key}"
    site = staff.agent.sites.order_by("id").first()
    matter = SiteMatter.objects.filter(site=site, matter__is_active=True).order_by("id").first()
    assert site is not None and matter is not None

    def ok(response: Any, status: int = 200) -> None:
        assert response.status_code == status, (response.status_code, response.content[:300])

    def track(client: Any, i: int) -> None:
        ok(client.get("/api/v1/track/cases/", HTTP_AUTHORIZATION=bearer[i % len(bearer)]))

    def lookup(client: Any, i: int) -> None:
        case_no, phone = lookups[i % len(lookups)]
        ok(client.get("/api/v1/track/lookup/", {"case_no": case_no, "phone_tail": str(phone)[-4:]}))

    def staff_list(client: Any, i: int) -> None:
        ok(client.get("/api/v1/cases/", {"status": "assigned"}, HTTP_AUTHORIZATION=token))

    def session_list(client: Any, i: int) -> None:
        if i == 0:  # the first (warm-up) request logs in; the session then holds
            client.force_login(staff)
        ok(client.get("/api/v1/cases/", {"status": "assigned"}))

    def intake(client: Any, i: int) -> None:
        body = {
            "site": site.code,
            "matter": matter.matter.code,
            "resident_name": "压测群众",
            "resident_phone": f"137{(os.getpid() * 100_000 + i) % 100_000_000:08d}",
            "address": "压测路1号",
            "description": "prepared 对照",
            "channel": "phone",
        }
        ok(
            client.post("/api/v1/cases/", body, content_type="application/json", HTTP_AUTHORIZATION=token),
            201,
        )

    return [
        ("GET /api/v1/track/cases/ (resident list)", track),
        ("GET /api/v1/track/lookup/", lookup),
        ("GET /api/v1/cases/?status= (token)", staff_list),
        ("GET /api/v1/cases/?status= (session)", session_list),
        ("POST /api/v1/cases/ (intake)", intake),
    ]


def _requests(reads: list[Read], n: int, block: int) -> list[dict[str, Any]]:
    """Per endpoint: ns per request with the prepared reads as they are and with each swapped for its twin."""
    from django.test import Client

    from core.prepared import PreparedInstances, prepared_reads

    def swap(orm: bool) -> None:
        for read in prepared_reads():
            if not orm:
                read.__dict__.pop("run", None)  # the class's method again
            elif isinstance(read, PreparedInstances):
                read.run = lambda _r=read, **v: list(_r.orm(**v))  # type: ignore[method-assign]
            else:
                read.run = read.orm  # type: ignore[method-assign]

    out = []
    for name, request in _endpoints(reads):
        clients = {"prepared": Client(SERVER_NAME="127.0.0.1"), "orm": Client(SERVER_NAME="127.0.0.1")}
        times: dict[str, list[int]] = {"prepared": [], "orm": []}
        for path in times:
            swap(path == "orm")
            for i in range(min(50, n)):  # warm: compiled, prepared on the server, caches filled
                request(clients[path], i)
        for b, start in enumerate(range(0, n, block)):
            for path in ("prepared", "orm") if b % 2 == 0 else ("orm", "prepared"):
                swap(path == "orm")
                for i in range(start, min(start + block, n)):
                    t0 = time.perf_counter_ns()
                    request(clients[path], i + 50)
                    times[path].append(time.perf_counter_ns() - t0)
        swap(False)
        (pm, pp), (om, op) = _summary(times["prepared"]), _summary(times["orm"])
        out.append({"endpoint": name, "requests": n, "prepared_mean_us": round(pm), "prepared_p50_us": round(pp),
                    "orm_mean_us": round(om), "orm_p50_us": round(op)})  # fmt: skip
        print(
            f"{name:42} {pm:9.0f} / {pp:7.0f}   {om:7.0f} / {op:7.0f}   {op - pp:+9.0f}  ({(op - pp) / op:+.0%})"
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000, help="calls per read, path and mode")
    parser.add_argument("--block", type=int, default=250, help="calls per alternating block")
    parser.add_argument("--requests", type=int, default=600, help="requests per endpoint and path (0: none)")
    parser.add_argument("--json", default=str(ROOT / "var" / "bench" / "prepared.json"))
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("bench_prepared needs PostgreSQL (DATABASE_URL=postgres://...)", file=sys.stderr)
        return 2
    from core.prepared import prepared_reads

    reads = _reads()
    covered = {getattr(r.prepared, "__self__", None) for r in reads}
    missing = [p for p in prepared_reads() if p not in covered]
    if missing:  # a use of core.prepared this script does not know: add it to _reads
        print(f"uncovered prepared reads: {[p.origin for p in missing]}", file=sys.stderr)
        return 1
    base = dict(connection.settings_dict["OPTIONS"])
    for mode, options in _modes(base).items():
        connection.close()
        connection.settings_dict["OPTIONS"] = options
        connection.ensure_connection()
        for read in reads:
            warm: list[int] = []
            _time(read.prepared, read.args, 0, max(len(read.args), 50), warm)  # compiled, cached, prepared
            _time(read.orm, read.args, 0, max(len(read.args), 50), warm)
            read.times[mode] = {"prepared": [], "orm": []}
        for block, start in enumerate(range(0, args.calls, args.block)):
            n = min(args.block, args.calls - start)
            for read in reads:
                order = ("prepared", "orm") if block % 2 == 0 else ("orm", "prepared")
                for path in order:
                    call = read.prepared if path == "prepared" else read.orm
                    _time(call, read.args, start, n, read.times[mode][path])
    connection.close()
    connection.settings_dict["OPTIONS"] = base

    results = []
    header = (
        f"{'read':42} {'mode':15} {'prepared mean/p50 µs':>21} {'ORM mean/p50 µs':>17} {'ORM−prep p50':>12}"
    )
    print(header)
    for read in reads:
        for mode, paths in read.times.items():
            pm, pp = _summary(paths["prepared"])
            om, op = _summary(paths["orm"])
            results.append(
                {
                    "read": read.name,
                    "mode": mode,
                    "calls": len(paths["prepared"]),
                    "prepared_mean_us": round(pm, 1),
                    "prepared_p50_us": round(pp, 1),
                    "orm_mean_us": round(om, 1),
                    "orm_p50_us": round(op, 1),
                }
            )
            print(f"{read.name:42} {mode:15} {pm:9.0f} / {pp:7.0f}   {om:7.0f} / {op:7.0f}   {op - pp:+9.0f}")
    requests: list[dict[str, Any]] = []
    if args.requests:
        print(
            f"\n{'endpoint (settings mode)':42} {'prepared mean/p50 µs':>21} {'ORM mean/p50 µs':>17} {'ORM−prep p50':>12}"
        )
        requests = _requests(reads, args.requests, min(args.block, 100))
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    body = {"calls": args.calls, "results": results, "requests": requests}
    out.write_text(json.dumps(body, indent=1), encoding="utf-8")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
