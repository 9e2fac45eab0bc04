"""Local HTTP servers that speak the Alibaba Cloud and Tencent Cloud SMS APIs, for tests (issue 27).

Each server verifies every request's signature the way the provider does, with the test AccessKey secret it
was started with (Alibaba Cloud V3 ``ACS3-HMAC-SHA256``; Tencent Cloud ``TC3-HMAC-SHA256``) and answers a bad
one as the provider does (``SignatureDoesNotMatch`` / ``AuthFailure.SignatureFailure``). It keeps the
templates "registered" with it, renders each accepted message the way a phone would show it
(``【签名】`` + template with the parameters) into ``phone_messages``, and answers from a script: ``ok``,
``flow`` (the provider's flow control), ``invalid`` (a refused number), ``timeout`` (answers after the client
gave up, the message not sent) and ``timeout_sent`` (sent, but the answer comes too late). Delivery reports
are held until the test releases them (``report``), like a late receipt.

The verification is written from the providers' published algorithms, not from the SDKs' code paths, so a
request the SDK signed wrongly (or with another secret) fails here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

TIMEOUT_SLEEP = 1.6  # longer than the tests' SMS_PROVIDER_TIMEOUT (1 s)


@dataclass
class Sent:
    phone: str
    sign: str
    template: str
    params: Any
    our_id: str
    provider_id: str
    text: str
    at: float = field(default_factory=time.time)


class _Base:
    """The state both fakes share; ``url`` is what the SDK's endpoint setting gets (``host:port``)."""

    def __init__(self, *, key_id: str, secret: str, templates: dict[str, str]) -> None:
        self.key_id = key_id
        self.secret = secret
        self.templates = templates  # provider template id → registered text (${var} or {1} placeholders)
        self.script: list[str] = []
        self.sent: list[Sent] = []
        self.requests: list[str] = []  # actions, in order
        self.bad_signatures = 0
        self.reports: dict[str, dict[str, Any]] = {}  # provider id → released delivery report
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> _Base:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def next_behaviour(self) -> str:
        with self.lock:
            return self.script.pop(0) if self.script else "ok"

    @property
    def phone_messages(self) -> list[tuple[str, str]]:
        """(phone, text as shown on the phone) of every message this provider actually sent."""
        return [(s.phone, s.text) for s in self.sent]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet test output
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload = fake.handle(self.command, self.path, dict(self.headers.items()), body)
                data = json.dumps(payload, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout scenarios)

            do_GET = do_POST

        return Handler

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        raise NotImplementedError


def _lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


# --- Alibaba Cloud ------------------------------------------------------------------------------------------


