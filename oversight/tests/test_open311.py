"""Open311 GeoReport v2: spec field lists, filters, POST with an API key, errors, XML, no personal data."""

import datetime as dt
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone

from agency.tests.factories import SiteMatterFactory, UserFactory
from oversight.models import Open311Key
from oversight.open311 import REQUEST_FIELDS, SERVICE_FIELDS
from oversight.open311_ids import public_request_id
from workflows.models import Case
from workflows.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
SPEC_SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
SPEC_REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
}  # fmt: skip
SPEC_ATTRIBUTE_FIELDS = {
    "variable", "code", "datatype", "required", "datatype_description", "order", "description", "values",
}  # fmt: skip


@pytest.fixture
def cases(world):
    world.station.lat, world.station.lng = Decimal("36.600000"), Decimal("117.100000")
    world.station.save()
    SiteMatterFactory(site=world.station, matter=world.matter)
    now = timezone.now()
    open_case = CaseFactory(
        site=world.station, matter=world.matter, resident_name="张秀英", resident_phone="+8613800138000",
        address="东村3组12号", description="我叫张秀英，身份证370102199001011234", status="assigned",
        due_at=now + dt.timedelta(days=5), created_at=now - dt.timedelta(days=2),
    )  # fmt: skip
    closed_case = CaseFactory(
        site=world.station, matter=world.consult, status="closed", created_at=now - dt.timedelta(days=10)
    )
    completed = CaseFactory(site=world.station2, matter=world.matter, status="completed",
                            created_at=now - dt.timedelta(days=1))  # fmt: skip
    rectifying = CaseFactory(site=world.station2, matter=world.matter, status="rectifying",
                             created_at=now - dt.timedelta(days=1))  # fmt: skip
    old = CaseFactory(site=world.station, matter=world.matter, created_at=now - dt.timedelta(days=200))
    return {"open": open_case, "closed": closed_case, "completed": completed, "rectifying": rectifying,
            "old": old}  # fmt: skip


def test_field_lists_match_the_spec():
    assert set(SERVICE_FIELDS) == SPEC_SERVICE_FIELDS
    assert set(REQUEST_FIELDS) == SPEC_REQUEST_FIELDS


def test_services_json_and_xml(client, world):
    resp = client.get(f"{BASE}/services.json")
    assert resp.status_code == 200
    rows = resp.json()
    assert {r["service_code"] for r in rows} >= {world.matter.code, world.consult.code}
    for row in rows:
        assert set(row) == SPEC_SERVICE_FIELDS
        assert row["type"] in {"realtime", "batch", "blackbox"}
        assert isinstance(row["metadata"], bool)
    xml = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert xml.tag == "services"
    first = xml.find("service")
    assert {child.tag for child in first} == SPEC_SERVICE_FIELDS
    assert first.find("metadata").text == "true"


def test_service_definition(client, world):
    SiteMatterFactory(site=world.station, matter=world.matter)
    body = client.get(f"{BASE}/services/{world.matter.code}.json").json()
    assert body["service_code"] == world.matter.code
    site_attr = body["attributes"][0]
    assert set(site_attr) == SPEC_ATTRIBUTE_FIELDS
    assert site_attr["datatype"] in {
        "string",
        "number",
        "datetime",
        "text",
        "singlevaluelist",
        "multivaluelist",
    }
    assert {"key": world.station.code, "name": world.station.name} in site_attr["values"]
    xml = ET.fromstring(client.get(f"{BASE}/services/{world.matter.code}.xml").content)
    assert xml.tag == "service_definition"
    assert xml.find("attributes/attribute/code").text == "site"
    assert xml.find("attributes/attribute/values/value/key") is not None
    missing = client.get(f"{BASE}/services/NOPE.json")
    assert missing.status_code == 404
    assert missing.json() == [{"code": 404, "description": "未知的 service_code：NOPE"}]


def rid(case):
    return public_request_id(case.pk)


