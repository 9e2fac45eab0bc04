"""Alibaba Cloud SMS (阿里云短信服务) through the official SDK ``alibabacloud-dysmsapi20170525``.

``SendSms`` with ``SignName`` (``SMS_SIGNATURE``), ``TemplateCode`` (``SMS_TEMPLATE_CODES["aliyun"]``), the
variables as ``TemplateParam`` JSON and our row id as ``OutId``; the answer's ``BizId`` identifies the message
in delivery reports (``QuerySendDetails`` and the HTTP receipt push, ``notifications.receipts``).

The SDK signs every request (V3 signature ``ACS3-HMAC-SHA256`` over the canonical request, in the
``Authorization`` header) with ``SMS_ALIYUN_ACCESS_KEY_SECRET``. ``SMS_ALIYUN_ENDPOINT`` (default
``dysmsapi.aliyuncs.com``) and ``SMS_ALIYUN_PROTOCOL`` (``https``) point it elsewhere (tests: a local server).

Answers: ``OK`` → accepted; flow control (``isv.BUSINESS_LIMIT_CONTROL`` …), throttling, 5xx, timeouts and
network errors → ``RetryableSendError`` (retry with backoff, then the fallback provider); a refused number,
template, signature or content → ``PermanentSendError`` with the reason staff read.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import utils_models
from alibabacloud_tea_openapi.exceptions import ClientException, ThrottlingException
from django.conf import settings
from django.utils import timezone

from notifications.backends.base import OutgoingSms, PermanentSendError, RetryableSendError, SmsBackend
from notifications.providers import national_number, provider_timeout, send_parts

logger = logging.getLogger("notifications.sms")

# Codes of a SendSms answer that retrying (later, or at the other provider) may get past.
RETRYABLE_CODES = {
    "isv.BUSINESS_LIMIT_CONTROL": "服务商流控",
    "isv.DAY_LIMIT_CONTROL": "服务商日限额",
    "isp.SYSTEM_ERROR": "服务商系统错误",
    "isv.AMOUNT_NOT_ENOUGH": "服务商账户余额不足",
    "isv.OUT_OF_SERVICE": "服务商业务停机",
    "Throttling.User": "服务商限流",
}
# Codes no retry will change, with the reason staff read.
PERMANENT_CODES = {
    "isv.MOBILE_NUMBER_ILLEGAL": "号码无效",
    "isv.BLACK_KEY_CONTROL_LIMIT": "内容被拒",
    "isv.SMS_CONTENT_ILLEGAL": "内容被拒",
    "isv.SMS_TEMPLATE_ILLEGAL": "模板未通过审核",
    "isv.SMS_SIGNATURE_ILLEGAL": "签名未通过审核",
    "isv.TEMPLATE_MISSING_PARAMETERS": "模板变量不符",
    "isv.PARAM_LENGTH_LIMIT": "变量超长",
    "isv.PARAM_NOT_SUPPORT_URL": "变量含链接",
    "isv.MOBILE_IN_BLACK": "黑名单",
    "isv.DENY_IP_RANGE": "号码所在地区不支持",
}


def _client() -> Client:
    timeout_ms = int(provider_timeout() * 1000)
    config = utils_models.Config(
        access_key_id=str(getattr(settings, "SMS_ALIYUN_ACCESS_KEY_ID", "")),
        access_key_secret=str(getattr(settings, "SMS_ALIYUN_ACCESS_KEY_SECRET", "")),
        endpoint=str(getattr(settings, "SMS_ALIYUN_ENDPOINT", "") or "dysmsapi.aliyuncs.com"),
        protocol=str(getattr(settings, "SMS_ALIYUN_PROTOCOL", "") or "https"),
        read_timeout=timeout_ms,
        connect_timeout=timeout_ms,
    )
    return Client(config)


def _classify(exc: Exception) -> Exception:
    """The SDK's exception as ours: 4xx (bad credentials, bad signature, bad parameters) are permanent."""
    code = str(getattr(exc, "code", "") or "")
    if isinstance(exc, ThrottlingException):
        return RetryableSendError(f"阿里云限流: {code}")
    if isinstance(exc, ClientException):
        if code in RETRYABLE_CODES:
            return RetryableSendError(f"阿里云: {code}")
        return PermanentSendError(
            f"阿里云拒绝: {code} {getattr(exc, 'message', '')}"[:500],
            reason=PERMANENT_CODES.get(code, "请求被拒"),
        )
    # ServerException (5xx) and UnretryableException (timeouts, connection refused …)
    return RetryableSendError(f"阿里云不可用: {type(exc).__name__}: {exc}"[:500])


def _today() -> str:
    return timezone.localtime().strftime("%Y%m%d")  # QuerySendDetails counts days in Beijing time


class AliyunSmsBackend(SmsBackend):
    """Alibaba Cloud SMS. ``receipts``: delivery arrives later (pull or push)."""

    name = "aliyun"
    receipts = True
    templated = True  # registered templates with variables, never free text

    def send(self, message: OutgoingSms) -> str:
        signature, template, params = send_parts("aliyun", message)
        request = sms_models.SendSmsRequest(
            phone_numbers=national_number(message.to),
            sign_name=signature,
            template_code=template,
            template_param=json.dumps(params, ensure_ascii=False),
            out_id=message.message_id,
        )
        try:
            body = _client().send_sms(request).body
        except Exception as exc:
            raise _classify(exc) from exc
        code = str(body.code or "")
        if code == "OK":
            return str(body.biz_id or "")
        if code in PERMANENT_CODES:
            raise PermanentSendError(f"阿里云拒绝: {code} {body.message}", reason=PERMANENT_CODES[code])
        raise RetryableSendError(f"阿里云: {code} {body.message}")

    def send_details(self, *, phone: str, day: str | None = None, biz_id: str = "") -> list[dict[str, Any]]:
        """``QuerySendDetails`` for one number on one day (``YYYYMMDD``): the provider's rows, newest first."""
        request = sms_models.QuerySendDetailsRequest(
            phone_number=national_number(phone),
            send_date=day or _today(),
            page_size=50,
            current_page=1,
            biz_id=biz_id or None,
        )
        body = _client().query_send_details(request).body
        if str(body.code or "") != "OK":
            raise RetryableSendError(f"阿里云查询失败: {body.code} {body.message}")
        dtos = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
        return [dto.to_map() for dto in dtos or []]

    def was_delivered(self, message: OutgoingSms) -> bool | None:
        """Did a send with our ``OutId`` reach Alibaba Cloud (today or yesterday)? None: cannot tell now."""
        try:
            days = {_today(), (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y%m%d")}
            for day in sorted(days):
                if any(
                    row.get("OutId") == message.message_id
                    for row in self.send_details(phone=message.to, day=day)
                ):
                    return True
        except Exception:
            logger.warning("aliyun: QuerySendDetails failed for %s", message.message_id, exc_info=True)
            return None
        return False