class FakeAliyun(_Base):
    """Alibaba Cloud SMS API (2017-05-25, RPC style, V3 signature)."""

    def verify(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
        h = _lower(headers)
        match = re.fullmatch(
            r"ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)",
            h.get("authorization", ""),
        )
        if not match or match.group(1) != self.key_id:
            return False
        signed = match.group(2).split(";")
        if not {"host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"} <= set(signed):
            return False
        payload_hash = hashlib.sha256(body).hexdigest()
        if h.get("x-acs-content-sha256") != payload_hash:
            return False
        parts = urlsplit(path)
        query = sorted(parse_qsl(parts.query, keep_blank_values=True))
        canonical_query = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in query)
        canonical_headers = "".join(f"{name}:{h.get(name, '').strip()}\n" for name in signed)
        canonical = "\n".join(
            [method, parts.path or "/", canonical_query, canonical_headers, ";".join(signed), payload_hash]
        )
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(self.secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, match.group(3))

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        request_id = uuid.uuid4().hex
        if not self.verify(method, path, headers, body):
            with self.lock:
                self.bad_signatures += 1
            return 400, {
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched with our calculation.",
                "RequestId": request_id,
            }
        action = _lower(headers).get("x-acs-action", "")
        params = dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
        params.update(dict(parse_qsl(body.decode(), keep_blank_values=True)))
        self.requests.append(action)
        if action == "SendSms":
            return self._send(params, request_id)
        if action == "QuerySendDetails":
            return 200, self._details(params, request_id)
        return 404, {"Code": "InvalidAction.NotFound", "Message": action, "RequestId": request_id}

    def _send(self, params: dict[str, str], request_id: str) -> tuple[int, Any]:
        behaviour = self.next_behaviour()
        if behaviour == "flow":
            return 200, {
                "Code": "isv.BUSINESS_LIMIT_CONTROL",
                "Message": "触发分钟级流控Permits:1",
                "RequestId": request_id,
            }
        if behaviour == "invalid":
            return 200, {
                "Code": "isv.MOBILE_NUMBER_ILLEGAL",
                "Message": "非法手机号",
                "RequestId": request_id,
            }
        template = self.templates.get(params.get("TemplateCode", ""))
        if template is None:
            return 200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法", "RequestId": request_id}
        values = json.loads(params.get("TemplateParam") or "{}")
        names = re.findall(r"\$\{(\w+)\}", template)
        if set(values) != set(names):
            return 200, {
                "Code": "isv.TEMPLATE_MISSING_PARAMETERS",
                "Message": "模板变量缺少对应参数值",
                "RequestId": request_id,
            }
        for value in values.values():
            if len(str(value)) > 35:
                return 200, {
                    "Code": "isv.PARAM_LENGTH_LIMIT",
                    "Message": "参数超出长度限制",
                    "RequestId": request_id,
                }
            if re.search(r"https?://", str(value)):
                return 200, {
                    "Code": "isv.PARAM_NOT_SUPPORT_URL",
                    "Message": "不支持url为变量",
                    "RequestId": request_id,
                }
        if behaviour == "timeout":
            time.sleep(TIMEOUT_SLEEP)
            return 200, {"Code": "isp.SYSTEM_ERROR", "Message": "late", "RequestId": request_id}
        biz_id = f"{uuid.uuid4().int % 10**15:015d}^0"
        text = f"【{params['SignName']}】" + re.sub(
            r"\$\{(\w+)\}", lambda m: str(values[m.group(1)]), template
        )
        with self.lock:
            self.sent.append(
                Sent(
                    params["PhoneNumbers"],
                    params["SignName"],
                    params["TemplateCode"],
                    values,
                    params.get("OutId", ""),
                    biz_id,
                    text,
                )
            )
        if behaviour == "timeout_sent":
            time.sleep(TIMEOUT_SLEEP)
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}

    def report(self, provider_id: str, *, delivered: bool, err_code: str = "DELIVERED") -> None:
        """Release the delivery report of one sent message (QuerySendDetails answers it from now on)."""
        with self.lock:
            self.reports[provider_id] = {"SendStatus": 3 if delivered else 2, "ErrCode": err_code}

    def _details(self, params: dict[str, str], request_id: str) -> dict[str, Any]:
        rows = []
        for s in self.sent:
            if s.phone != params.get("PhoneNumber"):
                continue
            if params.get("BizId") and params["BizId"] != s.provider_id:
                continue
            report = self.reports.get(s.provider_id, {"SendStatus": 1, "ErrCode": ""})
            rows.append(
                {
                    "PhoneNum": s.phone,
                    "SendStatus": report["SendStatus"],
                    "ErrCode": report["ErrCode"],
                    "TemplateCode": s.template,
                    "Content": s.text,
                    "SendDate": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(s.at)),
                    "ReceiveDate": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(s.at + 3)),
                    "OutId": s.our_id,
                }
            )
        return {
            "Code": "OK",
            "Message": "OK",
            "RequestId": request_id,
            "TotalCount": str(len(rows)),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": rows},
        }


# --- Tencent Cloud ------------------------------------------------------------------------------------------


