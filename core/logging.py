"""A logging filter that masks mainland mobile numbers and resident ID numbers in every log record.

Defence in depth (PIPL): our code logs only masked numbers, but third-party code (Celery task arguments,
Django's request logging, tracebacks of a failed save) may not. Wired on every handler in ``LOGGING``.
"""

import logging
import re

from core.masking import mask_id_number

# A mainland mobile number, optionally with +86/86, not glued to other digits (order numbers, timestamps).
_PHONE_RE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
# An 18-character resident ID number (17 digits + a digit or X).
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    """``13800138000`` → ``138****8000``; ``110101199003071234`` → ``110101********1234``."""
    text = _ID_RE.sub(lambda m: mask_id_number(m.group(1)), text)
    return _PHONE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


class PersonalDataFilter(logging.Filter):
    """Rewrites the record's message (args merged in) and its exception text with numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not lose the record
            message = str(record.msg)
        masked = mask_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


class ClientErrorTracebackFilter(logging.Filter):
    """A 4xx answer logged by ``django.request`` keeps its one line but loses the traceback.

    Django logs ``PermissionDenied`` (403) with the exception attached, so every refused page printed a full
    traceback; a refusal is an answer, not a fault. 5xx records keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.name.startswith("django.") and isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
