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
