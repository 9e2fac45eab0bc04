"""Message texts: the admin-edited template (cached per process), placeholders filled, values displayed."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone

from notifications.conf import setting
from notifications.models import MessageTemplate
from notifications.templates_registry import DEFAULTS_BY_CODE

logger = logging.getLogger("notifications.services")  # the logger name callers and tests have always seen

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
GENERIC_TEXT = "{site_name}：您有一条新的办件通知，详情请查询{track_url}"


def _display(value: Any) -> str:
    """How one context value reads in a Chinese SMS."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{local.month}月{local.day}日{local:%H:%M}"
    if isinstance(value, dt.date):
        return f"{value.month}月{value.day}日"
    if isinstance(value, list | tuple):
        return "、".join(_display(v) for v in value)
    return str(value)


def prepare_context(context: dict[str, Any] | None) -> dict[str, str]:
    """Context as display strings (JSON-safe), plus ``site_name`` and ``track_url`` defaults."""
    out = {str(k): _display(v) for k, v in (context or {}).items()}
    out.setdefault("site_name", "")
    if not out["site_name"]:
        out["site_name"] = str(setting("NOTIFICATIONS_SIGNATURE"))
    out.setdefault("site_url", settings.SITE_URL)
    out.setdefault("track_url", f"{settings.SITE_URL}/track/")
    return out


# Texts are read on every enqueue and edited rarely (in the admin): each process keeps what it read for
# NOTIFICATIONS_TEMPLATE_CACHE_SECONDS (0: read every time). An edit in the admin clears its own process's copy
# on commit; other processes (web workers, Celery) use it within those seconds. Issue 7: one statement less
# on every intake and transition.
_template_cache: dict[str, tuple[float, str | None]] = {}


def template_cache_clear() -> None:
    """Forget this process's cached template texts (after an edit)."""
    _template_cache.clear()


def _stored_template_text(code: str) -> str | None:
    seconds = float(setting("NOTIFICATIONS_TEMPLATE_CACHE_SECONDS"))
    now = time.monotonic()
    if seconds > 0:
        hit = _template_cache.get(code)
        if hit is not None and now - hit[0] < seconds:
            return hit[1]
    # the plain ORM: the process cache below answers most reads (issue 19 measured no gain in compiling it)
    stored = MessageTemplate.objects.filter(code=code).values_list("text", flat=True).first()
    text = str(stored) if stored else None
    if seconds > 0:
        _template_cache[code] = (now, text)
    return text


def _fallback_text(code: str) -> str:
    """The built-in default for ``code``, else a generic line (logged: a code nobody registered)."""
    default = DEFAULTS_BY_CODE.get(code)
    if default:
        return default.text
    logger.error("notifications: unknown message template %r, sending a generic text", code)
    return GENERIC_TEXT


def template_text(code: str) -> str:
    """The staff-edited text for ``code``, else the built-in default, else a generic line."""
    return _stored_template_text(code) or _fallback_text(code)


def template_texts(codes: Iterable[str]) -> dict[str, str]:
    """``template_text`` for many codes in one query (a batch enqueue; not cached, a sweep reads it once)."""
    wanted = set(codes)
    texts = {
        code: str(text)
        for code, text in MessageTemplate.objects.filter(code__in=wanted).values_list("code", "text")
        if text
    }
    for code in wanted - texts.keys():
        texts[code] = _fallback_text(code)
    return texts


def render(text: str, context: dict[str, str]) -> str:
    """Substitute ``{name}`` placeholders. Never raises: a missing value renders empty and is logged.

    Deliberately not ``str.format``: templates are edited in the admin, and ``{x.__class__}``-style
    attribute access must not be possible.
    """
    missing: list[str] = []

    def sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in context:
            return context[key]
        missing.append(key)
        return ""

    result = _PLACEHOLDER.sub(sub, text)
    if missing:
        logger.warning("notifications: placeholders without a value: %s", ", ".join(sorted(set(missing))))
    return result


def render_template(code: str, context: dict[str, Any] | None) -> str:
    return render(template_text(code), prepare_context(context))
