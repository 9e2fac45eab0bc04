"""The personal-data check of a typical case's free text: phone numbers, ID numbers, the resident's name.

Text is NFKC-normalised first (full-width digits ``１３８…`` become ``138…``) and separators between digits
are squeezed out, so ``138 0013 8000`` or ``3701-0219…`` are caught too. The check refuses; it never edits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SEPARATORS = re.compile(r"(?<=[0-9Xx])[\s\-－—.·()（）]+(?=[0-9Xx])")
ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9Xx])")
MOBILE = re.compile(r"(?<![0-9])(?:0?86)?1[3-9][0-9]{9}(?![0-9])")
LANDLINE = re.compile(r"(?<![0-9])0[1-9][0-9]{1,2}[0-9]{7,8}(?![0-9])")


@dataclass(frozen=True)
class Finding:
    kind: str  # phone | id_number | name | address
    label: str


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def find_personal_data(
    text: str, *, names: tuple[str, ...] = (), addresses: tuple[str, ...] = ()
) -> list[Finding]:
    """What in ``text`` looks like personal data; empty when it is clean."""
    plain = _normalise(text)
    squeezed = _SEPARATORS.sub("", plain)
    findings: list[Finding] = []
    without_ids = squeezed
    if ID_NUMBER.search(squeezed):
        findings.append(Finding("id_number", "身份证号码"))
        without_ids = ID_NUMBER.sub(" ", squeezed)
    if MOBILE.search(without_ids) or LANDLINE.search(without_ids):
        findings.append(Finding("phone", "电话号码"))
    compact = re.sub(r"\s+", "", plain)
    for name in names:
        name = re.sub(r"\s+", "", _normalise(name))
        if not name:
            continue
        # the full name, and for Chinese names of three or more characters the given name alone (“秀英”)
        parts = [name] + ([name[1:]] if len(name) >= 3 and not name.isascii() else [])
        if any(p and p.lower() in compact.lower() for p in parts):
            findings.append(Finding("name", "群众姓名"))
            break
    for address in addresses:
        address = re.sub(r"\s+", "", _normalise(address))
        if len(address) >= 6 and address in compact:
            findings.append(Finding("address", "群众住址"))
            break
    return findings
