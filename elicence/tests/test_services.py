"""E-licence queries against a local service that checks signatures: found, not found, expired, consent
refused, timeout, wrong secret; what is stored, what is logged, what the checklist then says."""

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from core.exceptions import ApplicationError
from core.models import AuditLog
from elicence import selectors, services
from elicence.models import CaseLicence, LicenceQuery, LicenceType, MaterialLicence
from elicence.tests.fake_service import APP_ID, SECRET, FakeService
from workflows.tests.factories import CaseFactory, World, make_world

pytestmark = pytest.mark.django_db

ID_NUMBER = "370102199001011234"
NEXT_YEAR = (dt.date.today() + dt.timedelta(days=365)).isoformat()


@pytest.fixture
def fake(settings: Any) -> Iterator[FakeService]:
    with FakeService() as service:
        settings.ELICENCE_URL = service.url
        settings.ELICENCE_APP_ID = APP_ID
        settings.ELICENCE_SECRET = SECRET
        settings.ELICENCE_TIMEOUT_SECONDS = 1.0
        yield service


@pytest.fixture
def world() -> World:
    world = make_world()
    world.matter.materials = ["申请人居民身份证", "户口簿", "房产证或租赁合同"]
    world.matter.save()
    types = {
        code: LicenceType.objects.create(code=code, name=name)
        for code, name in [
            ("resident_id", "居民身份证"),
            ("hukou", "居民户口簿"),
            ("property", "不动产权证书"),
        ]
    }
    for material, code in [
        ("申请人居民身份证", "resident_id"),
        ("户口簿", "hukou"),
        ("房产证或租赁合同", "property"),
    ]:
        MaterialLicence.objects.create(matter=world.matter, material=material, licence_type=types[code])
    return world


def _case(world: World, **kw: Any) -> Any:
    return CaseFactory(site=world.station, matter=world.matter, id_number=ID_NUMBER, **kw)


def _licence(
    kind: str, number: str, *, until: str | None = NEXT_YEAR, status: str = "valid"
) -> dict[str, Any]:
    return {"type": kind, "number": number, "issuer": "济南市公安局市中区分局", "valid_from": "2020-01-01",
            "valid_until": until, "status": status}  # fmt: skip


def test_found_links_masked_licences_and_the_checklist_says_so(world, fake):  # type: ignore[no-untyped-def]
    fake.holders[ID_NUMBER] = {
        "result": "ok",
        "licences": [_licence("resident_id", ID_NUMBER, until=None), _licence("hukou", "HK370102000123")],
    }
    case = _case(world)
    query = services.case_licences_query(actor=world.staff, case=case, consent=True, channel="staff")
    assert query.outcome == LicenceQuery.Outcome.FOUND and query.consent
    assert sorted(fake.requests[0]["types"]) == ["hukou", "property", "resident_id"]
    assert fake.requests[0]["consent"]["given"] is True
    linked = {lic.licence_type.code: lic for lic in CaseLicence.objects.filter(case=case)}
    assert set(linked) == {"resident_id", "hukou"}
    assert linked["resident_id"].number_masked == "370102********1234"
    assert linked["hukou"].number_masked.endswith("0123") and "370102000" not in linked["hukou"].number_masked
    # no full number anywhere we keep: the licence rows, the query log, the audit row
    stored = [
        *CaseLicence.objects.values_list("number_masked", flat=True),
        str(LicenceQuery.objects.values().get()),
    ]
    stored.append(str(AuditLog.objects.filter(action="elicence_query").values("detail").get()))
    assert not any(ID_NUMBER in s or "HK370102000123" in s for s in stored)
    states = {row.material: row.state for row in selectors.materials_checklist(case)}
    assert states == {
        "申请人居民身份证": "电子证照已关联",
        "户口簿": "电子证照已关联",
        "房产证或租赁合同": "需提供纸质材料或拍照",
    }
    # asking again asks only for what is still missing
    services.case_licences_query(actor=world.staff, case=case, consent=True, channel="staff")
    assert fake.requests[1]["types"] == ["property"]


def test_not_found_and_expired(world, fake):  # type: ignore[no-untyped-def]
    case = _case(world)
    assert (
        services.case_licences_query(actor=world.staff, case=case, consent=True, channel="staff").outcome
        == "not_found"
    )
    fake.holders[ID_NUMBER] = {"result": "ok", "licences": [_licence("hukou", "HK1", until="2020-12-31")]}
    query = services.case_licences_query(actor=world.staff, case=case, consent=True, channel="staff")
    assert query.outcome == LicenceQuery.Outcome.EXPIRED
    assert not CaseLicence.objects.filter(case=case).exists()


