"""Harness for real-services tests: a real ``celery -A config worker`` against the test database and Redis.

Used by ``tests/test_celery_real.py`` and ``tests/faults/`` (which adds ``RedisServer``, a private Redis to
kill and restart, and ``broker_at``). The worker is a subprocess in its own process group (so a test can
``kill -9`` the whole worker, pool children included), with ``SMS_BACKEND=file`` so what it sends can be
read back from a JSON-lines file. Stale broker keys of the Redis database in ``REDIS_URL`` are cleared
first (use a Redis database of your own).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
CELERY = Path(sys.executable).with_name("celery")


def worker_database_url() -> str:
    """``DATABASE_URL`` of the database this test process uses (pytest-django's ``test_<name>``)."""
    s = connection.settings_dict
    user = urllib.parse.quote(s.get("USER") or "")
    password = s.get("PASSWORD") or ""
    auth = f"{user}:{urllib.parse.quote(password)}@" if password else (f"{user}@" if user else "")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}{port}/{s['NAME']}"


def clear_broker(redis_url: str) -> None:
    """Drop queued and unacked messages left by earlier runs in this Redis database."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.delete("celery", "unacked", "unacked_index", "unacked_mutex")


def read_sms(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(json.loads(line))
    return rows


def wait_for(
    predicate: Callable[[], bool], timeout: float = 60, interval: float = 0.2, what: str = ""
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")


class Worker:
    """One ``celery -A config worker`` subprocess."""

    def __init__(self, env: dict[str, str], log_path: Path, concurrency: int = 4) -> None:
        self.env = env
        self.log_path = log_path
        self.concurrency = concurrency
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    def start(self, timeout: float = 60) -> Worker:
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--pool=prefork",
                f"--concurrency={self.concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"notifytest-{os.getpid()}-{time.time_ns()}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_for(self._ready, timeout=timeout, what="celery worker ready")
        return self

    def _ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"celery worker exited with {self.proc.returncode}:\n{self.log_tail()}")
        with self.log_path.open("rb") as fh:
            fh.seek(self._log_offset)
            return b" ready." in fh.read()

    def log_tail(self, n: int = 4000) -> str:
        return self.log_path.read_bytes()[-n:].decode("utf-8", "replace") if self.log_path.exists() else ""

    def kill9(self) -> None:
        """SIGKILL the worker and its pool children at once (no warm shutdown, nothing acked)."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        # Pool children share the group; wait until none is left.
        wait_for(lambda: not _group_alive(self.proc.pid), timeout=10, what="worker group gone")  # type: ignore[union-attr]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.kill9()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.contextmanager
def broker_unreachable() -> Iterator[None]:
    """In *this* process, point the Celery broker at a closed port (the shared Redis keeps running)."""
    import socket

    from config.celery_app import app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    dead_port = sock.getsockname()[1]
    sock.close()
    original = app.conf.broker_url
    _reset_pools(app)
    app.conf.broker_url = f"redis://127.0.0.1:{dead_port}/0"
    try:
        yield
    finally:
        app.conf.broker_url = original
        _reset_pools(app)


def _reset_pools(app: Any) -> None:
    app._pool = None
    app.amqp._producer_pool = None


# --- Added for tests/faults (issue 8): a throwaway Redis server and broker switching -----------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A private ``redis-server`` on a free loopback port, no persistence: killing it loses every key.

    The machine's shared Redis (6379) is never touched; this one can be SIGKILLed and restarted on the same
    port mid-test, as a real outage would look to the web process and the worker.
    """

    def __init__(self, log_path: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> RedisServer:
        import redis

        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

        def up() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"redis-server exited: {self.log_path.read_text()[-2000:]}")
            try:
                return bool(redis.Redis.from_url(self.url, socket_timeout=0.5).ping())
            except redis.RedisError:
                return False

        wait_for(up, timeout=timeout, interval=0.05, what="redis-server up")
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(sig)
        self.proc.wait(10)

    def restart(self) -> RedisServer:
        self.kill()
        return self.start()


@contextlib.contextmanager
def broker_at(url: str) -> Iterator[None]:
    """In *this* process, publish Celery messages to ``url`` (e.g. a ``RedisServer``)."""
    from config.celery_app import app

    original = app.conf.broker_url
    _reset_pools(app)
    app.conf.broker_url = url
    try:
        yield
    finally:
        app.conf.broker_url = original
        _reset_pools(app)
