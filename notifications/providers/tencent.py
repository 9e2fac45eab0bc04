"""Tencent Cloud SMS (腾讯云短信) through the official SDK ``tencentcloud-sdk-python-sms`` (API 2021-01-11).

``SendSms`` with ``SmsSdkAppId`` (``SMS_TENCENT_SDK_APP_ID``), ``SignName`` (``SMS_SIGNATURE``),
``TemplateId`` (``SMS_TEMPLATE_CODES["tencent"]``), the ordered ``TemplateParamSet`` and our row id as
``SessionContext``; the answer's ``SerialNo`` identifies the message in delivery reports
(``PullSmsSendStatus`` and the status callback, ``notifications.receipts``).

The SDK signs every request with ``TC3-HMAC-SHA256`` (``SMS_TENCENT_SECRET_ID`` / ``SMS_TENCENT_SECRET_KEY``).
``SMS_TENCENT_ENDPOINT`` (default ``sms.tencentcloudapi.com``) and ``SMS_TENCENT_PROTOCOL`` (``https``) point
it elsewhere (tests: a local server).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from notifications.backends.base import OutgoingSms, PermanentSendError, RetryableSendError, SmsBackend
from notifications.providers import provider_timeout, send_parts

logger = logging.getLogger("notifications.sms")

# SendStatus / error codes no retry will change, with the reason staff read.
PERMANENT_CODES = {
    "InvalidParameterValue.IncorrectPhoneNumber": "号码无效",
    "FailedOperation.PhoneNumberInBlacklist": "黑名单",
    "FailedOperation.PhoneNumberOnBlacklist": "黑名单",
    "FailedOperation.ContainSensitiveWord": "内容被拒",
    "FailedOperation.TemplateIncorrectOrUnapproved": "模板未通过审核",
    "FailedOperation.SignatureIncorrectOrUnapproved": "签名未通过审核",
    "InvalidParameterValue.TemplateParameterFormatError": "模板变量不符",
    "InvalidParameterValue.TemplateParameterLengthLimit": "变量超长",
    "InvalidParameterValue.ContentLengthLimit": "内容超长",
    "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter": "变量含链接",
    "AuthFailure.SignatureFailure": "服务商签名校验失败",
    "AuthFailure.SecretIdNotFound": "服务商密钥无效",
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail": "应用ID无效",
}
# LimitExceeded.* (the provider's flow control), InternalError.*, RequestLimitExceeded, ClientNetworkError
# (timeouts, connection refused) and ServerNetworkError (5xx) are retryable: everything not listed above.


def _client() -> sms_client.SmsClient:
    http = HttpProfile(
        protocol=str(getattr(settings, "SMS_TENCENT_PROTOCOL", "") or "https"),
        endpoint=str(getattr(settings, "SMS_TENCENT_ENDPOINT", "") or "sms.tencentcloudapi.com"),
        reqTimeout=max(1, round(provider_timeout())),
    )
    cred = credential.Credential(
        str(getattr(settings, "SMS_TENCENT_SECRET_ID", "")),
        str(getattr(settings, "SMS_TENCENT_SECRET_KEY", "")),
    )
    region = str(getattr(settings, "SMS_TENCENT_REGION", "") or "ap-guangzhou")
    return sms_client.SmsClient(cred, region, ClientProfile(httpProfile=http))


def _app_id() -> str:
    return str(getattr(settings, "SMS_TENCENT_SDK_APP_ID", ""))


def _refusal(code: str, message: str) -> Exception:
    if code in PERMANENT_CODES:
        return PermanentSendError(f"腾讯云拒绝: {code} {message}"[:500], reason=PERMANENT_CODES[code])
    return RetryableSendError(f"腾讯云: {code} {message}"[:500])


class TencentSmsBackend(SmsBackend):
    """Tencent Cloud SMS. ``receipts``: delivery arrives later (pull or callback)."""

    name = "tencent"
    receipts = True
    templated = True  # registered templates with variables, never free text

    def send(self, message: OutgoingSms) -> str:
        signature, template, params = send_parts("tencent", message)
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [message.to]
        request.SmsSdkAppId = _app_id()
        request.SignName = signature
        request.TemplateId = template
        request.TemplateParamSet = list(params)
        request.SessionContext = message.message_id
        try:
            response = _client().SendSms(request)
        except TencentCloudSDKException as exc:
            raise _refusal(str(exc.get_code()), str(exc.get_message())) from exc
        statuses = response.SendStatusSet or []
        if not statuses:
            raise RetryableSendError("腾讯云: 应答没有发送状态")
        status = statuses[0]
        if str(status.Code) == "Ok":
            return str(status.SerialNo or "")
        raise _refusal(str(status.Code), str(status.Message))

    def pull_statuses(self, *, limit: int = 100) -> list[dict[str, Any]]:
        """``PullSmsSendStatus``: delivery reports not pulled before (a queue: each report comes once)."""
        request = models.PullSmsSendStatusRequest()
        request.Limit = limit
        request.SmsSdkAppId = _app_id()
        response = _client().PullSmsSendStatus(request)
        return [_status_map(s) for s in response.PullSmsSendStatusSet or []]

    def was_delivered(self, message: OutgoingSms) -> bool | None:
        """Did a send with our ``SessionContext`` reach Tencent Cloud in the last day (its report is in)?"""
        request = models.PullSmsSendStatusByPhoneNumberRequest()
        now = int(time.time())
        request.BeginTime = now - 86400
        request.EndTime = now
        request.Offset = 0
        request.Limit = 100
        request.PhoneNumber = message.to
        request.SmsSdkAppId = _app_id()
        try:
            response = _client().PullSmsSendStatusByPhoneNumber(request)
        except TencentCloudSDKException:
            logger.warning("tencent: status pull failed for %s", message.message_id, exc_info=True)
            return None
        return any(s.SessionContext == message.message_id for s in response.PullSmsSendStatusSet or [])


def _status_map(status: Any) -> dict[str, Any]:
    return {
        "serial_no": status.SerialNo,
        "session_context": status.SessionContext,
        "phone": status.PhoneNumber,
        "report_status": status.ReportStatus,
        "description": status.Description,
        "user_receive_time": status.UserReceiveTime,
    }