def test_requests_list_fields_and_no_personal_data(client, cases):
    resp = client.get(f"{BASE}/requests.json")
    assert resp.status_code == 200
    rows = resp.json()
    ids = [r["service_request_id"] for r in rows]
    assert rid(cases["old"]) not in ids  # default window: last 90 days
    assert set(ids) == {rid(cases[k]) for k in ("open", "closed", "completed", "rectifying")}
    text = resp.content.decode()
    assert not any(case.case_no in text for case in cases.values())  # not an index of case numbers
    for row in rows:
        assert set(row) == SPEC_REQUEST_FIELDS
        assert row["status"] in {"open", "closed"}
    text = resp.content.decode()
    for secret in ("张秀英", "13800138000", "138****8000", "东村3组12号", "370102"):
        assert secret not in text
    row = next(r for r in rows if r["service_request_id"] == rid(cases["open"]))
    assert row["status"] == "open"
    assert row["status_notes"] == "已分派"
    assert row["expected_datetime"] == timezone.localtime(cases["open"].due_at).isoformat(timespec="seconds")
    assert row["lat"] == 36.6 and row["long"] == 117.1
    assert row["agency_responsible"] == cases["open"].site.name
    statuses = {r["service_request_id"]: r["status"] for r in rows}
    assert statuses[rid(cases["completed"])] == "closed"
    assert statuses[rid(cases["rectifying"])] == "open"


def test_requests_filters(client, cases, world):
    def ids(**params):
        return {r["service_request_id"] for r in client.get(f"{BASE}/requests.json", params).json()}

    assert ids(status="closed") == {rid(cases["closed"]), rid(cases["completed"])}
    assert ids(status="open") == {rid(cases["open"]), rid(cases["rectifying"])}
    assert ids(service_code=world.consult.code) == {rid(cases["closed"])}
    start = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    assert ids(start_date=f"{start}T00:00:00+08:00") == {
        rid(cases["open"]), rid(cases["completed"]), rid(cases["rectifying"]),
    }  # fmt: skip
    old_start = (timezone.localdate() - dt.timedelta(days=365)).isoformat()
    old_end = (timezone.localdate() - dt.timedelta(days=100)).isoformat()
    assert ids(start_date=old_start, end_date=old_end) == {rid(cases["old"])}
    # service_request_id overrides every other filter
    assert ids(service_request_id=f"{rid(cases['old'])},{rid(cases['open'])}", status="closed") == {
        rid(cases["old"]), rid(cases["open"]),
    }  # fmt: skip


def test_request_errors_in_standard_shape(client, cases):
    bad = client.get(f"{BASE}/requests.json", {"status": "pending"})
    assert bad.status_code == 400
    assert bad.json()[0]["code"] == 400 and bad.json()[0]["description"]
    bad_date = client.get(f"{BASE}/requests.xml", {"start_date": "yesterday"})
    assert bad_date.status_code == 400
    xml = ET.fromstring(bad_date.content)
    assert xml.tag == "errors" and xml.find("error/code").text == "400"
    missing = client.get(f"{BASE}/requests/BB2611-XXXXXXX.json")
    assert missing.status_code == 404
    assert set(missing.json()[0]) == {"code", "description"}


def test_request_detail_json_and_xml(client, cases):
    body = client.get(f"{BASE}/requests/{rid(cases['open'])}.json").json()
    assert len(body) == 1 and set(body[0]) == SPEC_REQUEST_FIELDS
    xml = ET.fromstring(client.get(f"{BASE}/requests/{rid(cases['closed'])}.xml").content)
    assert xml.tag == "service_requests"
    req = xml.find("request")
    assert {c.tag for c in req} == SPEC_REQUEST_FIELDS
    assert req.find("status").text == "closed"


@pytest.fixture
def api_key(world):
    raw = "test-key-123456"
    Open311Key.objects.create(name="12345热线", key_digest=Open311Key.digest(raw), key_prefix=raw[:6],
                              actor=world.admin)  # fmt: skip
    return raw


def test_post_creates_case_via_case_create(client, cases, world, api_key):
    resp = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": api_key, "service_code": world.matter.code, "lat": "36.6001", "long": "117.1001",
            "first_name": "秀英", "last_name": "王", "phone": "138 0013 8001", "address_string": "东村5组",
            "description": "需要开具居住证明",
        },
    )  # fmt: skip
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert set(body[0]) == {"service_request_id", "service_notice", "account_id"}
    case = Case.objects.get(case_no=body[0]["service_request_id"])
    assert case.site == world.station  # nearest station offering the matter
    assert case.resident_name == "王秀英"
    assert str(case.resident_phone) == "+8613800138001"
    assert case.channel == "online"
    assert case.status == "new"
    assert case.events.filter(kind="created").exists()
    # the filer's key sees (and may use) the case number; the public the opaque id only (issue 33)
    detail = client.get(f"{BASE}/requests/{case.case_no}.json", {"api_key": api_key}).json()[0]
    assert detail["status"] == "open" and detail["service_request_id"] == case.case_no
    assert client.get(f"{BASE}/requests/{case.case_no}.json").status_code == 404
    public = client.get(f"{BASE}/requests/{rid(case)}.json").json()[0]
    assert public["service_request_id"] == rid(case) and case.case_no not in str(public)
    assert detail["expected_datetime"] is not None


