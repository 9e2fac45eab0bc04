"""Mainland SMS providers through their official SDKs (issue 27): Alibaba Cloud (``aliyun``) and Tencent Cloud
(``tencent``). Both send a registered template under a registered signature; ``notifications.sms_text`` makes
the variables, this package the calls. What the two have in common lives here: the configured template ids
(``SMS_TEMPLATE_CODES``) and the reasons staff read for a refused message.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from notifications.backends.base import OutgoingSms, PermanentSendError
from notifications.rendering import template_text
from notifications.sms_text import provider_params, signature_for

PROVIDERS = ("aliyun", "tencent")


def template_codes(provider: str) -> dict[str, str]:
    """``{message code: provider template id}`` from ``SMS_TEMPLATE_CODES`` (a dict, or JSON text from the
    environment: ``{"aliyun": {"case_received": "SMS_4640001"}, "tencent": {"case_received": "1890001"}}``)."""
    raw: Any = getattr(settings, "SMS_TEMPLATE_CODES", {}) or {}
    if isinstance(raw, str):
        raw = json.loads(raw) if raw.strip() else {}
    return {str(k): str(v) for k, v in dict(raw.get(provider, {}) or {}).items() if v}


def template_id(provider: str, message: OutgoingSms) -> str:
    """The provider's template id for the message, or a permanent error (a message with no template is never
    sent as free text; ``manage.py sms_templates --check`` and the system check catch it before that)."""
    code = template_codes(provider).get(message.template, "")
    if not code:
        raise PermanentSendError(
            f"{provider}: 消息 {message.template!r} 没有配置模板代码（SMS_TEMPLATE_CODES）",
            reason="模板未配置",
        )
    return code


def send_parts(provider: str, message: OutgoingSms) -> tuple[str, str, dict[str, str] | list[str]]:
    """(signature, template id, parameters) of one send."""
    params = provider_params(template_text(message.template), message.context, provider)
    return signature_for(message.template), template_id(provider, message), params


def national_number(e164: str) -> str:
    """``+8613800138000`` → ``13800138000`` (Alibaba Cloud wants mainland numbers without the country code)."""
    return e164[3:] if e164.startswith("+86") else e164.lstrip("+")


def provider_timeout() -> float:
    """Seconds a provider call may take (connect and read), well inside the send task's soft time limit."""
    return float(getattr(settings, "SMS_PROVIDER_TIMEOUT", 5))
