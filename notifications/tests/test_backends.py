import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notifications.backends import OutgoingSms, PermanentSendError, RetryableSendError, get_backend
from notifications.backends.console import ConsoleBackend
from notifications.backends.file import FileBackend
from notifications.backends.gateway import HttpGatewayBackend

MSG = OutgoingSms(to="+8613800138000", text="【王庄村便民服务站】您的居住证明已受理", message_id="bb-7")


def test_get_backend_aliases_and_dotted_path(settings):
    settings.SMS_BACKEND = "console"
    assert isinstance(get_backend(), ConsoleBackend)
    settings.SMS_BACKEND = "file"
    assert isinstance(get_backend(), FileBackend)
    settings.SMS_BACKEND = "notifications.backends.gateway.HttpGatewayBackend"
    assert isinstance(get_backend(), HttpGatewayBackend)


def test_console_backend_masks_phone(caplog):
    with caplog.at_level("INFO", logger="notifications.sms"):
        ConsoleBackend().send(MSG)
    assert "138****8000" in caplog.text
    assert "13800138000" not in caplog.text
    assert "居住证明" in caplog.text


def test_file_backend_appends_contract_json_lines(tmp_path, settings):
    settings.SMS_FILE_PATH = str(tmp_path / "sub" / "sms.jsonl")
    backend = FileBackend()
    backend.send(MSG)
    backend.send(OutgoingSms(to="+8613900139000", text="第二条", message_id="bb-8"))
    lines = (tmp_path / "sub" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert set(first) == {"to", "text", "sent_at"}
    assert first["to"] == "+8613800138000"
    assert first["text"] == MSG.text
    assert "居住证明" in lines[0]  # UTF-8, not \\u escapes
    assert dt.datetime.fromisoformat(first["sent_at"]).tzinfo is not None
    assert backend.was_delivered(MSG) is True
    assert backend.was_delivered(OutgoingSms(to=MSG.to, text="别的", message_id="x")) is False


def test_file_backend_concurrent_writers_never_interleave(tmp_path):
    path = tmp_path / "sms.jsonl"
    long_text = "长" * 3000

    def writer(n: int) -> None:
        backend = FileBackend(path)
        for i in range(20):
            backend.send(OutgoingSms(to="+8613800138000", text=f"{n}-{i}-{long_text}", message_id="x"))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 80
    assert all(json.loads(line)["text"].endswith(long_text) for line in lines)


def test_file_backend_unwritable_path_is_retryable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RetryableSendError):
        FileBackend(blocker / "sms.jsonl").send(MSG)


# --- HTTP gateway against a local stub -----------------------------------------------------------


class Stub:
    def __init__(self) -> None:
        self.mode = "ok"
        self.script: list[str] = []  # modes for the next requests, then ``mode``
        self.requests: list[tuple[dict, bytes]] = []
        self.release = threading.Event()


@pytest.fixture
def stub():
    state = Stub()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((dict(self.headers), body))
            mode = state.script.pop(0) if state.script else state.mode
            if mode == "hang":
                state.release.wait(5)
                return
            code = {"ok": 200, "500": 500, "400": 400, "429": 429}[mode]
            payload = b'{"code": 0}' if code == 200 else b'{"error": "nope"}'
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


def gateway(stub, timeout=2.0) -> HttpGatewayBackend:
    return HttpGatewayBackend(url=stub.url, key="k-123", secret="s3cret", timeout=timeout)


def test_gateway_200_sends_signed_json(stub):
    gateway(stub).send(MSG)
    headers, body = stub.requests[0]
    assert json.loads(body) == {"to": MSG.to, "text": MSG.text, "client_msg_id": "bb-7"}
    assert headers["X-Api-Key"] == "k-123"
    expected = hmac.new(b"s3cret", headers["X-Timestamp"].encode() + b"\n" + body, hashlib.sha256).hexdigest()
    assert headers["X-Signature"] == expected
    assert abs(int(headers["X-Timestamp"]) - int(dt.datetime.now().timestamp())) < 30


@pytest.mark.parametrize("mode", ["500", "429"])
def test_gateway_5xx_and_429_are_retryable(stub, mode):
    stub.mode = mode
    with pytest.raises(RetryableSendError, match=mode):
        gateway(stub).send(MSG)


def test_gateway_4xx_is_permanent(stub):
    stub.mode = "400"
    with pytest.raises(PermanentSendError, match="400"):
        gateway(stub).send(MSG)


def test_gateway_hang_times_out_as_retryable(stub):
    stub.mode = "hang"
    started = dt.datetime.now()
    with pytest.raises(RetryableSendError, match="超时"):
        gateway(stub, timeout=0.5).send(MSG)
    assert (dt.datetime.now() - started).total_seconds() < 3


def test_gateway_connection_refused_is_retryable():
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(RetryableSendError):
        HttpGatewayBackend(url=f"http://127.0.0.1:{port}/", key="k", secret="s", timeout=1).send(MSG)


def test_gateway_without_url_is_permanent():
    with pytest.raises(PermanentSendError):
        HttpGatewayBackend(url="", key="k", secret="s").send(MSG)


@pytest.mark.django_db
def test_task_through_gateway_500_then_200(stub, settings, no_publish):
    """End to end: outbox row → task → gateway stub failing once, then accepting."""
    from notifications.models import Notification
    from notifications.services import notification_enqueue
    from notifications.tasks import send_notification

    settings.SMS_BACKEND = "gateway"
    settings.SMS_GATEWAY_URL = stub.url
    settings.SMS_GATEWAY_KEY = "k"
    settings.SMS_GATEWAY_SECRET = "s"
    row = notification_enqueue(
        dedupe_key="gw1", template="otp_code", context={"code": "123456", "minutes": 5},
        recipient_phone="13800138000", audience="otp",
    )  # fmt: skip
    stub.script = ["500"]
    send_notification.apply(args=[row.pk])
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert row.attempts == 2
    assert len(stub.requests) == 2
    assert json.loads(stub.requests[1][1])["text"].endswith("请勿告诉他人。")
