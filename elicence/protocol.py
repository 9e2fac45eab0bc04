"""The e-licence adapter's wire protocol (version 1): the one module to change for another province's service.

Request: ``POST {ELICENCE_URL}/v1/licences/query`` with a JSON body::

    {"version": "1", "request_id": "<uuid>", "purpose": "帮办代办 <case_no>",
     "holder": {"id_number": "...", "name": "..."}, "types": ["resident_id", ...],
     "consent": {"given": true, "channel": "staff|grid|online", "at": "<ISO-8601>"}}

signed by the headers ``X-App-Id``, ``X-Timestamp`` (Unix seconds), ``X-Nonce`` and ``X-Signature`` =
hex HMAC-SHA256 with the application secret over ``app_id \\n timestamp \\n nonce \\n sha256_hex(body)``.

Answer (HTTP 200)::

    {"result": "ok" | "not_found" | "consent_refused", "message": "...",
     "licences": [{"type": "resident_id", "number": "...", "issuer": "...",
                   "valid_from": "YYYY-MM-DD", "valid_until": "YYYY-MM-DD" | null, "status": "valid" | "expired"}]}

Anything else (other status, bad JSON, a timeout) is an error the intake goes on without.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

VERSION = "1"
PATH = "/v1/licences/query"


def sign(*, app_id: str, secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = "\n".join([app_id, timestamp, nonce, hashlib.sha256(body).hexdigest()]).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def build_request(
    *,
    request_id: str,
    case_no: str,
    id_number: str,
    name: str,
    types: list[str],
    channel: str,
    consent_at: dt.datetime,
    app_id: str,
    secret: str,
) -> tuple[bytes, dict[str, str]]:
    """The body and signed headers of one query."""
    body = json.dumps(
        {
            "version": VERSION,
            "request_id": request_id,
            "purpose": f"帮办代办 {case_no}",
            "holder": {"id_number": id_number, "name": name},
            "types": types,
            "consent": {"given": True, "channel": channel, "at": consent_at.isoformat()},
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-App-Id": app_id,
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": sign(app_id=app_id, secret=secret, timestamp=timestamp, nonce=nonce, body=body),
    }
    return body, headers


@dataclass(frozen=True)
class Licence:
    type: str
    number: str
    issuer: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    status: str

    def is_valid(self, today: dt.date) -> bool:
        return self.status == "valid" and (self.valid_until is None or self.valid_until >= today)


@dataclass(frozen=True)
class Answer:
    result: str  # ok | not_found | consent_refused
    message: str
    licences: list[Licence]


class ProtocolError(ValueError):
    """The service answered something this protocol does not define."""


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ProtocolError(f"bad date {value!r}") from exc


def parse_answer(raw: bytes) -> Answer:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError("answer is not JSON") from exc
    if not isinstance(data, dict) or data.get("result") not in {"ok", "not_found", "consent_refused"}:
        raise ProtocolError("unknown result")
    items = data.get("licences") or []
    if not isinstance(items, list):
        raise ProtocolError("licences is not a list")
    licences = []
    for item in items:
        if not isinstance(item, dict) or not item.get("type") or not item.get("number"):
            raise ProtocolError("licence without type or number")
        licences.append(
            Licence(
                type=str(item["type"])[:64],
                number=str(item["number"])[:64],
                issuer=str(item.get("issuer") or "")[:128],
                valid_from=_date(item.get("valid_from")),
                valid_until=_date(item.get("valid_until")),
                status=str(item.get("status") or "valid"),
            )
        )
    return Answer(result=data["result"], message=str(data.get("message") or "")[:200], licences=licences)
