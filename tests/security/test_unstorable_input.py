"""Unstorable text in every string of every API operation and every route (issue 18), on PostgreSQL.

A NUL byte is refused by PostgreSQL (DataError), a lone surrogate cannot be encoded as UTF-8 (a JSON
``"\\ud800"`` escape decodes to one): either used to reach the database from slug/related fields, query filters
and raw ``request.data`` reads and answer 500. The OpenAPI walk below puts each of them, and a 1 MB string, into
each string field of each operation's JSON body, each string query parameter and each string path parameter, as
the roles that can reach the operation; nothing may answer 5xx, and a body field holding NUL or a lone surrogate
must be refused with a 400 that names it. The route walk (``tests/security/routes.py`` through the access
matrix) posts a NUL form field to every page and API route and expects the same 400.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from django.test import override_settings
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from core.text import UNSTORABLE_MESSAGE
from tests.security.conftest import SecWorld
from tests.security.naughty import record_counts
from tests.security.test_access_matrix import MATRIX

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

HOSTILE = {"nul": "名\x00字", "surrogate": "名\ud800字", "1mb": "a" * (1 << 20)}
REFUSED = ("nul", "surrogate")
LIMITS = "otp_phone=100000/h,otp_ip=100000/h,verify_phone=100000/h,verify_ip=100000/h,lookup_ip=100000/m"


def _schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-any-return]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    for combiner in ("allOf", "oneOf", "anyOf"):
        if node.get(combiner):
            return {**_resolve(schema, node[combiner][0]), **{k: v for k, v in node.items() if k != combiner}}
    return node


def _sample(schema: dict[str, Any], node: dict[str, Any]) -> Any:
    """A plausible value, so the hostile field is not the only thing the view looks at."""
    node = _resolve(schema, node)
    if "enum" in node:
        return next(v for v in node["enum"] if v is not None)
    kind = node.get("type")
    if kind == "integer":
        return max(1, int(node.get("minimum", 1)))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return {}
    if node.get("format") == "date":
        return (dt.date.today() + dt.timedelta(days=3)).isoformat()
    return "测试"


def _string_slots(schema: dict[str, Any], body: dict[str, Any]) -> list[tuple[str, bool]]:
    """(property, is_array) for every string property (or array of strings) of a request body schema."""
    slots = []
    for name, prop in body.get("properties", {}).items():
        resolved = _resolve(schema, prop)
        if resolved.get("type") == "string":
            slots.append((name, False))
        elif resolved.get("type") == "array" and _resolve(schema, resolved.get("items", {})).get("type") in (
            "string",
            None,
        ):
            slots.append((name, True))
    return slots


def _path_value(sw: SecWorld, name: str) -> str:
    known = {"case_no": sw.case.case_no, "code": sw.world.station.code}
    return str(known.get(name, 1))


def _roles(path: str) -> tuple[str, ...]:
    # the roles that get past authentication, so the body reaches the view: residents on /track/, staff
    # and the district admin (every scope) elsewhere
    return ("resident", "anonymous") if "/track/" in path else ("staff", "grid", "admin")


def _names_field(response: Any, field: str) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and any(k == field or k.startswith(f"{field}.") for k in body)


def _url(template: str, params: dict[str, str]) -> str:
    for name, value in params.items():
        template = template.replace("{" + name + "}", quote(value.encode("utf-8", "surrogatepass"), safe=""))
    return template


@override_settings(TRACK_RATE_LIMITS=LIMITS, AXES_ENABLED=False)
def test_every_openapi_string_refuses_unstorable_text(sec_world: SecWorld, capsys: Any) -> None:
    schema = _schema()
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    tried = refused_named = 0
    operations = 0
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            operations += 1
            params = op.get("parameters", [])
            path_params = {p["name"]: _path_value(sec_world, p["name"]) for p in params if p["in"] == "path"}
            query_names = [
                p["name"]
                for p in params
                if p["in"] == "query" and _resolve(schema, p["schema"]).get("type") == "string"
            ]
            content = op.get("requestBody", {}).get("content", {})
            body_schema = (
                _resolve(schema, content["application/json"]["schema"])
                if "application/json" in content
                else {}
            )
            base = {name: _sample(schema, prop) for name, prop in body_schema.get("properties", {}).items()}
            slots = _string_slots(schema, body_schema)
            for role in _roles(path):
                client = sec_world.api(role)

                def send(url: str, body: dict[str, Any] | None, query: str = "") -> Any:
                    full = f"{url}?{query}" if query else url
                    if method == "get":
                        return client.get(full)
                    # ensure_ascii: a lone surrogate travels as the JSON escape "\ud800", as a client sends it
                    return client.generic(
                        method.upper(), full, json.dumps(body or {}, ensure_ascii=True), "application/json"
                    )

                for label, value in HOSTILE.items():
                    cases: list[tuple[str, Any]] = []
                    for name, is_array in slots:
                        cases.append(
                            (
                                f"body {name}",
                                (
                                    name,
                                    send(
                                        _url(path, path_params),
                                        {**base, name: [value] if is_array else value},
                                    ),
                                ),
                            )
                        )
                    for name in query_names:
                        encoded = quote(value.encode("utf-8", "surrogatepass"), safe="")
                        cases.append(
                            (
                                f"query {name}",
                                (None, send(_url(path, path_params), base, f"{name}={encoded}")),
                            )
                        )
                    for name in path_params:
                        cases.append(
                            (f"path {name}", (None, send(_url(path, {**path_params, name: value}), base)))
                        )
                    for where, (field, response) in cases:
                        tried += 1
                        statuses[response.status_code] += 1
                        what = f"[{role}] {method.upper()} {path} {where}={label}"
                        if response.status_code >= 500:
                            failures.append(f"{what} → {response.status_code}")
                        elif field and label in REFUSED and response.status_code == 400:
                            if _names_field(response, field):
                                refused_named += 1
                            else:
                                failures.append(
                                    f"{what} → 400 without naming the field: {response.content[:200]!r}"
                                )
                        elif field and label in REFUSED and response.status_code < 300:
                            failures.append(f"{what} → {response.status_code}: stored or acted on")
    summary = {
        "operations": operations,
        "requests": tried,
        "refused_naming_the_field": refused_named,
        "status_counts": {str(k): v for k, v in sorted(statuses.items())},
    }
    record_counts("unstorable_openapi", summary)
    with capsys.disabled():
        print(f"\nunstorable input over the OpenAPI schema: {summary}")
    assert operations > 30 and tried > 500
    assert refused_named > 100, summary
    assert not failures, "\n".join(failures[:60])


@override_settings(TRACK_RATE_LIMITS=LIMITS, AXES_ENABLED=False)
def test_every_route_refuses_a_nul_form_field_and_query(sec_world: SecWorld) -> None:
    """Every route of the URL conf (the access matrix has one entry per route): a NUL in the query string is a
    400 naming the parameter; a NUL in a page's form body is a 400 naming the field. DRF views' bodies are
    the OpenAPI walk's (their own parsers, reached with the roles that pass authentication)."""
    failures = []
    pages = 0
    for name, entry in MATRIX.items():
        url = entry.url(sec_world)
        client: Any = sec_world.api("admin") if entry.api else sec_world.client("admin")
        checks = [("GET query", client.get(url, {"q": "a\x00b"}), "q")]
        if not hasattr(getattr(resolve(urlsplit(url).path).func, "cls", None), "parser_classes"):
            pages += 1
            checks.append(("POST form", client.post(url, {"note": "a\x00b", "q": "ok"}), "note"))
        for how, response, field in checks:
            text = response.content.decode("utf-8", "replace")
            if response.status_code != 400 or field not in text or UNSTORABLE_MESSAGE not in text:
                failures.append(f"{name} {how} {url}: {response.status_code} {text[:120]!r}")
    assert pages > 30
    assert not failures, "\n".join(failures)


