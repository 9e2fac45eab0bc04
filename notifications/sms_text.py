"""What an SMS says, in the form the mainland providers accept (issue 27).

A message is a *template* registered in advance with each provider (模板) under the deployment's registered
*signature* (签名), with declared variables only. This module is the one place that turns a message code and
its context into

- the variables, each cut to the provider's length rule for its kind (``fit_context``: a long address is
  shortened, never rejected at send time; a code is digits only; a link keeps only its path, the domain
  being fixed text of the template);
- the text a resident reads: ``【signature】`` + the template with those variables (``compose``), which is also
  exactly what ``console`` and ``file`` show, so what a developer sees is what a resident gets;
- the provider's view of the same thing: the template text with ``${var}`` (Alibaba Cloud) or ``{1}``
  (Tencent Cloud) placeholders and the parameters of one send (``provider_template``, ``provider_params``).

Signatures: ``SMS_SIGNATURE`` (one per deployment, e.g. ``市中区政务服务``) and optionally
``SMS_SIGNATURE_SECONDARY`` (a second registered one, used for the town/district supervision messages in
``SECONDARY_SIGNATURE_CODES``); without a secondary the primary one is used everywhere.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings

from notifications.conf import setting
from notifications.rendering import render
from notifications.templates_registry import DEFAULTS_BY_CODE

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

# 验证码 templates: the providers accept only a digits-only code variable in them (and apply their strictest
# flow control to them; see ``notifications.flow_control``).
VERIFICATION_CODES = frozenset({"otp_code"})
# Supervision messages sent in a town's or the district's name: the second registered signature, if any.
SECONDARY_SIGNATURE_CODES = frozenset({"escalation_town", "escalation_district", "bad_rating_rectify_late"})

Kind = Literal["code", "name", "site", "address", "number", "phone", "link", "text"]

# Length rules per variable kind (characters). Both providers cap a plain variable at 35 characters (their
# "其他" type; Alibaba Cloud answers isv.PARAM_LENGTH_LIMIT, Tencent a template-parameter error); we cut
# shorter where a shorter value reads better in a 70-character segment. A value over its limit is cut with
# "…", never refused: a resident gets a shortened address rather than no message.
KIND_LIMITS: dict[str, int] = {
    "code": 6,
    "name": 10,
    "site": 20,
    "address": 20,
    "number": 20,
    "phone": 20,
    "link": 100,  # a path after the fixed domain: registered as a link variable (see docs/sms.md)
    "text": 35,
}
VARIABLE_KINDS: dict[str, Kind] = {
    "code": "code",
    "agent_name": "name",
    "resident_name": "name",
    "member": "name",
    "site_name": "site",
    "station_name": "site",
    "town_name": "site",
    "new_site": "site",
    "department": "site",
    "authority": "site",
    "region": "site",
    "matter": "site",
    "address": "address",
    "case_no": "number",
    "ref": "number",
    "phone_tail": "number",
    "agent_phone": "phone",
    "site_phone": "phone",
    "new_site_phone": "phone",
    "track_url": "link",
    "link": "link",
}
LINK_FALLBACK_PATH = "track/"  # a link we cannot carry (another host, too long) points to the progress page


def variable_kind(name: str) -> Kind:
    return VARIABLE_KINDS.get(name, "text")


def site_prefix() -> str:
    """The fixed start of every link in a template: ``SITE_URL`` and a slash (registered with the template)."""
    return str(settings.SITE_URL).rstrip("/") + "/"


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


_URL = re.compile(r"https?://\S+")
_SPACE = re.compile(r"\s")


def _fit_code(value: str) -> str:
    return re.sub(r"\D", "", value)[: KIND_LIMITS["code"]]


def fit_value(name: str, value: str) -> str:
    """``value`` made acceptable for variable ``name`` under the providers' rules (see ``KIND_LIMITS``)."""
    if variable_kind(name) == "code":
        return _fit_code(str(value))
    return _fit(name, str(value), site_prefix())


