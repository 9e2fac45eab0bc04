"""Oversized bodies, wrong content types, malformed JSON, huge page numbers, garbage ids → a clear 4xx."""

from typing import Any

import pytest
from django.conf import settings

from tests.security.conftest import SecWorld
from tests.security.naughty import record_counts

BIG = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024

POST_APIS = [
    ("grid", "/api/v1/cases/"),
    ("anonymous", "/api/v1/auth/token/"),
    ("anonymous", "/api/v1/track/otp/"),
    ("anonymous", "/api/v1/track/verify/"),
    ("resident", "/api/v1/track/doorstep/"),
    ("staff", "/api/v1/ratings/1/callback/"),
]


def _case_posts(sw: SecWorld) -> list[tuple[str, str]]:
    return [
        ("staff", f"/api/v1/cases/{sw.case.case_no}/{a}/") for a in ("assign", "reject", "visit", "close")
    ] + [("resident", f"/api/v1/track/cases/{sw.case.case_no}/feedback/")]


@pytest.mark.django_db
def test_hostile_bodies_get_a_clear_4xx(sec_world: SecWorld) -> None:
    bodies: list[tuple[str, bytes | str, str]] = [
        ("malformed json", b'{"resident_name": "x",', "application/json"),
        ("json array", b"[1, 2, 3]", "application/json"),
        ("json scalar", b"null", "application/json"),
        ("json deep nesting", b"[" * 5000 + b"]" * 5000, "application/json"),
        ("bad utf-8", b'{"note": "\xff\xfe"}', "application/json"),
        ("xml", b"<?xml version='1.0'?><a>1</a>", "application/xml"),
        ("form body to a json api", b"a=1&b=2", "application/x-www-form-urlencoded"),
        ("multipart", b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x"),
        ("text/plain", b"hello", "text/plain"),
        ("no content type", b'{"a": 1}', ""),
        ("oversized json", b'{"note": "' + b"a" * BIG + b'"}', "application/json"),
    ]
    problems = []
    tried = 0
    for role, url in POST_APIS + _case_posts(sec_world):
        client = sec_world.api(role)
        for label, body, content_type in bodies:
            response = client.generic("POST", url, body, content_type=content_type)
            tried += 1
            if not (400 <= response.status_code < 500):
                problems.append(f"{url} {label}: {response.status_code}")
            elif response["Content-Type"].startswith("application/json"):
                assert isinstance(response.json(), dict)
    record_counts("hostile_bodies", {"requests": tried})
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_oversized_form_posts_are_refused(sec_world: SecWorld) -> None:
    big = "a" * BIG
    for role, url in [
        ("grid", f"/m/new/matter/{sec_world.world.matter.code}/"),
        ("anonymous", "/track/otp/"),
        ("anonymous", "/appointments/"),
        ("staff", f"/staff/cases/{sec_world.case.case_no}/reject/"),
        ("anonymous", "/accounts/login/"),
        ("anonymous", "/open311/v2/requests.json"),
    ]:
        response = sec_world.client(role).post(url, {"note": big, "reason": big, "phone": big})
        assert 400 <= response.status_code < 500, (url, response.status_code)
    many_fields = {f"f{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 10)}
    response = sec_world.client("anonymous").post("/track/otp/", many_fields)
    assert response.status_code == 400


PAGED = [
    ("staff", "/api/v1/cases/", True),
    ("staff", "/api/v1/notifications/", True),
    ("staff", "/api/v1/ratings/", True),
    ("staff", "/staff/cases/", False),
    ("staff", "/notifications/", False),
    ("anonymous", "/open311/v2/requests.json", False),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page", ["999999999999", "99999999999999999999999999", "-1", "0", "abc", "1e9", "1.5", "%00", ""]
)
def test_page_numbers(sec_world: SecWorld, page: str) -> None:
    for role, url, api in PAGED:
        client = sec_world.api(role) if api else sec_world.client(role)
        response = client.get(url, {"page": page})
        assert response.status_code in (200, 400, 404), (url, page, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/-1/",
        "/api/v1/cases/0/",
        "/api/v1/cases/%00/",
        "/api/v1/cases/..%2F..%2Fetc%2Fpasswd/",
        "/api/v1/cases/" + "9" * 500 + "/",
        "/api/v1/sites/-1/",
        "/api/v1/sites/%27%20OR%201%3D1/",
        "/api/v1/sites/" + "x" * 2000 + "/roster/",
        "/api/v1/ratings/99999999999999999999999/callback/",
        "/api/v1/notifications/99999999999999999999999/read/",
        "/api/v1/track/cases/-1/feedback/",
        "/staff/cases/-1/",
        "/m/cases/%E0%A4%A/",
        "/m/new/matter/-1/",
        "/m/new/category/../",
        "/sites/-1/roster/",
        "/sites/%3Cscript%3E/screen/",
        "/standards/-1/",
        "/standards/evidence/99999999999999999999999/",
        "/standards/%27%20OR%201%3D1/review/",
        "/dashboard/exports/99999999999999999999999/",
        "/dashboard/appointments/99999999999999999999999/",
        "/notifications/99999999999999999999999/read/",
        "/open311/v2/requests/-1.json",
        "/open311/v2/services/%00.xml",
        "/rate/garbage/",
        "/rate/" + "A" * 3000 + "/",
    ],
)
def test_garbage_ids_get_4xx(sec_world: SecWorld, path: str) -> None:
    api = path.startswith("/api/")
    role = "resident" if "/track/" in path else "admin"
    client: Any = sec_world.api(role) if api else sec_world.client(role)
    get = client.get(path)
    post = client.post(path, {}, format="json") if api else client.post(path, {})
    for response in (get, post):
        assert 400 <= response.status_code < 500 or response.status_code in (200, 302), (
            path,
            response.status_code,
        )
        assert response.status_code < 500


@pytest.mark.django_db
def test_wrong_methods_are_405(sec_world: SecWorld) -> None:
    api = sec_world.api("staff")
    assert api.delete("/api/v1/cases/").status_code == 405
    assert api.put(f"/api/v1/cases/{sec_world.case.case_no}/", {}, format="json").status_code == 405
    assert api.get(f"/api/v1/cases/{sec_world.case.case_no}/assign/").status_code == 405
    assert sec_world.client("staff").delete("/staff/cases/").status_code == 405
