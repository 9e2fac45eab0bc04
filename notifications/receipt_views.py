"""The providers' delivery-report callbacks (回执推送), one URL each (issue 27).

Neither Alibaba Cloud's HTTP receipt push nor Tencent Cloud's status callback signs its requests, so the
callback URL registered in the provider's console carries a secret: ``SITE_URL/sms/receipts/<provider>/
<SMS_RECEIPT_TOKEN>/``. A request with another token (or with none configured) is refused with 403 and
changes nothing. The view only checks, parses and hands each report to ``notifications.receipts``; the
answer is the one each provider expects (otherwise it pushes the batch again).
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications.receipts import parse_report_time, receipt_record

logger = logging.getLogger("notifications.sms")


def _token_ok(token: str) -> bool:
    expected = str(getattr(settings, "SMS_RECEIPT_TOKEN", "") or "")
    return bool(expected) and hmac.compare_digest(token.encode(), expected.encode())


def _reports(request: HttpRequest) -> list[dict[str, Any]] | None:
    try:
        data = json.loads(request.body or b"[]")
    except ValueError:
        return None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        return None
    return data


@csrf_exempt
@require_POST
def aliyun_receipts(request: HttpRequest, token: str) -> HttpResponse:
    """Alibaba Cloud SmsReport push: ``[{"biz_id", "out_id", "success", "err_code", "report_time", …}]``."""
    if not _token_ok(token):
        return JsonResponse({"code": 403, "msg": "forbidden"}, status=403)
    reports = _reports(request)
    if reports is None:
        return JsonResponse({"code": 400, "msg": "bad request"}, status=400)
    for item in reports:
        receipt_record(
            provider="aliyun",
            provider_message_id=str(item.get("biz_id") or ""),
            our_id=str(item.get("out_id") or ""),
            delivered=item.get("success") in (True, "true", "True", 1, "1"),
            code=str(item.get("err_code") or ""),
            description=str(item.get("err_msg") or ""),
            at=parse_report_time(item.get("report_time")),
        )
    return JsonResponse({"code": 0, "msg": "成功"})


@csrf_exempt
@require_POST
def tencent_receipts(request: HttpRequest, token: str) -> HttpResponse:
    """Tencent Cloud status callback: ``[{"sid", "report_status", "errmsg", "description", …}]``."""
    if not _token_ok(token):
        return JsonResponse({"result": 403, "errmsg": "forbidden"}, status=403)
    reports = _reports(request)
    if reports is None:
        return JsonResponse({"result": 400, "errmsg": "bad request"}, status=400)
    for item in reports:
        receipt_record(
            provider="tencent",
            provider_message_id=str(item.get("sid") or ""),
            our_id=str(item.get("ext") or ""),
            delivered=str(item.get("report_status")) == "SUCCESS",
            code=str(item.get("errmsg") or ""),
            description=str(item.get("description") or ""),
            at=parse_report_time(item.get("user_receive_time")),
        )
    return JsonResponse({"result": 0, "errmsg": "OK"})