def test_imported_sheet_with_nul_names_line_and_column(sec_world: SecWorld) -> None:
    import io

    from agency.importing import read_agent_rows
    from core.exceptions import ApplicationError

    sheet = "姓名,身份,手机号,站点编码\n张三,志愿者,13800138000,S1\n李\x00四,志愿者,13800138001,S1\n"
    with pytest.raises(ApplicationError) as refused:
        read_agent_rows(io.BytesIO(sheet.encode("utf-8")), "agents.csv")
    assert refused.value.extra == {"line": 3, "field": "姓名"}
    assert UNSTORABLE_MESSAGE in refused.value.message


def test_admin_search_and_forms_refuse_a_nul(sec_world: SecWorld) -> None:
    from django.contrib.auth import get_user_model

    superuser = get_user_model().objects.create_superuser("sec-root", "root@example.com", "x")
    client = sec_world.client("anonymous")
    client.force_login(superuser)
    search = client.get("/admin/agency/site/", {"q": "a\x00b"})
    add = client.post("/admin/agency/site/add/", {"code": "S\x00", "name": "站"})
    for response, field in ((search, "q"), (add, "code")):
        text = response.content.decode()
        assert response.status_code == 400 and field in text and UNSTORABLE_MESSAGE in text, text[:200]


def test_every_api_view_parses_through_the_refusing_parsers() -> None:
    # The middleware leaves DRF views' bodies to their parsers, so a view that names DRF's own parsers in
    # parser_classes (as the photo upload once did) would let NUL through unseen.
    from django.urls import URLPattern, URLResolver, get_resolver
    from rest_framework.views import APIView

    import core.parsers

    def views(patterns: list[Any]) -> list[type[APIView]]:
        found: list[type[APIView]] = []
        for entry in patterns:
            if isinstance(entry, URLResolver):
                found += views(entry.url_patterns)
            elif isinstance(entry, URLPattern):
                cls = getattr(entry.callback, "cls", None)
                if isinstance(cls, type) and issubclass(cls, APIView):
                    found.append(cls)
        return found

    ours = (core.parsers.JSONParser, core.parsers.FormParser, core.parsers.MultiPartParser)
    api_views = views(get_resolver().url_patterns)
    assert len(api_views) > 20
    wrong = sorted(
        f"{cls.__module__}.{cls.__name__}: {parser.__name__}"
        for cls in api_views
        for parser in (type(p) for p in cls().get_parsers())
        if not issubclass(parser, ours)
    )
    assert not wrong, "API views parsing with parsers that skip the NUL/surrogate refusal:\n" + "\n".join(
        wrong
    )