def tc3_signature(secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    k_date = sign(("TC3" + secret_key).encode(), date)
    k_signing = sign(sign(k_date, service), "tc3_request")
    return hmac.new(k_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


class FakeTencent(_Base):
    """Tencent Cloud SMS API (2021-01-11, TC3-HMAC-SHA256)."""

    def verify(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
        h = _lower(headers)
        match = re.fullmatch(
            r"TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/(\w+)/tc3_request, "
            r"SignedHeaders=([^,]+), Signature=([0-9a-f]+)",
            h.get("authorization", ""),
        )
        if not match or match.group(1) != self.key_id:
            return False
        date, service, signed = match.group(2), match.group(3), match.group(4).split(";")
        timestamp = h.get("x-tc-timestamp", "")
        if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > 300:
            return False
        if time.strftime("%Y-%m-%d", time.gmtime(int(timestamp))) != date:
            return False
        canonical_headers = "".join(f"{name}:{h.get(name, '').strip().lower()}\n" for name in signed)
        canonical = "\n".join(
            [
                method,
                urlsplit(path).path or "/",
                urlsplit(path).query,
                canonical_headers,
                ";".join(signed),
                hashlib.sha256(body).hexdigest(),
            ]
        )
        scope = f"{date}/{service}/tc3_request"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        return hmac.compare_digest(tc3_signature(self.secret, date, service, to_sign), match.group(5))

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        request_id = str(uuid.uuid4())
        if not self.verify(method, path, headers, body):
            with self.lock:
                self.bad_signatures += 1
            return 200, {
                "Response": {
                    "Error": {
                        "Code": "AuthFailure.SignatureFailure",
                        "Message": "The provided credentials could not be validated.",
                    },
                    "RequestId": request_id,
                }
            }
        action = _lower(headers).get("x-tc-action", "")
        params = json.loads(body or b"{}")
        self.requests.append(action)
        if action == "SendSms":
            return 200, {"Response": {**self._send(params), "RequestId": request_id}}
        if action == "PullSmsSendStatus":
            return 200, {"Response": {"PullSmsSendStatusSet": self._pull(params), "RequestId": request_id}}
        if action == "PullSmsSendStatusByPhoneNumber":
            rows = [
                self._status(s)
                for s in self.sent
                if s.phone == params.get("PhoneNumber") and s.provider_id in self.reports
            ]
            return 200, {"Response": {"PullSmsSendStatusSet": rows, "RequestId": request_id}}
        return 200, {
            "Response": {"Error": {"Code": "InvalidAction", "Message": action}, "RequestId": request_id}
        }

    def _status_row(
        self, phone: str, code: str, message: str, serial: str = "", context: str = ""
    ) -> dict[str, Any]:
        return {
            "SerialNo": serial,
            "PhoneNumber": phone,
            "Fee": 1 if code == "Ok" else 0,
            "SessionContext": context,
            "Code": code,
            "Message": message,
            "IsoCode": "CN",
        }

    def _send(self, params: dict[str, Any]) -> dict[str, Any]:
        phone = params["PhoneNumberSet"][0]
        behaviour = self.next_behaviour()
        if behaviour == "flow":
            return {
                "SendStatusSet": [
                    self._status_row(
                        phone,
                        "LimitExceeded.PhoneNumberOneHourLimit",
                        "单个手机号1小时内下发短信条数超过设定的上限",
                    )
                ]
            }
        if behaviour == "invalid":
            return {
                "SendStatusSet": [
                    self._status_row(phone, "InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误")
                ]
            }
        template = self.templates.get(str(params.get("TemplateId")))
        if template is None:
            return {
                "SendStatusSet": [
                    self._status_row(
                        phone, "FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配"
                    )
                ]
            }
        values = [str(v) for v in params.get("TemplateParamSet") or []]
        if len(values) != len(set(re.findall(r"\{(\d+)\}", template))) or any(len(v) > 35 for v in values):
            return {
                "SendStatusSet": [
                    self._status_row(
                        phone, "InvalidParameterValue.TemplateParameterFormatError", "验证码模板参数格式错误"
                    )
                ]
            }
        if behaviour == "timeout":
            time.sleep(TIMEOUT_SLEEP)
            return {"SendStatusSet": [self._status_row(phone, "InternalError.Timeout", "late")]}
        serial = f"2640:{uuid.uuid4().int % 10**20:020d}"
        text = f"【{params['SignName']}】" + re.sub(
            r"\{(\d+)\}", lambda m: values[int(m.group(1)) - 1], template
        )
        context = str(params.get("SessionContext") or "")
        with self.lock:
            self.sent.append(
                Sent(phone, params["SignName"], str(params["TemplateId"]), values, context, serial, text)
            )
        if behaviour == "timeout_sent":
            self.report(
                serial, delivered=True
            )  # the provider delivered it; only our client missed the answer
            time.sleep(TIMEOUT_SLEEP)
        return {"SendStatusSet": [self._status_row(phone, "Ok", "send success", serial, context)]}

    def report(self, provider_id: str, *, delivered: bool, description: str = "DELIVRD") -> None:
        """Release the delivery report of one sent message (queued for PullSmsSendStatus, once)."""
        with self.lock:
            self.reports[provider_id] = {
                "ReportStatus": "SUCCESS" if delivered else "FAIL",
                "Description": description,
                "pulled": False,
            }

    def _status(self, s: Sent) -> dict[str, Any]:
        report = self.reports[s.provider_id]
        return {
            "UserReceiveTime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(s.at + 2)),
            "CountryCode": "86",
            "SubscriberNumber": s.phone[3:],
            "PhoneNumber": s.phone,
            "SerialNo": s.provider_id,
            "ReportStatus": report["ReportStatus"],
            "Description": report["Description"],
            "SessionContext": s.our_id,
        }

    def _pull(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        with self.lock:
            for s in self.sent:
                report = self.reports.get(s.provider_id)
                if report and not report["pulled"] and len(out) < int(params.get("Limit") or 100):
                    report["pulled"] = True
                    out.append(self._status(s))
        return out
