"""The 好差评 upward record: the one definition of what is sent to the provincial 好差评 system.

Version ``PAYLOAD_VERSION`` of the national evaluation content (国办发〔2019〕51号《关于建立政务服务"好差评"制度
提高政务服务水平的意见》: every evaluation of every 办件 is gathered upward, and each 差评 is followed by its
call-back and rectification). One record per evaluation event, JSON, UTF-8:

==================  ===========================================================================================
``version``         ``PAYLOAD_VERSION`` (also sent as the ``X-Payload-Version`` header)
``recordId``        unique id of this record (the idempotency key: the endpoint accepts each once)
``recordType``      ``evaluation`` (a rating or a 追评) · ``callback`` (回访 of a 差评) · ``rectification`` (整改)
``evaluationId``    the evaluation the record belongs to (``BB-E-<rating id>``)
``projectNo``       办件编号: the case number (``null`` for a walk-in kiosk rating of an agent alone)
``taskCode``        事项编码 · ``taskName`` 事项名称 (``null`` without a case)
``channel``         评价渠道: ``site`` (窗口/站点) · ``kiosk`` (评价器) · ``sms`` (短信链接) · ``online`` (网上/移动端)
``onlineOffline``   ``offline`` (线下: on site, kiosk) or ``online`` (线上: SMS link, web)
``level``           评价等级 1–5 · ``levelName`` 非常满意/满意/基本满意/不满意/非常不满意
``indicators``      评价指标 1–5 or ``null``: ``overall`` 整体满意度, ``efficiency`` 服务效率/办事效率,
                    ``attitude`` 服务态度, ``quality`` 服务水平 (our 结果满意度)
``text``            评价内容 (the resident's words, may be empty)
``evaluatedAt``     评价时间, ISO 8601 with offset
``isFollowup``      追评 flag · ``followupOf`` the first evaluation's id for a 追评, else ``null``
``agent``           帮办人员 ``{"id", "name"}`` or ``null`` · ``siteCode`` 站点编码 · ``siteName``
``callbacks``       差评 only (else ``[]``): ``[{"at", "reached", "note"}]`` the call-backs logged so far
``rectification``   差评 only (else ``null``): ``{"at", "report"}`` once reported
==================  ===========================================================================================

No resident phone, name or ID number is sent. The endpoint's answer (``parse_answer``): HTTP 2xx
``{"result": "accepted", "receipt": "…"}``; ``{"result": "duplicate", "receipt": "…"}`` (2xx or 409) for a
record id it already holds — counted as accepted, which is what makes re-sending safe; 4xx (400/422)
``{"result": "refused", "reason": "…"}`` — final, the reason kept; anything else (5xx, 429, a timeout, no
connection, an unreadable body) is retried.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from residents.models import Callback, Rating, Rectification

PAYLOAD_VERSION = "1.0"

CHANNELS = {
    Rating.Channel.KIOSK: ("kiosk", "offline"),
    Rating.Channel.SMS_LINK: ("sms", "online"),
    Rating.Channel.TRACK: ("online", "online"),
}
INDICATORS = {"efficiency": "办事效率", "attitude": "服务态度", "quality": "结果满意度"}
KINDS = ("evaluation", "callback", "rectification")


def evaluation_id(rating: Rating) -> str:
    return f"BB-E-{rating.pk}"


def record_id(*, kind: str, rating: Rating, record: Any) -> str:
    """One id per record: the evaluation itself, each call-back, the one rectification of a rating."""
    base = evaluation_id(rating)
    if kind == "evaluation":
        return base
    if kind == "callback":
        return f"{base}-HF-{record.pk}"
    if kind == "rectification":
        return f"{base}-ZG"
    raise ValueError(f"unknown upward record kind {kind!r}")


def _iso(moment: Any) -> str:
    return str(timezone.localtime(moment).isoformat(timespec="seconds"))


def _callbacks(rating: Rating) -> list[dict[str, Any]]:
    return [
        {"at": _iso(c.at), "reached": c.reached, "note": c.note}
        for c in Callback.objects.filter(rating=rating).order_by("at", "id")
    ]


def _rectification(rating: Rating) -> dict[str, Any] | None:
    found = Rectification.objects.filter(rating=rating).first()
    return None if found is None else {"at": _iso(found.at), "report": found.report}


def build(*, kind: str, rating: Rating) -> dict[str, Any]:
    """The record of ``kind`` for ``rating`` as it stands now (in the writing transaction: a snapshot)."""
    if kind not in KINDS:
        raise ValueError(f"unknown upward record kind {kind!r}")
    case = rating.case
    channel, online = CHANNELS.get(Rating.Channel(rating.channel), ("online", "online"))
    aspects = rating.aspects or {}
    first = None
    if rating.is_followup and case is not None:
        first = Rating.objects.filter(case=case, is_followup=False).values_list("pk", flat=True).first()
    return {
        "version": PAYLOAD_VERSION,
        "recordType": kind,
        "evaluationId": evaluation_id(rating),
        "projectNo": case.case_no if case else None,
        "taskCode": case.matter.code if case else None,
        "taskName": case.matter.name if case else None,
        "channel": channel,
        "onlineOffline": online,
        "level": rating.value,
        "levelName": str(Rating.Value(rating.value).label),
        "indicators": {"overall": rating.value, **{k: aspects.get(v) for k, v in INDICATORS.items()}},
        "text": rating.comment or "",
        "evaluatedAt": _iso(rating.created_at),
        "isFollowup": rating.is_followup,
        "followupOf": f"BB-E-{first}" if first else None,
        "agent": {"id": str(rating.agent.pk), "name": rating.agent.name} if rating.agent else None,
        "siteCode": rating.site.code,
        "siteName": rating.site.name,
        "callbacks": _callbacks(rating) if rating.is_bad else [],
        "rectification": _rectification(rating) if rating.is_bad else None,
    }


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()


@dataclass(frozen=True)
class Answer:
    """What the endpoint said: ``accepted`` (``duplicate`` too), ``refused``, or ``retry``."""

    outcome: str  # accepted | duplicate | refused | retry
    receipt: str = ""
    reason: str = ""
    status: int = 0  # the HTTP status (0: no answer)


def parse_answer(status: int, body: bytes) -> Answer:
    """Read the endpoint's answer (see the module docstring)."""
    try:
        data = json.loads(body.decode() or "{}")
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        return Answer("retry", reason=f"HTTP {status}: 无法解析的应答", status=status)
    result = str(data.get("result", ""))
    receipt = str(data.get("receipt") or "")[:128]
    reason = str(data.get("reason") or data.get("message") or "")[:2000]
    if result == "duplicate" and (200 <= status < 300 or status == 409):
        return Answer("duplicate", receipt=receipt, reason=reason, status=status)
    if 200 <= status < 300 and result == "accepted":
        return Answer("accepted", receipt=receipt, status=status)
    if status != 429 and (status in (400, 422) or (400 <= status < 500 and result == "refused")):
        return Answer("refused", receipt=receipt, reason=reason or f"HTTP {status}", status=status)
    return Answer("retry", reason=f"HTTP {status}: {reason}"[:2000], status=status)