# Runs for every variable of every planned SMS row (a sweep plans thousands, over the same few station names,
# matters and links): memoised on (name, value, link prefix), everything the result depends on. Never for a
# login code (kept out of any cache: it is secret).
@functools.lru_cache(maxsize=16384)
def _fit(name: str, value: str, prefix: str) -> str:
    kind = variable_kind(name)
    if _SPACE.search(value):
        value = " ".join(value.split())  # no line breaks or runs of blanks inside a variable
    if kind == "link":
        # Only the path travels as a variable; the domain is fixed text of the template (no URL variables).
        path = value[len(prefix) :] if value.startswith(prefix) else ""
        if not path or len(path) > KIND_LIMITS["link"] or "://" in path:
            path = LINK_FALLBACK_PATH
        return path
    if (
        "://" in value
    ):  # no URL inside a plain variable: the providers refuse them (isv.PARAM_NOT_SUPPORT_URL)
        value = " ".join(_URL.sub("", value).split())
    return _cut(value, KIND_LIMITS[kind])


def fit_context(context: dict[str, str]) -> dict[str, str]:
    """Every value of a prepared context (``rendering.prepare_context``) fitted to its variable's rule."""
    prefix = site_prefix()
    return {
        key: _fit_code(str(value)) if variable_kind(key) == "code" else _fit(key, str(value), prefix)
        for key, value in context.items()
    }


@functools.lru_cache(maxsize=256)
def _link_template_for(text: str, prefix: str) -> str:
    return re.sub(r"\{(track_url|link)\}", lambda m: prefix + "{" + m.group(1) + "}", text)


def _link_template(text: str) -> str:
    """A template text with each link variable written as fixed ``SITE_URL/`` + the path variable."""
    return _link_template_for(text, site_prefix())


def signature_for(code: str) -> str:
    """The registered signature a message goes out under (without the brackets)."""
    primary = str(getattr(settings, "SMS_SIGNATURE", "") or setting("NOTIFICATIONS_SIGNATURE"))
    secondary = str(getattr(settings, "SMS_SIGNATURE_SECONDARY", "") or "")
    return secondary if secondary and code in SECONDARY_SIGNATURE_CODES else primary


def compose(code: str, body: str, context: dict[str, str]) -> str:
    """The text a resident reads: ``【signature】`` + ``body`` with the (already fitted) variables."""
    return f"【{signature_for(code)}】{render(_link_template(body), context)}"


def template_variables(body: str) -> list[str]:
    """The variables of a template text, in order of first appearance (Tencent numbers them so)."""
    seen: list[str] = []
    for name in _PLACEHOLDER.findall(body):
        if name not in seen:
            seen.append(name)
    return seen


@dataclass(frozen=True)
class ProviderTemplate:
    """One template as a provider's console asks for it (``manage.py sms_templates``)."""

    code: str
    name: str
    kind: str  # 验证码 | 通知
    text: str  # with ${var} (aliyun) or {1} (tencent) placeholders, links' domain fixed
    variables: list[str]
    has_link: bool
    reason: str


def template_kind(code: str) -> str:
    return "验证码" if code in VERIFICATION_CODES else "通知"


def provider_template(code: str, body: str, provider: str) -> ProviderTemplate:
    """``body`` (a registry or admin text) in the placeholder style of ``provider`` (``aliyun``/``tencent``)."""
    variables = template_variables(body)
    text = _link_template(body)
    if provider == "tencent":
        numbers = {name: str(i) for i, name in enumerate(variables, start=1)}
        text = _PLACEHOLDER.sub(lambda m: "{" + numbers[m.group(1)] + "}", text)
    else:
        text = _PLACEHOLDER.sub(lambda m: "${" + m.group(1) + "}", text)
    default = DEFAULTS_BY_CODE.get(code)
    name = default.name if default else code
    audience = {"resident": "办件群众", "otp": "查询办件进度的群众", "platform": "异地受理平台"}.get(
        default.audience if default else "", "本区帮办代办工作人员"
    )
    reason = f"政务服务帮办代办系统向{audience}发送“{name}”，由系统在对应办件事件时自动触发，非营销短信。"
    return ProviderTemplate(
        code=code,
        name=name,
        kind=template_kind(code),
        text=text,
        variables=variables,
        has_link=any(variable_kind(v) == "link" for v in variables),
        reason=reason,
    )


def provider_params(body: str, context: dict[str, Any], provider: str) -> dict[str, str] | list[str]:
    """The parameters of one send: ``{var: value}`` for Alibaba Cloud, the ordered list for Tencent Cloud.

    ``context`` is the outbox row's stored (already fitted) context, so the provider fills the template with
    the very values the row's ``text`` shows.
    """
    values = {name: str(context.get(name, "")) for name in template_variables(body)}
    if provider == "tencent":
        return list(values.values())
    return values
