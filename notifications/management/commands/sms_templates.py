"""``manage.py sms_templates [--provider aliyun|tencent] [--check]``: every SMS template in the form the
provider's console asks for (name, type 验证码/通知, text with ``${var}`` or ``{1}`` placeholders, reason),
and with ``--check`` the configured template ids (``SMS_TEMPLATE_CODES``) compared with the registry
(exit status 1 when a message has no id)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from notifications.checks import missing_template_codes, unknown_template_codes
from notifications.failover import backend_chain
from notifications.providers import PROVIDERS, template_codes
from notifications.rendering import template_text
from notifications.sms_text import provider_template, signature_for
from notifications.templates_registry import SMS_TEMPLATES


class Command(BaseCommand):
    help = "短信模板：按服务商控制台的格式打印全部模板；--check 核对已配置的模板代码。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--provider", choices=PROVIDERS, help="default: the configured provider(s)")
        parser.add_argument(
            "--check", action="store_true", help="compare SMS_TEMPLATE_CODES with the registry"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        providers = (
            [options["provider"]] if options["provider"] else [p for p in backend_chain() if p in PROVIDERS]
        )
        if not providers:
            providers = list(PROVIDERS)  # no provider configured yet: print both, for the registration
        if options["check"]:
            self._check(providers)
            return
        for provider in providers:
            self._print(provider)

    def _print(self, provider: str) -> None:
        label = {"aliyun": "阿里云短信服务", "tencent": "腾讯云短信"}[provider]
        codes = template_codes(provider)
        signatures = sorted({signature_for(t.code) for t in SMS_TEMPLATES})
        self.stdout.write(f"# {label}（{provider}）签名：{'、'.join(signatures)}")
        for t in SMS_TEMPLATES:
            spec = provider_template(t.code, template_text(t.code), provider)
            self.stdout.write("")
            self.stdout.write(
                f"消息代码：{spec.code}    已配置模板代码：{codes.get(spec.code) or '（未配置）'}"
            )
            self.stdout.write(f"模板名称：{spec.name}")
            self.stdout.write(f"模板类型：{spec.kind}")
            self.stdout.write(f"签名：{signature_for(t.code)}")
            self.stdout.write(f"模板内容：{spec.text}")
            if provider == "tencent":
                numbered = "，".join(f"{{{i}}}={name}" for i, name in enumerate(spec.variables, start=1))
                self.stdout.write(f"变量：{numbered or '无'}")
            else:
                self.stdout.write(f"变量：{'，'.join(spec.variables) or '无'}")
            if spec.has_link:
                self.stdout.write("含链接：是（域名固定在模板中，变量只含路径）")
            self.stdout.write(f"申请说明：{spec.reason}")

    def _check(self, providers: list[str]) -> None:
        failed = False
        for provider in providers:
            missing = missing_template_codes(provider)
            unknown = unknown_template_codes(provider)
            total = len(SMS_TEMPLATES)
            self.stdout.write(f"{provider}: {total - len(missing)}/{total} messages have a template id")
            for code in missing:
                self.stdout.write(f"  missing: {code}")
            for code in unknown:
                self.stdout.write(f"  unknown code in SMS_TEMPLATE_CODES: {code}")
            failed = failed or bool(missing)
        if failed:
            raise CommandError("some messages have no provider template id (SMS_TEMPLATE_CODES)")
