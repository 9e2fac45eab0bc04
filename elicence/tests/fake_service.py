"""A local e-licence service speaking ``elicence.protocol`` v1, started by the tests on 127.0.0.1.

It checks every request's signature with its own copy of the application secret (401 when it does not match)
and answers from a table keyed by ID number: licences found, not found, expired, consent refused, or a
deliberate stall longer than the client's timeout.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

APP_ID = "bangban-test"
SECRET = "elicence-test-secret"


class FakeService:
    def __init__(self) -> None:
        self.holders: dict[str, dict[str, Any]] = {}  # id_number -> {"result": ..., "licences": [...]}
        self.stall_seconds = 0.0
        self.requests: list[dict[str, Any]] = []
        self.rejected = 0
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                expected = hmac.new(
                    SECRET.encode(),
                    "\n".join(
                        [
                            self.headers.get("X-App-Id", ""),
                            self.headers.get("X-Timestamp", ""),
                            self.headers.get("X-Nonce", ""),
                            hashlib.sha256(body).hexdigest(),
                        ]
                    ).encode(),
                    hashlib.sha256,
                ).hexdigest()
                fresh = abs(time.time() - float(self.headers.get("X-Timestamp") or 0)) < 300
                if (
                    self.path != "/v1/licences/query"
                    or self.headers.get("X-App-Id") != APP_ID
                    or not fresh
                    or not hmac.compare_digest(expected, self.headers.get("X-Signature", ""))
                ):
                    service.rejected += 1
                    self._send(401, {"result": "error", "message": "bad signature"})
                    return
                data = json.loads(body)
                service.requests.append(data)
                if service.stall_seconds:
                    time.sleep(service.stall_seconds)
                answer = service.holders.get(
                    data["holder"]["id_number"], {"result": "not_found", "licences": []}
                )
                wanted = set(data["types"])
                self._send(
                    200,
                    {
                        **answer,
                        "licences": [lic for lic in answer.get("licences", []) if lic["type"] in wanted],
                    },
                )

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                raw = json.dumps(payload, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeService:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
