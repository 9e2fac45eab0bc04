"""SMS backends behind one interface.

``SMS_BACKEND`` is ``console``, ``file`` or the dotted path of a ``SmsBackend`` subclass (for example
``notifications.backends.gateway.HttpGatewayBackend``). A backend raises ``RetryableSendError`` for a
failure worth retrying (timeouts, 5xx, network) and ``PermanentSendError`` for one that is not (4xx,
invalid number); anything else it raises is treated as retryable.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from notifications.backends.base import (
    OutgoingSms,
    PermanentSendError,
    RetryableSendError,
    SendError,
    SmsBackend,
)

ALIASES = {
    "console": "notifications.backends.console.ConsoleBackend",
    "file": "notifications.backends.file.FileBackend",
    "gateway": "notifications.backends.gateway.HttpGatewayBackend",
    "aliyun": "notifications.providers.aliyun.AliyunSmsBackend",  # issue 27
    "tencent": "notifications.providers.tencent.TencentSmsBackend",
}

__all__ = [
    "ALIASES",
    "OutgoingSms",
    "PermanentSendError",
    "RetryableSendError",
    "SendError",
    "SmsBackend",
    "get_backend",
]


@cache
def _load(path: str) -> type[SmsBackend]:
    return import_string(ALIASES.get(path, path))


def get_backend(name: str | None = None) -> SmsBackend:
    """A fresh backend instance for ``name`` (an alias or dotted path), by default the configured
    ``SMS_BACKEND`` (settings are read at call time)."""
    return _load(str(name or settings.SMS_BACKEND))()
