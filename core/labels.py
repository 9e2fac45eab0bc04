"""Choice labels without a gettext lookup per call.

``get_FOO_display()`` translates the label on every call; a list of 25 cases called it 50 times, a tenth of
the staff list's time (issue 7's profile). Labels are cached per choices class, value and active language,
so translations still apply.
"""

import functools
from typing import Any

from django.utils import translation


@functools.lru_cache(maxsize=1024)
def _cached_label(choices: Any, value: Any, language: str | None) -> str:
    return str(dict(choices.choices).get(value, value))


def choice_label(choices: Any, value: Any) -> str:
    """The label of ``value`` in a ``TextChoices``/``IntegerChoices`` class, in the active language
    (the value itself when it is not one of the choices)."""
    return _cached_label(choices, value, translation.get_language())


def model_field_label(model: Any, name: str) -> str:
    """The verbose name of ``model``'s field ``name`` (for a person reading a field error), else ``name``."""
    from django.core.exceptions import FieldDoesNotExist

    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a non-field key such as NON_FIELD_ERRORS, or a form-only field
        return name


def field_errors_text(errors: dict[str, Any], label: Any) -> str:
    """``{"field": ["msg", ...]}`` as one line a person reads: ``标签：msg；标签：msg``. ``label(name)`` gives
    the label; a key that is not a field (``__all__``, ``non_field_errors``) shows its messages alone."""
    parts = []
    for name, messages in errors.items():
        text = "；".join(str(m) for m in (messages if isinstance(messages, list | tuple) else [messages]))
        if name in ("__all__", "non_field_errors"):
            parts.append(text)
        else:
            parts.append(f"{label(name)}：{text}")
    return "；".join(parts)