def test_post_with_site_attribute_and_xml(client, world, api_key):
    resp = client.post(
        f"{BASE}/requests.xml",
        {"api_key": api_key, "service_code": world.matter.code, "attribute[site]": world.station2.code,
         "first_name": "李", "phone": "13800138002", "address_string": "西村"},
    )  # fmt: skip
    assert resp.status_code == 201
    xml = ET.fromstring(resp.content)
    case_no = xml.find("request/service_request_id").text
    assert Case.objects.get(case_no=case_no).site == world.station2


def test_post_needs_a_valid_key(client, world, api_key):
    params = {"service_code": world.matter.code, "attribute[site]": world.station.code, "first_name": "李",
              "phone": "13800138002", "address_string": "西村"}  # fmt: skip
    assert client.post(f"{BASE}/requests.json", params).status_code == 403
    resp = client.post(f"{BASE}/requests.json", {**params, "api_key": "wrong"})
    assert resp.status_code == 403
    assert resp.json()[0]["code"] == 403
    Open311Key.objects.update(is_active=False)
    assert client.post(f"{BASE}/requests.json", {**params, "api_key": api_key}).status_code == 403
    assert not Case.objects.exists()


def test_post_key_from_setting(client, world, settings):
    bot = UserFactory(username="open311-bot", is_superuser=True)
    settings.OPEN311_API_KEYS = ["setting-key=open311-bot"]
    resp = client.post(
        f"{BASE}/requests.json",
        {"api_key": "setting-key", "service_code": world.matter.code, "attribute[site]": world.station.code,
         "first_name": "李", "phone": "13800138002", "address_string": "西村"},
    )  # fmt: skip
    assert resp.status_code == 201
    assert Case.objects.get().created_by == bot


def test_post_bad_input_is_400_not_500(client, world, api_key):
    base = {"api_key": api_key, "service_code": world.matter.code, "attribute[site]": world.station.code,
            "first_name": "李", "address_string": "西村"}  # fmt: skip
    bad_phone = client.post(f"{BASE}/requests.json", {**base, "phone": "12345"})
    assert bad_phone.status_code == 400
    description = bad_phone.json()[0]["description"]
    assert (
        description.startswith("联系电话：") and "resident_phone" not in description
    )  # the label, not the key
    no_place = client.post(f"{BASE}/requests.json", {**base, "attribute[site]": "", "phone": "13800138002"})
    assert no_place.status_code == 400
    unknown = client.post(f"{BASE}/requests.json", {**base, "service_code": "NOPE", "phone": "13800138002"})
    assert unknown.status_code == 404
    assert not Case.objects.exists()


def test_services_and_matters_api_use_one_rule_about_bundles(client, world, api_key):
    """Issue 26: services.json listed the 一件事's own matters while /api/v1/matters/ hid them."""
    from agency.selectors import BUNDLE_MATTER_PREFIX
    from agency.tests.factories import MatterFactory

    # a 一件事's own matter, as bundles.services makes it (no import of the bundles app from oversight)
    own = MatterFactory(code=f"{BUNDLE_MATTER_PREFIX}birth", name="出生一件事").code
    SiteMatterFactory(site=world.station, matter__code=f"{BUNDLE_MATTER_PREFIX}x")  # offered at a site, too
    matters = {m["code"] for m in client.get("/api/v1/matters/").json()}
    services = {s["service_code"] for s in client.get(f"{BASE}/services.json").json()}
    assert own not in matters and own not in services
    assert services == matters  # the same rule, the same list
    assert client.get(f"{BASE}/services/{own}.json").status_code == 404
    base = {"api_key": api_key, "service_code": own, "attribute[site]": world.station.code,
            "first_name": "李", "phone": "13800138002", "address_string": "西村"}  # fmt: skip
    assert client.post(f"{BASE}/requests.json", base).status_code == 404  # not a parent without members
