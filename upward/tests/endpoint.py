"""A local stand-in for the provincial 好差评 endpoint: a real HTTP server on 127.0.0.1, started by the test.

It validates each record against the national evaluation content as the issue lists it (its own rules,
written from the spec, not from ``upward.payload``), keeps accepted records by ``recordId`` and answers:
``accepted`` with a receipt, ``duplicate`` for a record id it holds, ``refused`` (422) with the reason for an
invalid record or a site it does not know, 503 on demand, and it can sleep past the client's timeout.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LEVELS = {1: "非常不满意", 2: "不满意", 3: "基本满意", 4: "满意", 5: "非常满意"}
CHANNELS = {"site", "kiosk", "sms", "online"}
TYPES = {"evaluation", "callback", "rectification"}


def schema_errors(record: Any) -> list[str]:
    """What is wrong with ``record`` as national evaluation content (empty: valid)."""
    if not isinstance(record, dict):
        return ["记录不是对象"]
    errors: list[str] = []

    def need(name: str, kind: type | tuple[type, ...], nullable: bool = False) -> Any:
        value = record.get(name)
        if name not in record:
            errors.append(f"缺少字段 {name}")
        elif value is None and nullable:
            return None
        elif not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            errors.append(f"字段 {name} 类型错误")
        return value

    if need("version", str) != "1.0":
        errors.append("不支持的版本")
    need("recordId", str)
    if need("recordType", str) not in TYPES:
        errors.append("recordType 无效")
    need("evaluationId", str)
    project = need("projectNo", str, nullable=True)
    need("taskCode", str, nullable=project is None)
    need("taskName", str, nullable=project is None)
    if need("channel", str) not in CHANNELS:
        errors.append("评价渠道无效")
    if need("onlineOffline", str) not in {"online", "offline"}:
        errors.append("线上线下标识无效")
    level = need("level", int)
    if level not in LEVELS or record.get("levelName") != LEVELS.get(level):
        errors.append("评价等级无效")
    indicators = need("indicators", dict) or {}
    for key in ("overall", "efficiency", "attitude", "quality"):
        value = indicators.get(key)
        if key not in indicators or (value is not None and value not in LEVELS):
            errors.append(f"指标 {key} 无效")
    need("text", str)
    try:
        when = dt.datetime.fromisoformat(str(need("evaluatedAt", str)))
        if when.tzinfo is None:
            errors.append("评价时间缺少时区")
    except ValueError:
        errors.append("评价时间格式错误")
    need("isFollowup", bool)
    need("followupOf", str, nullable=True)
    need("agent", dict, nullable=True)
    need("siteCode", str)
    callbacks = need("callbacks", list) or []
    rectification = need("rectification", dict, nullable=True)
    if isinstance(level, int) and level > 2 and (callbacks or rectification):
        errors.append("好评不应附回访或整改记录")
    if record.get("recordType") == "rectification" and not rectification:
        errors.append("整改记录缺少整改内容")
    for key in ("phone", "residentPhone", "idNumber", "residentName"):
        if key in record:
            errors.append(f"不应上报个人信息 {key}")
    return errors


class Endpoint:
    """The server and its state (what the test scripts and reads)."""

    def __init__(self) -> None:
        self.accepted: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.refuse_sites: set[str] = set()
        self.fail_next = 0  # answer 503 this many times
        self.sleep = 0.0  # seconds before answering (a timeout when above the client's UPWARD_TIMEOUT)
        self.lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = endpoint.answer(body, dict(self.headers))
                data = json.dumps(answer, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): the record may still have been stored

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hcp/records"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.headers.append(headers)
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, {"result": "error", "message": "服务繁忙"}
        try:
            record = json.loads(body.decode())
        except ValueError:
            return 400, {"result": "refused", "reason": "不是有效的JSON"}
        with self.lock:
            self.requests.append(record)
        errors = schema_errors(record)
        if headers.get("Idempotency-Key") != record.get("recordId"):
            errors.append("Idempotency-Key 与 recordId 不一致")
        if errors:
            return 422, {"result": "refused", "reason": "；".join(errors)}
        if record["siteCode"] in self.refuse_sites:
            return 422, {"result": "refused", "reason": f"站点编码 {record['siteCode']} 未在省平台备案"}
        with self.lock:
            held = self.accepted.get(record["recordId"])
            if held is None:
                self.accepted[record["recordId"]] = record
        if self.sleep:
            time.sleep(self.sleep)  # stored, but the answer comes too late: the client retries later
        if held is not None:
            return 200, {"result": "duplicate", "receipt": f"HCP-{record['recordId']}"}
        return 200, {"result": "accepted", "receipt": f"HCP-{record['recordId']}"}

    def __enter__(self) -> Endpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
