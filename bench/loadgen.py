"""A bounded load generator over loopback: N threads, one keep-alive ``http.client`` connection each.

Each worker calls an *operation* (one HTTP request, or a sequence such as a case's life cycle) in a loop for
a fixed duration and records the latency of every operation. The result: operations/s, p50/p99 latency in
ms and an error count (an operation fails when a response has an unexpected status or the connection breaks;
the worker then reconnects). Loopback only: the host must be 127.0.0.1.

The generator runs on the same 2-core machine as the server, so at concurrency 8 it competes for the CPU
with gunicorn and PostgreSQL; figures are comparable within one run (hence the ratio to the ceiling).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

HOST = "127.0.0.1"
MAX_DURATION = 30.0


class OperationError(Exception):
    """An unexpected status (or body) during an operation."""


class Client:
    """One keep-alive connection to the server under test."""

    def __init__(self, port: int, host: str = HOST, timeout: float = 30.0) -> None:
        if host != HOST:
            raise ValueError("the load generator only talks to 127.0.0.1")
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def reconnect(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        expect: tuple[int, ...] = (200,),
        decode: bool = True,
    ) -> Any:
        """Send one request; return the decoded JSON body (or None); ``OperationError`` if unexpected.

        ``decode=False``: read the whole body but do not parse it (like wrk): on this 2-core machine the
        client's JSON decoding of a long answer would take CPU from the server under test.
        """
        all_headers = {"Host": f"{self.host}:{self.port}", "Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        self.conn.request(method, path, body=payload, headers=all_headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status not in expect:
            raise OperationError(f"{method} {path} → {response.status}: {data[:200]!r}")
        if decode and data and response.getheader("Content-Type", "").startswith("application/json"):
            return json.loads(data)
        return None


Operation = Callable[[Client, int, int], None]  # (client, worker index, iteration)


@dataclass
class LoadResult:
    """What one run measured."""

    name: str
    concurrency: int
    duration: float
    operations: int
    errors: int
    ops_per_s: float
    p50_ms: float | None
    p99_ms: float | None
    mean_ms: float | None
    first_errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def run_load(
    *,
    name: str,
    port: int,
    operation: Operation,
    concurrency: int,
    duration: float = 10.0,
    warmup: int = 2,
) -> LoadResult:
    """Run ``operation`` from ``concurrency`` threads for ``duration`` seconds (at most 30)."""
    duration = min(float(duration), MAX_DURATION)
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    messages: list[str] = []
    deadline = [0.0]
    started_at = [0.0]

    def open_gate() -> None:  # runs once, before any waiting thread is released
        started_at[0] = time.perf_counter()
        deadline[0] = started_at[0] + duration

    start_gate = threading.Barrier(concurrency + 1, action=open_gate)

    def worker(index: int) -> None:
        client = Client(port)
        try:
            for i in range(warmup):  # open the connection, warm caches; not measured
                try:
                    operation(client, index, -1 - i)
                except Exception:
                    client.reconnect()
            start_gate.wait()
            i = 0
            own = latencies[index]
            while True:
                t0 = time.perf_counter()
                if t0 >= deadline[0]:
                    break
                try:
                    operation(client, index, i)
                    own.append(time.perf_counter() - t0)
                except Exception as exc:
                    errors[index] += 1
                    if len(messages) < 5:
                        messages.append(f"{type(exc).__name__}: {exc}"[:300])
                    client.reconnect()
                i += 1
        finally:
            client.conn.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    start_gate.wait()
    started = started_at[0]
    for thread in threads:
        thread.join(duration + 60)
    elapsed = time.perf_counter() - started
    merged = sorted(v for own in latencies for v in own)
    ops = len(merged)
    return LoadResult(
        name=name,
        concurrency=concurrency,
        duration=round(elapsed, 2),
        operations=ops,
        errors=sum(errors),
        ops_per_s=round(ops / elapsed, 1) if elapsed > 0 else 0.0,
        p50_ms=round(_percentile(merged, 0.50) * 1000, 2) if merged else None,  # type: ignore[operator]
        p99_ms=round(_percentile(merged, 0.99) * 1000, 2) if merged else None,  # type: ignore[operator]
        mean_ms=round(sum(merged) / ops * 1000, 2) if merged else None,
        first_errors=messages,
    )


def get(
    path: str | Callable[[int, int], str],
    headers: dict[str, str] | Callable[[int, int], dict[str, str]] | None = None,
) -> Operation:
    """An operation that GETs ``path`` (a string or a function of worker and iteration) and expects 200."""

    def op(client: Client, worker: int, i: int) -> None:
        url = path(worker, i) if callable(path) else path
        hdrs = headers(worker, i) if callable(headers) else headers
        client.request("GET", url, headers=hdrs, decode=False)

    return op


if __name__ == "__main__":  # quick manual check: python bench/loadgen.py PORT PATH
    import sys

    port_arg, path_arg = int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "/healthz"
    for c in (1, 8):
        print(
            run_load(
                name=path_arg, port=port_arg, operation=get(path_arg), concurrency=c, duration=5
            ).as_dict()
        )
