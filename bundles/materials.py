"""Merging the materials of a 一件事's member matters into one list (一次性告知), each document once.

Some documents stand for others: for 出生一件事 the 户口 member asks for 父母双方居民身份证 and the 医保 and
社保卡 members for 申请人居民身份证 (the applicant is a parent), so asking for both is asking twice. Which
material covers which is data, ``bundles/data/material_covers.json`` (a key covers each material listed for
it, transitively), not a special case here.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

COVERS_FILE = Path(__file__).resolve().parent / "data" / "material_covers.json"


@functools.cache
def material_covers() -> dict[str, frozenset[str]]:
    """Each covering material → every material it stands for (transitively)."""
    raw: dict[str, list[str]] = json.loads(COVERS_FILE.read_text(encoding="utf-8"))["covers"]
    direct = {k.strip(): {str(v).strip() for v in vs} for k, vs in raw.items()}

    def close(key: str, seen: frozenset[str]) -> set[str]:
        out: set[str] = set()
        for covered in direct.get(key, set()):
            if covered not in seen:
                out |= {covered} | close(covered, seen | {covered})
        return out

    return {k: frozenset(close(k, frozenset({k}))) for k in direct}


def merge_materials(lists: Iterable[Iterable[Any]]) -> list[str]:
    """One list, in first-asked order: duplicates dropped, and a material dropped when another material in
    the list covers it."""
    seen: dict[str, None] = {}
    for items in lists:
        for item in items or []:
            text = str(item).strip()
            if text:
                seen.setdefault(text, None)
    covers = material_covers()
    covered = {c for m in seen for c in covers.get(m, ())}
    return [m for m in seen if m not in covered]
