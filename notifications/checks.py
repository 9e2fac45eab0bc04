"""System checks of the SMS setup (issue 27): a message without a provider template is a startup error in
production, not a silent drop at send time. Registered in ``notifications.apps``; run by ``manage.py check``
(``--deploy`` in CI/deployment), ``migrate`` and ``runserver``; ``manage.py sms_templates --check`` prints
the same comparison for an operator.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

from notifications.failover import backend_chain
from notifications.providers import PROVIDERS, template_codes
from notifications.templates_registry import SMS_TEMPLATES

CREDENTIALS = {
    "aliyun": ("SMS_ALIYUN_ACCESS_KEY_ID", "SMS_ALIYUN_ACCESS_KEY_SECRET"),
    "tencent": ("SMS_TENCENT_SECRET_ID", "SMS_TENCENT_SECRET_KEY", "SMS_TENCENT_SDK_APP_ID"),
}


def missing_template_codes(provider: str) -> list[str]:
    """Message codes of the registry with no template id configured for ``provider``."""
    configured = template_codes(provider)
    return [t.code for t in SMS_TEMPLATES if not configured.get(t.code)]


def unknown_template_codes(provider: str) -> list[str]:
    """Configured message codes the registry does not know (a typo, or a message that was removed)."""
    known = {t.code for t in SMS_TEMPLATES}
    return sorted(code for code in template_codes(provider) if code not in known)


@register("bangban")
def sms_provider_check(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Every message needs a template id at each configured provider, and the provider its credentials.
    Errors when ``DEBUG`` is off (production), warnings in development."""
    level = Warning if settings.DEBUG else Error
    problems: list[Any] = []
    for provider in backend_chain():
        if provider not in PROVIDERS:
            continue
        missing = missing_template_codes(provider)
        if missing:
            problems.append(
                level(
                    f"SMS provider {provider}: {len(missing)} message(s) have no template id: {', '.join(missing)}",
                    hint="Register the templates (manage.py sms_templates) and set SMS_TEMPLATE_CODES.",
                    id="notifications.E001",
                )
            )
        unset = [name for name in CREDENTIALS[provider] if not getattr(settings, name, "")]
        if unset:
            problems.append(
                level(f"SMS provider {provider}: {', '.join(unset)} not set", id="notifications.E002")
            )
        if not getattr(settings, "SMS_SIGNATURE", ""):
            problems.append(level("SMS_SIGNATURE (the registered 签名) is not set", id="notifications.E003"))
    return problems
