"""HTTP SMS gateway adapter.

``POST SMS_GATEWAY_URL`` with JSON ``{"to", "text", "client_msg_id"}`` and headers ``X-Api-Key``
(``SMS_GATEWAY_KEY``), ``X-Timestamp`` (Unix seconds) and ``X-Signature``: hex HMAC-SHA256 with
``SMS_GATEWAY_SECRET`` over ``"<timestamp>\\n<body>"``. ``client_msg_id`` is stable per outbox row;
gateways that deduplicate on it make a retried in-doubt send harmless (set ``SMS_GATEWAY_DEDUPLICATES``).

2xx → sent; 5xx, 429, timeouts and network errors → ``RetryableSendError``; other 4xx →
``PermanentSendError``. Timeout: ``SMS_GATEWAY_TIMEOUT`` seconds (default 5), well inside the task's
soft time limit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from django.conf import settings

from notifications.backends.base import OutgoingSms, PermanentSendError, RetryableSendError, SmsBackend


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Signature`` value for ``body`` sent at ``timestamp``."""
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


class HttpGatewayBackend(SmsBackend):
    def __init__(
        self,
        url: str | None = None,
        key: str | None = None,
        secret: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.url = url if url is not None else settings.SMS_GATEWAY_URL
        self.key = key if key is not None else settings.SMS_GATEWAY_KEY
        self.secret = secret if secret is not None else settings.SMS_GATEWAY_SECRET
        self.timeout = float(timeout if timeout is not None else getattr(settings, "SMS_GATEWAY_TIMEOUT", 5))
        self.deduplicates = bool(getattr(settings, "SMS_GATEWAY_DEDUPLICATES", False))

    def send(self, message: OutgoingSms) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise PermanentSendError("短信网关地址未配置或无效（SMS_GATEWAY_URL）")
        body = json.dumps(
            {"to": message.to, "text": message.text, "client_msg_id": message.message_id},
            ensure_ascii=False,
        ).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Api-Key": self.key,
                "X-Timestamp": timestamp,
                "X-Signature": sign(self.secret, timestamp, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read(4096)
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace") if exc.fp else ""
            if exc.code >= 500 or exc.code == 429:
                raise RetryableSendError(f"网关 HTTP {exc.code}: {detail}") from exc
            raise PermanentSendError(f"网关拒绝 HTTP {exc.code}: {detail}") from exc
        except TimeoutError as exc:
            raise RetryableSendError(f"网关超时（{self.timeout}s）") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise RetryableSendError(f"网关连接失败: {exc}") from exc
