"""The Big List of Naughty Strings in every text field of every form and API body (issue 8).

Every 8th string goes into every text field of the case intake (API and page) — the bodies whose text is stored and
shown to others; the other bodies get a deterministic stride of the list. No answer may be a 5xx; stored text
comes back as typed (control/bidi characters aside) and pages show it escaped. Counts (strings × fields) are
printed and written to var/security_counts.json.
"""

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import override_settings

from core.text import clean_text
from tests.security.conftest import SecWorld
from tests.security.naughty import naughty_strings, record_counts
from workflows import services

STRINGS = naughty_strings()
SCALE = int(os.environ.get("SEC_NAUGHTY_SCALE", "1"))  # >1 thins every stride (local timing runs)
STRIDE = 50  # the secondary bodies: every 50th string (about 10) keeps the whole suite within minutes


@dataclass
class Target:
    name: str
    role: str
    method: str  # "api-post", "api-get", "page-post", "page-get"
    url: Callable[[SecWorld], str]
    fields: tuple[str, ...]  # filled with the naughty string
    base: Callable[[SecWorld], dict[str, Any]] = lambda sw: {}
    every: int = STRIDE


def _case_url(suffix: str) -> Callable[[SecWorld], str]:
    return lambda sw: f"/api/v1/cases/{sw.case.case_no}/{suffix}"


def _staff_action(action: str) -> Callable[[SecWorld], str]:
    return lambda sw: f"/staff/cases/{sw.case.case_no}/{action}/"


def _intake(sw: SecWorld) -> dict[str, Any]:
    return {"site": sw.world.station.code, "matter": sw.world.matter.code, "resident_phone": "13800138001"}


TARGETS = [
    Target(
        "api case create (text)",
        "grid",
        "api-post",
        lambda sw: "/api/v1/cases/",
        ("resident_name", "address", "description"),
        _intake,
        every=8,
    ),
    Target(
        "api case create (coded)",
        "grid",
        "api-post",
        lambda sw: "/api/v1/cases/",
        ("resident_phone", "id_number", "grid", "channel", "site", "matter"),
        lambda sw: {"resident_name": "张三", "address": "测试村"},
    ),
    Target(
        "page intake form",
        "grid",
        "page-post",
        lambda sw: f"/m/new/matter/{sw.world.matter.code}/",
        ("resident_name", "address", "description"),
        lambda sw: {"resident_phone": "13800138002", "site": sw.world.station.code},
        every=8,
    ),
    Target(
        "page intake form (phone)",
        "grid",
        "page-post",
        lambda sw: f"/m/new/matter/{sw.world.matter.code}/",
        ("resident_phone", "site"),
        lambda sw: {"resident_name": "张三", "address": "测试村"},
    ),
    Target("api visit", "grid", "api-post", _case_url("visit/"), ("note",)),
    Target("api visit materials", "grid", "api-post", _case_url("visit/"), ("materials_missing",)),
    Target("api submit", "grid", "api-post", _case_url("submit/"), ("department", "reference_no", "note")),
    Target("api progress", "grid", "api-post", _case_url("progress/"), ("note",)),
    Target("api complete", "grid", "api-post", _case_url("complete/"), ("result", "note")),
    Target("api reject", "staff", "api-post", _case_url("reject/"), ("reason",)),
    Target("api withdraw", "staff", "api-post", _case_url("withdraw/"), ("reason",)),
    Target("api transfer", "staff", "api-post", _case_url("transfer/"), ("site", "agent", "reason")),
    Target("api assign", "staff", "api-post", _case_url("assign/"), ("agent",)),
    Target("api close", "staff", "api-post", _case_url("close/"), ("note",)),
    Target("api rectify", "staff", "api-post", _case_url("rectify/"), ("note",)),
    Target(
        "api case list filters",
        "staff",
        "api-get",
        lambda sw: "/api/v1/cases/",
        ("status", "site", "matter", "agent", "overdue", "page"),
    ),
    Target("api case detail id", "staff", "api-get-path", lambda sw: "/api/v1/cases/{}/", ()),
    Target("api stats", "town", "api-get", lambda sw: "/api/v1/stats/", ("site", "from", "to")),
    Target("api token", "anonymous", "api-post", lambda sw: "/api/v1/auth/token/", ("username", "password")),
    Target("api track otp", "anonymous", "api-post", lambda sw: "/api/v1/track/otp/", ("phone",)),
    Target(
        "api track verify", "anonymous", "api-post", lambda sw: "/api/v1/track/verify/", ("phone", "code")
    ),
    Target(
        "api track lookup",
        "anonymous",
        "api-get",
        lambda sw: "/api/v1/track/lookup/",
        ("case_no", "phone_tail"),
    ),
    Target(
        "api track feedback",
        "resident",
        "api-post",
        lambda sw: f"/api/v1/track/cases/{sw.case.case_no}/feedback/",
        ("comment", "rating"),
    ),
    Target(
        "api track doorstep",
        "resident",
        "api-post",
        lambda sw: "/api/v1/track/doorstep/",
        ("contact_name", "address", "note", "case_no"),
    ),
    Target("api rating callback", "staff", "api-post", lambda sw: "/api/v1/ratings/1/callback/", ("note",)),
    Target("api rating appeal", "staff", "api-post", lambda sw: "/api/v1/ratings/1/appeal/", ("reason",)),
    Target(
        "open311 POST",
        "anonymous",
        "page-post",
        lambda sw: "/open311/v2/requests.json",
        (
            "first_name",
            "last_name",
            "phone",
            "address_string",
            "description",
            "attribute[site]",
            "service_code",
        ),
        lambda sw: {"api_key": "sec-naughty-key"},
    ),
    Target(
        "open311 GET",
        "anonymous",
        "page-get",
        lambda sw: "/open311/v2/requests.json",
        ("service_request_id", "service_code", "status", "start_date", "end_date"),
    ),
    Target("page staff reject", "staff", "page-post", _staff_action("reject"), ("reason",)),
    Target(
        "page staff assign", "staff", "page-post", _staff_action("assign"), ("agent", "suggested", "note")
    ),
    Target(
        "page staff cases filter",
        "staff",
        "page-get",
        lambda sw: "/staff/cases/",
        ("status", "matter", "agent", "q", "page"),
    ),
    Target("page prefill", "grid", "page-get", lambda sw: "/m/prefill/", ("phone", "resident_phone")),
    Target("page track otp", "anonymous", "page-post", lambda sw: "/track/otp/", ("phone",)),
    Target("page track code", "anonymous", "page-post", lambda sw: "/track/code/", ("phone", "code")),
    Target(
        "page track lookup", "anonymous", "page-get", lambda sw: "/track/lookup/", ("case_no", "phone_tail")
    ),
    Target(
        "page kiosk rate",
        "anonymous",
        "page-post",
        lambda sw: f"/sites/{sw.world.station.code}/rate/",
        ("agent", "case_no", "phone_tail", "comment", "rating", "presence_code"),
    ),
    Target(
        "page appointment",
        "anonymous",
        "page-post",
        lambda sw: "/appointments/",
        ("resident_name", "resident_phone", "note", "site", "matter", "date", "half_day"),
    ),
    Target("page dashboard", "town", "page-get", lambda sw: "/dashboard/", ("site", "from", "to", "period")),
    Target("page roster", "anonymous", "page-get-path", lambda sw: "/sites/{}/roster/", ()),
]


