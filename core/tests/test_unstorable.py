"""``core.text.unstorable_fields`` (the one rule) and its edges: the API parsers and the form/query middleware."""

import io
import json

import pytest
from django.test import RequestFactory
from rest_framework.exceptions import ValidationError

from core.middleware import RejectNulBytesMiddleware
from core.parsers import JSONParser
from core.text import UNSTORABLE_MESSAGE, is_storable, unstorable_fields


def test_nul_and_lone_surrogates_are_unstorable_everything_else_is_kept():
    assert not is_storable("a\x00b")
    assert not is_storable("a\ud800b") and not is_storable("\udfff")
    assert is_storable(
        "王大爷 😀 𠀀 \u202e \x07 <b>"
    )  # emoji/CJK ext. B are proper pairs; controls are clean_text's


def test_paths_name_nested_fields_and_hostile_keys():
    data = {"note": "ok", "materials": ["ok", "x\x00"], "aspects": {"speed": "\ud800"}, "k\x00": 1}
    assert unstorable_fields(data) == {
        "materials.1": [UNSTORABLE_MESSAGE],
        "aspects.speed": [UNSTORABLE_MESSAGE],
        "k\\x00": [UNSTORABLE_MESSAGE],
    }
    assert unstorable_fields("a\x00") == {"non_field_errors": [UNSTORABLE_MESSAGE]}
    assert unstorable_fields({"a": ["fine", {"b": 1}]}) == {}


def test_json_parser_refuses_with_the_field_named():
    body = json.dumps({"site": "S1\u0000", "reason": "ok"}).encode()
    with pytest.raises(ValidationError) as refused:
        JSONParser().parse(io.BytesIO(body))
    assert refused.value.detail == {"site": [UNSTORABLE_MESSAGE]}
    escaped = b'{"reason": "\\ud800"}'  # what a JSON client sends for a lone surrogate
    with pytest.raises(ValidationError):
        JSONParser().parse(io.BytesIO(escaped))
    assert JSONParser().parse(io.BytesIO('{"reason": "好"}'.encode())) == {"reason": "好"}


def _page_view(request):  # a plain Django view (not DRF): its form body is the middleware's to check
    raise AssertionError("not reached")


def test_middleware_refuses_form_fields_and_query_parameters_by_name():
    middleware = RejectNulBytesMiddleware(lambda request: None)  # type: ignore[arg-type, return-value]
    factory = RequestFactory()
    form = factory.post("/track/otp/", {"phone": "138\x00", "ok": "1"})
    refused = middleware.process_view(form, _page_view, (), {})
    assert refused is not None and refused.status_code == 400
    assert "phone" in refused.content.decode() and UNSTORABLE_MESSAGE in refused.content.decode()
    assert middleware.process_view(factory.post("/track/otp/", {"phone": "138"}), _page_view, (), {}) is None
    query = middleware(factory.get("/api/v1/cases/", {"site": "S\x00"}))
    assert query.status_code == 400 and json.loads(query.content) == {"site": [UNSTORABLE_MESSAGE]}
