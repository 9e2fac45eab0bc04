"""Case numbers: human-readable, unguessable, with a check character.

Shape: ``BB`` + ``YYMM`` (local month of intake) + ``-`` + 6 random characters + 1 check character,
e.g. ``BB2611-7KQ4M9X``. The random part comes from ``secrets`` over an alphabet without look-alikes
(no 0/O, 1/I/L), so a number read over the phone is hard to mistype and ~8.9·10⁸ numbers per month make
guessing pointless. The check character (weighted sum mod 31, a prime) catches any single wrong
character and any swap of two neighbouring characters before a lookup touches the database.
"""

import datetime as dt
import re
import secrets

from django.utils import timezone

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 characters: a prime, so the check digit is strong
RANDOM_LENGTH = 6
PREFIX = "BB"
_PATTERN = re.compile(rf"^{PREFIX}(\d{{4}})-([{ALPHABET}]{{{RANDOM_LENGTH + 1}}})$")
CASE_NO_MAX_LENGTH = len(PREFIX) + 4 + 1 + RANDOM_LENGTH + 1


def check_char(body: str) -> str:
    """Check character for ``body``: the 4 ``YYMM`` digits (valued 0–9) then the random characters (valued
    by their index in ``ALPHABET``, 0–30), weighted by position 1…n, summed mod 31."""
    values = [int(ch) for ch in body[:4]] + [ALPHABET.index(ch) for ch in body[4:]]
    total = sum((i + 1) * v for i, v in enumerate(values))
    return ALPHABET[total % len(ALPHABET)]


def generate_case_no(at: dt.datetime | None = None) -> str:
    """A fresh case number for the month of ``at`` (default now, local time). Uniqueness is the DB's job."""
    local = timezone.localtime(at or timezone.now())
    yymm = f"{local.year % 100:02d}{local.month:02d}"
    rand = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{PREFIX}{yymm}-{rand}{check_char(yymm + rand)}"


def normalize_case_no(value: str | None) -> str:
    """Upper-case and strip what people add around a number they copy (spaces)."""
    return (value or "").strip().upper().replace(" ", "")


def is_valid_case_no(value: str | None) -> bool:
    """True when ``value`` has the shape and a matching check character (no database access)."""
    match = _PATTERN.match(normalize_case_no(value))
    if not match:
        return False
    yymm, tail = match.group(1), match.group(2)
    if not 1 <= int(yymm[2:]) <= 12:
        return False
    return check_char(yymm + tail[:-1]) == tail[-1]
