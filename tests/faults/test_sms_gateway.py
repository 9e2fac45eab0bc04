"""The SMS gateway answers 500s and times out: bounded retries with backoff, then ``failed`` with the error
kept and shown by ``manage.py notifications_status``; no retry storm.

The gateway is a stub HTTP server on 127.0.0.1 that counts every request it gets. The message goes through
the real ``send_notification`` task (its ``autoretry_for`` retries, run eagerly here: the countdowns are
recorded instead of waited for) and the real ``HttpGatewayBackend``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications import delivery, services
from notifications.backends import RetryableSendError
from notifications.conf import setting
from notifications.models import Notification
from notifications.tasks import send_notification

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENT_TIMEOUT = 0.3


class Gateway:
    """What the stub answers: a script of ``"500"``, ``"timeout"`` or ``"200"``, then ``after``."""

    def __init__(self, script: list[str], after: str) -> None:
        self.script = list(script)
        self.after = after
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def next_answer(self, body: dict[str, Any]) -> str:
        with self.lock:
            self.requests.append(body)
            return self.script.pop(0) if self.script else self.after


@pytest.fixture
def gateway_factory(settings: Any) -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def make(script: list[str], after: str = "500") -> Gateway:
        gateway = Gateway(script, after)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                answer = gateway.next_answer(body)
                if answer == "timeout":
                    time.sleep(CLIENT_TIMEOUT * 4)
                code = 200 if answer == "200" else 500
                payload = b'{"ok": true}' if code == 200 else b'{"error": "internal"}'
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client already gave up (timeout)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        settings.SMS_BACKEND = "gateway"
        settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_address[1]}/send"
        settings.SMS_GATEWAY_KEY = "k"
        settings.SMS_GATEWAY_SECRET = "s"
        settings.SMS_GATEWAY_TIMEOUT = CLIENT_TIMEOUT
        return gateway

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def countdowns(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the retry countdowns ``autoretry_for`` asks for (eager mode runs the retry at once)."""
    recorded: list[float] = []
    original = send_notification.retry

    def spy(*args: Any, **kwargs: Any) -> Any:
        recorded.append(kwargs.get("countdown") or 0)
        return original(*args, **kwargs)

    monkeypatch.setattr(send_notification, "retry", spy)
    return recorded


@pytest.fixture
def row(monkeypatch: pytest.MonkeyPatch, deliver_now: None) -> Notification:
    monkeypatch.setattr("notifications.services._publish", lambda _id: None)  # the test drives the task
    return services.notification_enqueue(
        dedupe_key="fault:gateway:1",
        template="due_soon",
        context={"case_no": "RK1", "matter": "低保", "due_date": "12月3日"},
        recipient_phone="+8613800138000",
        audience="staff",
    )


def status_output() -> str:
    out = StringIO()
    call_command("notifications_status", stdout=out)
    return out.getvalue()


def test_500s_and_timeouts_end_failed_with_error_kept(gateway_factory, countdowns, row) -> None:
    gateway = gateway_factory(["500", "timeout", "500", "timeout", "500"], after="timeout")
    max_attempts = int(setting("NOTIFICATIONS_MAX_ATTEMPTS"))

    started = time.monotonic()
    send_notification.apply(args=[row.pk])
    row.refresh_from_db()

    assert row.status == "failed"
    assert row.attempts == max_attempts == len(gateway.requests)
    assert "超时" in row.last_error  # the last attempt timed out; its error is what is kept
    # Backoff: one countdown per retry, each within the exponential cap (30 s, 60 s, … with full jitter).
    assert len(countdowns) == max_attempts - 1
    assert all(0 <= c <= delivery.backoff_seconds(n + 1) for n, c in enumerate(countdowns)), countdowns
    assert [delivery.backoff_seconds(n) for n in range(1, max_attempts)] == [30, 60, 120, 240, 480]
    assert time.monotonic() - started < max_attempts * (CLIENT_TIMEOUT + 1)  # timeouts are bounded
    # Every request carried the same idempotency key.
    assert {r["client_msg_id"] for r in gateway.requests} == {f"bb-{row.pk}"}

    # No storm: redelivered task messages and sweeps do not call the gateway again.
    for _ in range(3):
        assert send_notification.apply(args=[row.pk]).get() == "skipped"
    later = timezone.now() + timezone.timedelta(days=1)
    assert delivery.outbox_take_due(now=later) == []
    assert not Notification.objects.filter(status="sending").exists()  # nothing in doubt either
    assert len(gateway.requests) == max_attempts

    out = status_output()
    assert "failed: 1" in out
    assert "fault:gateway:1 (attempts 6)" in out and "超时" in out
    print(f"gateway: {len(gateway.requests)} requests, countdowns {[round(c) for c in countdowns]}\n{out}")


def test_backoff_schedule_between_retries(gateway_factory, row) -> None:
    """Without eager retries (as the sweep sees it): after each failure the row waits longer."""
    gateway = gateway_factory([], after="500")
    waits = []
    for _ in range(3):
        with pytest.raises(RetryableSendError):
            delivery.notification_deliver(notification_id=row.pk)
        row.refresh_from_db()
        assert row.status == "pending" and "HTTP 500" in row.last_error
        waits.append((row.next_attempt_at - timezone.now()).total_seconds())
        # the sweep leaves it alone until its backoff is over (the Celery countdown retries it first)
        assert delivery.outbox_take_due(now=timezone.now()) == []
    assert waits[0] < waits[1] < waits[2], waits
    assert len(gateway.requests) == 3


def test_gateway_recovers_after_two_failures(gateway_factory, countdowns, row) -> None:
    gateway = gateway_factory(["500", "timeout"], after="200")
    send_notification.apply(args=[row.pk])
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 3
    assert len(gateway.requests) == 3 and len(countdowns) == 2
    assert send_notification.apply(args=[row.pk]).get() == "skipped"
    assert len(gateway.requests) == 3
