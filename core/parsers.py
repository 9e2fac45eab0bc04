"""The API's JSON parser: DRF's, plus the one refusal every text input gets (``core.text.unstorable_fields``).

DRF's ``CharField`` already refuses NUL, but much of a body never meets one: slug/related fields (site, matter
and agent codes go straight into a lookup), ``JSONField``/``DictField`` children, views that read
``request.data`` themselves, and lone surrogates (no DRF or Django validator knows them). Checking the parsed
body once, before any view or serializer sees it, covers every route and every field, present or future.
"""

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ValidationError

from core.text import unstorable_fields


def _refuse_unstorable(data: Any) -> Any:
    problems = unstorable_fields(data)
    if problems:
        raise ValidationError(problems)
    return data


class JSONParser(parsers.JSONParser):
    """``rest_framework.parsers.JSONParser`` that answers 400 ``{field: [message]}`` for a NUL or a lone
    surrogate anywhere in the body (values and keys, any depth)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return _refuse_unstorable(super().parse(stream, media_type, parser_context))


class FormParser(parsers.FormParser):
    """DRF's form parser with the same refusal (field values and names)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _refuse_unstorable({key: data.getlist(key) for key in data})
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser with the same refusal (field values and names, uploaded file names)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        fields: dict[str, Any] = {key: parsed.data.getlist(key) for key in parsed.data}
        for key in parsed.files:
            fields[key] = [f.name or "" for f in parsed.files.getlist(key)]
        _refuse_unstorable(fields)
        return parsed