def _send(sw: SecWorld, target: Target, value: str) -> int:
    if target.method.endswith("-path"):
        from urllib.parse import quote

        url = target.url(sw).format(quote(value[:2000], safe=""))
        client = sw.api(target.role) if target.method.startswith("api") else sw.client(target.role)
        return client.get(url).status_code
    body = target.base(sw)
    for name in target.fields:
        body[name] = [value] if name in ("materials_missing",) else value
    url = target.url(sw)
    if target.method == "api-post":
        return sw.api(target.role).post(url, body, format="json").status_code
    if target.method == "api-get":
        return sw.api(target.role).get(url, {k: v[:4000] for k, v in body.items()}).status_code
    if target.method == "page-post":
        return sw.client(target.role).post(url, body).status_code
    return sw.client(target.role).get(url, {k: v[:4000] for k, v in body.items()}).status_code


@pytest.mark.django_db
@override_settings(
    TRACK_RATE_LIMITS="otp_phone=100000/h,otp_ip=100000/h,verify_phone=100000/h,verify_ip=100000/h,lookup_ip=100000/m",
    OPEN311_API_KEYS=["sec-naughty-key=w_grid"],
    AXES_ENABLED=False,
)
def test_naughty_strings_never_cause_a_server_error(sec_world: SecWorld, capsys: Any) -> None:
    services.case_assign(
        actor=sec_world.users["staff"], case=sec_world.case, agent=sec_world.world.agent_grid
    )
    errors: list[str] = []
    per_target: dict[str, int] = {}
    statuses: Counter[int] = Counter()
    requests = 0
    timings: dict[str, float] = {}
    for target in TARGETS:
        chosen = STRINGS[:: target.every * SCALE]
        started = time.monotonic()
        for value in chosen:
            code = _send(sec_world, target, value)
            requests += 1
            statuses[code] += 1
            if code >= 500:
                errors.append(f"{target.name}: {code} for {value[:60]!r}")
        per_target[target.name] = len(chosen) * max(1, len(target.fields))
        timings[target.name] = round(time.monotonic() - started, 2)
    total = sum(per_target.values())
    summary = {
        "strings_in_list": len(STRINGS),
        "bodies": len(TARGETS),
        "string_x_field_tries": total,
        "requests": requests,
        "status_counts": {str(k): v for k, v in sorted(statuses.items())},
        "per_body": per_target,
        "seconds_per_body": timings,
    }
    record_counts("naughty_strings", summary)
    with capsys.disabled():
        print(
            f"\nnaughty strings: {len(STRINGS)} strings, {total} string×field tries in {requests} requests "
            f"over {len(TARGETS)} bodies; statuses {dict(statuses)}"
        )
    assert not errors, "\n".join(errors[:50])


@pytest.mark.django_db
def test_stored_text_comes_back_as_typed_and_pages_escape_it(sec_world: SecWorld) -> None:
    api = sec_world.api("grid")
    staff = sec_world.client("staff")
    checked = 0
    for value in STRINGS[::3]:
        if not clean_text(value).strip() or len(value) > 64:
            continue
        response = api.post(
            "/api/v1/cases/",
            {**_intake(sec_world), "resident_name": value, "address": value, "description": value},
            format="json",
        )
        if response.status_code != 201:
            continue
        case_no = response.json()["case_no"]
        detail = api.get(f"/api/v1/cases/{case_no}/").json()
        expected = clean_text(value).strip()
        assert detail["address"].strip() == expected, (value, detail["address"])
        assert detail["description"].strip() == expected, (value, detail["description"])
        if "<" in value:
            page = staff.get(f"/staff/cases/{case_no}/").content.decode()
            assert value not in page, f"unescaped on the staff page: {value!r}"
        checked += 1
    assert checked > 50