def test_without_consent_nothing_is_sent_and_the_refusal_is_logged(world, fake):  # type: ignore[no-untyped-def]
    case = _case(world)
    query = services.case_licences_query(actor=world.grid_worker, case=case, consent=False, channel="grid")
    assert query.outcome == LicenceQuery.Outcome.CONSENT_REFUSED and not query.consent
    assert fake.requests == []
    fake.holders[ID_NUMBER] = {"result": "consent_refused", "message": "持证人未授权", "licences": []}
    query = services.case_licences_query(actor=world.grid_worker, case=case, consent=True, channel="grid")
    assert query.outcome == LicenceQuery.Outcome.CONSENT_REFUSED and query.detail == "持证人未授权"
    assert not CaseLicence.objects.exists()


def test_a_stalled_service_costs_the_intake_at_most_the_timeout(world, fake):  # type: ignore[no-untyped-def]
    fake.stall_seconds = 3.0
    case = _case(world)
    started = time.monotonic()
    query = services.case_licences_query(actor=world.staff, case=case, consent=True, channel="staff")
    assert time.monotonic() - started < 2.0
    assert query.outcome == LicenceQuery.Outcome.TIMEOUT
    assert [r.state for r in selectors.materials_checklist(case)] == ["需提供纸质材料或拍照"] * 3


def test_the_service_refuses_a_wrong_secret(world, fake, settings):  # type: ignore[no-untyped-def]
    settings.ELICENCE_SECRET = "not-the-secret"
    fake.holders[ID_NUMBER] = {"result": "ok", "licences": [_licence("hukou", "HK1")]}
    case_ = _case(world)
    query = services.case_licences_query(actor=world.staff, case=case_, consent=True, channel="staff")
    assert fake.rejected == 1 and fake.requests == []
    assert query.outcome == LicenceQuery.Outcome.ERROR and "401" in query.detail
    assert not CaseLicence.objects.filter(case=case_).exists()


def test_unreachable_and_unconfigured(world, settings):  # type: ignore[no-untyped-def]
    case = _case(world)
    settings.ELICENCE_URL = ""
    assert (
        services.case_licences_query(actor=world.staff, case=case, consent=True, channel="staff").detail
        == "未接入电子证照库"
    )
    settings.ELICENCE_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.ELICENCE_TIMEOUT_SECONDS = 1.0
    assert (
        services.case_licences_query(actor=world.staff, case=case, consent=True, channel="staff").outcome
        == "error"
    )


def test_scope_and_final_cases(world, fake):  # type: ignore[no-untyped-def]
    case = _case(world)
    with pytest.raises(ApplicationError) as exc:
        services.case_licences_query(actor=world.staff2, case=case, consent=True, channel="staff")
    assert exc.value.status == 404
    closed = _case(world, status="closed")
    with pytest.raises(ApplicationError) as exc:
        services.case_licences_query(actor=world.staff, case=closed, consent=True, channel="staff")
    assert exc.value.status == 409
    assert fake.requests == [] and not LicenceQuery.objects.exists()


def test_page_asks_with_consent_and_shows_the_checklist(world, fake, client):  # type: ignore[no-untyped-def]
    fake.holders[ID_NUMBER] = {"result": "ok", "licences": [_licence("resident_id", ID_NUMBER, until=None)]}
    case = _case(world)
    client.force_login(world.grid_worker)
    url = reverse("elicence:case", args=[case.case_no])
    page = client.get(url).content.decode()
    assert "居民已同意查询" in page and "需提供纸质材料或拍照" in page
    response = client.post(url, {"consent": "1"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "电子证照已关联" in page and "370102********1234" in page and ID_NUMBER not in page
    assert fake.requests[0]["consent"]["channel"] == "grid"
    client.force_login(world.staff2)
    assert client.get(url).status_code == 404
    assert client.post(url, {"consent": "1"}).status_code == 404


def test_district_admin_reads_the_query_log_and_nobody_edits_it(world, fake, client):  # type: ignore[no-untyped-def]
    case = _case(world)
    query = services.case_licences_query(actor=world.staff, case=case, consent=False, channel="staff")
    client.force_login(world.admin)
    listing = client.get("/admin/elicence/licencequery/")
    assert listing.status_code == 200 and case.case_no in listing.content.decode()
    assert client.get("/admin/elicence/licencequery/add/").status_code == 403
    assert client.post(f"/admin/elicence/licencequery/{query.pk}/delete/", {"post": "yes"}).status_code == 403
    assert LicenceQuery.objects.filter(pk=query.pk).exists()
