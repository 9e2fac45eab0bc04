"""Text hygiene for what people type: keep everything they wrote, drop only invisible control and
bidi-override characters that can spoof how text is displayed."""

import re

# C0/C1 controls except \t \n \r; bidi embeddings/overrides/isolates (U+202A–U+202E, U+2066–U+2069).
_STRIP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str | None) -> str:
    """Remove control and bidi-override characters; everything else (emoji, HTML, zero-width) is kept."""
    if value is None:
        return ""
    return _STRIP.sub("", value)


# What no text column can hold: NUL (PostgreSQL refuses it: DataError) and lone UTF-16 surrogates (a JSON
# "\ud800" escape decodes to one; it cannot be encoded as UTF-8: UnicodeEncodeError). Either would end in a
# 500 wherever it reached the database, so every input edge refuses it with a 400 naming the field:
# JSON bodies (core.parsers.JSONParser), form bodies, paths and query strings (core.middleware), imported
# sheets (core.tabular). Other control characters are harmless to store and free-text fields strip them
# (clean_text above).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "含有无法保存的字符（空字符或无效的 Unicode 字符），请删除后重试。"


def is_storable(value: str) -> bool:
    """False for a string holding a NUL or a lone surrogate (see ``_UNSTORABLE``)."""
    return _UNSTORABLE.search(value) is None


def field_label(key: object) -> str:
    # a field name may itself be hostile: show it escaped, so the error names it without carrying it
    text = str(key)
    return text if is_storable(text) else text.encode("unicode_escape").decode("ascii")


def unstorable_fields(data: object, path: str = "") -> dict[str, list[str]]:
    """``{field path: [message]}`` for every string (value or key) in ``data`` that cannot be stored.

    Walks dicts and lists of any depth (JSON bodies, form lists, rows of a sheet); paths read
    ``materials_missing.0`` or ``aspects.speed``; a top-level scalar is ``non_field_errors``.
    """
    problems: dict[str, list[str]] = {}
    stack: list[tuple[str, object]] = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if not is_storable(value):
                problems[where or "non_field_errors"] = [UNSTORABLE_MESSAGE]
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{where}.{field_label(key)}" if where else field_label(key)
                if isinstance(key, str) and not is_storable(key):
                    problems[name] = [UNSTORABLE_MESSAGE]
                stack.append((name, item))
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                stack.append((f"{where}.{index}" if where else str(index), item))
    return problems


def quote(text: object) -> str:
    """``text`` in Chinese quotation marks. Quotes already inside it become the inner pair (“‘好差评’评价器”),
    so a label that carries its own marks (“好差评”评价器) is not shown as ““好差评”评价器” (issue 26)."""
    inner = str(text).replace("“", "‘").replace("”", "’")
    return f"“{inner}”"
