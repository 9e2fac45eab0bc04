"""Resident API: OTP life cycle, tokens, own cases, quick lookup, rate limits, masking, isolation."""

import datetime as dt

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from residents.models import OtpCode, ResidentToken
from residents.tests.track_helpers import OTHER_PHONE, PHONE, completed_case, outbox, private_cache  # noqa: F401
from workflows import case_steps, intake_services
from workflows.models import Case, CaseEvent
from workflows.tests.factories import CaseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]


@pytest.fixture
def client() -> APIClient:
    return APIClient(REMOTE_ADDR="10.0.0.1")


def request_code(client, outbox, phone=PHONE) -> str:  # noqa: F811
    response = client.post("/api/v1/track/otp/", {"phone": phone}, format="json")
    assert response.status_code == 202, response.content
    return outbox.of("otp_code")[-1]["context"]["code"]


def login(client, outbox, phone=PHONE) -> str:  # noqa: F811
    code = request_code(client, outbox, phone)
    response = client.post("/api/v1/track/verify/", {"phone": phone, "code": code}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


# --- OTP ------------------------------------------------------------------------------------------------


def test_otp_is_six_digits_hashed_and_sent_at_once(client, outbox):  # noqa: F811
    code = request_code(client, outbox, "138 0013 8000")
    assert len(code) == 6 and code.isdigit()
    call = outbox.of("otp_code")[0]
    assert call["audience"] == "otp"
    assert call["recipient_phone"] == PHONE
    otp = OtpCode.objects.get()
    assert str(otp.phone) == PHONE
    assert code not in otp.code_hash and len(otp.code_hash) == 64
    assert (otp.expires_at - otp.created_at) == dt.timedelta(minutes=5)


def test_otp_dedupe_keys_unique_per_code(client, outbox):  # noqa: F811
    request_code(client, outbox)
    request_code(client, outbox)
    keys = [c["dedupe_key"] for c in outbox.of("otp_code")]
    assert len(set(keys)) == 2


def test_otp_response_identical_with_or_without_cases(world, client, outbox):  # noqa: F811
    CaseFactory(site=world.station, matter=world.matter, resident_phone=PHONE)
    with_cases = client.post("/api/v1/track/otp/", {"phone": PHONE}, format="json")
    without = client.post("/api/v1/track/otp/", {"phone": OTHER_PHONE}, format="json")
    assert with_cases.status_code == without.status_code == 202
    assert with_cases.content == without.content
    assert len(outbox.of("otp_code")) == 2


def test_otp_invalid_phone_is_400(client, outbox):  # noqa: F811
    response = client.post("/api/v1/track/otp/", {"phone": "12345"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"message", "extra"}
    assert not outbox.calls


def test_verify_wrong_code_400_then_right_code_works(client, outbox):  # noqa: F811
    code = request_code(client, outbox)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post("/api/v1/track/verify/", {"phone": PHONE, "code": wrong}, format="json")
    assert response.status_code == 400
    assert OtpCode.objects.get().attempts == 1
    response = client.post("/api/v1/track/verify/", {"phone": PHONE, "code": code}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_at"}


def test_code_is_single_use(client, outbox):  # noqa: F811
    code = request_code(client, outbox)
    assert (
        client.post("/api/v1/track/verify/", {"phone": PHONE, "code": code}, format="json").status_code == 200
    )
    again = client.post("/api/v1/track/verify/", {"phone": PHONE, "code": code}, format="json")
    assert again.status_code == 400


def test_code_expires_after_five_minutes(client, outbox):  # noqa: F811
    with freeze_time("2026-03-02 10:00:00") as frozen:
        code = request_code(client, outbox)
        frozen.tick(dt.timedelta(minutes=5, seconds=1))
        response = client.post("/api/v1/track/verify/", {"phone": PHONE, "code": code}, format="json")
        assert response.status_code == 400


def test_code_for_another_phone_does_not_work(client, outbox):  # noqa: F811
    code = request_code(client, outbox, PHONE)
    response = client.post("/api/v1/track/verify/", {"phone": OTHER_PHONE, "code": code}, format="json")
    assert response.status_code == 400


def test_token_is_stored_hashed_and_expires(world, client, outbox):  # noqa: F811
    with freeze_time("2026-03-02 10:00:00") as frozen:
        token = login(client, outbox)
        row = ResidentToken.objects.get()
        assert token not in row.token_hash
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert client.get("/api/v1/track/cases/").status_code == 200
        frozen.tick(dt.timedelta(minutes=31))
        response = client.get("/api/v1/track/cases/")
        assert response.status_code == 401


def test_cases_requires_token(client):
    assert client.get("/api/v1/track/cases/").status_code in (401, 403)
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert client.get("/api/v1/track/cases/").status_code == 401


def test_logout_revokes_token(client, outbox):  # noqa: F811
    token = login(client, outbox)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.post("/api/v1/track/logout/").status_code == 204
    assert client.get("/api/v1/track/cases/").status_code == 401


# --- rate limits ----------------------------------------------------------------------------------------


def test_otp_per_phone_limit_429(settings, client, outbox):  # noqa: F811
    settings.TRACK_RATE_LIMITS = "otp_phone=2/h"
    for _ in range(2):
        assert client.post("/api/v1/track/otp/", {"phone": PHONE}, format="json").status_code == 202
    response = client.post("/api/v1/track/otp/", {"phone": PHONE}, format="json")
    assert response.status_code == 429
    assert set(response.json()) == {"message", "extra"}
    assert len(outbox.of("otp_code")) == 2
    # another phone from the same IP is still fine (otp_ip default 30/h)
    assert client.post("/api/v1/track/otp/", {"phone": OTHER_PHONE}, format="json").status_code == 202


def test_otp_per_ip_limit_429(settings, client, outbox):  # noqa: F811
    settings.TRACK_RATE_LIMITS = "otp_ip=2/h"
    assert client.post("/api/v1/track/otp/", {"phone": PHONE}, format="json").status_code == 202
    assert client.post("/api/v1/track/otp/", {"phone": OTHER_PHONE}, format="json").status_code == 202
    assert client.post("/api/v1/track/otp/", {"phone": "+8613700137000"}, format="json").status_code == 429
    other_ip = APIClient(REMOTE_ADDR="10.0.0.2")
    assert other_ip.post("/api/v1/track/otp/", {"phone": "+8613700137000"}, format="json").status_code == 202


def test_wrong_codes_block_phone_for_one_period_even_with_right_code(settings, client, outbox):  # noqa: F811
    settings.TRACK_RATE_LIMITS = "verify_phone=3/15m"
    with freeze_time("2026-03-02 10:00:00") as frozen:
        code = request_code(client, outbox)
        wrong = "000000" if code != "000000" else "111111"
        statuses = [
            client.post("/api/v1/track/verify/", {"phone": PHONE, "code": wrong}, format="json").status_code
            for _ in range(4)
        ]
        assert statuses == [400, 400, 400, 429]  # after N wrong codes every verify answers 429
        # the right code is refused while blocked, from another IP too
        other_ip = APIClient(REMOTE_ADDR="10.9.9.9")
        blocked = other_ip.post("/api/v1/track/verify/", {"phone": PHONE, "code": code}, format="json")
        assert blocked.status_code == 429
        assert set(blocked.json()) == {"message", "extra"}
        frozen.tick(dt.timedelta(minutes=14))
        fresh = request_code(client, outbox)
        response = client.post("/api/v1/track/verify/", {"phone": PHONE, "code": fresh}, format="json")
        assert response.status_code == 429
        frozen.tick(dt.timedelta(minutes=2))  # one period after the block started
        response = client.post("/api/v1/track/verify/", {"phone": PHONE, "code": fresh}, format="json")
        assert response.status_code == 200


def test_wrong_codes_block_ip(settings, client, outbox):  # noqa: F811
    settings.TRACK_RATE_LIMITS = "verify_ip=2/15m"
    for phone in (PHONE, OTHER_PHONE):
        response = client.post("/api/v1/track/verify/", {"phone": phone, "code": "999999"}, format="json")
        assert response.status_code == 400
    third_phone = {"phone": "+8613700137000", "code": "999999"}
    assert client.post("/api/v1/track/verify/", third_phone, format="json").status_code == 429
    # another IP is not blocked
    other_ip = APIClient(REMOTE_ADDR="10.0.0.99")
    assert other_ip.post("/api/v1/track/verify/", third_phone, format="json").status_code == 400


def test_lookup_rate_limited(settings, world, client):
    settings.TRACK_RATE_LIMITS = "lookup_ip=2/m"
    case = CaseFactory(site=world.station, matter=world.matter, resident_phone=PHONE)
    url = f"/api/v1/track/lookup/?case_no={case.case_no}&phone_tail=8000"
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 429


# --- own cases ------------------------------------------------------------------------------------------


def test_cases_list_shape_masking_and_public_timeline_only(world, client, outbox):  # noqa: F811
    case = completed_case(world)
    CaseEvent.objects.create(case=case, kind="note", note="内部：群众脾气不好", public=False)
    CaseFactory(site=world.station, matter=world.matter, resident_phone=OTHER_PHONE, resident_name="李四")
    token = login(client, outbox)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get("/api/v1/track/cases/")
    assert response.status_code == 200
    body = response.json()
    assert [c["case_no"] for c in body] == [case.case_no]  # never another resident's case
    item = body[0]
    for key in (
        "case_no",
        "matter",
        "status",
        "status_label",
        "due_at",
        "overdue",
        "timeline",
        "agent",
        "feedback_allowed",
    ):
        assert key in item
    assert item["status"] == "completed"
    assert item["feedback_allowed"] is True
    assert item["status_label"].startswith("已办结")
    assert item["agent"]["name"] == world.agent_grid.name
    # personal mobile of the agent is never shown without consent
    assert item["agent"]["phone"] != str(world.agent_grid.phone)
    assert item["resident_phone"] == "138****8000"
    assert item["resident_name"] == "张**"
    text = response.content.decode()
    assert "13800138000" not in text
    assert "张三丰" not in text
    assert "内部" not in text
    assert {e["kind"] for e in item["timeline"]} >= {"created", "completed"}
    assert all(set(e) >= {"at", "kind", "note"} for e in item["timeline"])


def test_status_label_names_the_agent_and_due_date(world, client, outbox):  # noqa: F811
    from residents.selectors import status_label
    from workflows import services

    case = intake_services.case_create(
        actor=world.staff,
        site=world.station,
        matter=world.matter,
        resident_name="王五",
        resident_phone=PHONE,
        address="村里",
    )
    case = services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    label = status_label(case)
    assert world.agent_grid.name in label and "网格员" in label and "月" in label


def test_missing_materials_are_listed(world, client, outbox):  # noqa: F811
    from workflows import services

    case = intake_services.case_create(
        actor=world.staff,
        site=world.station,
        matter=world.matter,
        resident_name="王五",
        resident_phone=PHONE,
        address="村里",
    )
    case = services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    case_steps.case_visit(actor=world.grid_worker, case=case, note="", materials_missing=["户口簿", "照片"])
    token = login(client, outbox)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    item = client.get("/api/v1/track/cases/").json()[0]
    assert item["status"] == "awaiting_materials"
    assert item["materials_missing"] == ["户口簿", "照片"]
    assert "户口簿" in item["status_label"]


def test_overdue_flag(world, client, outbox):  # noqa: F811
    CaseFactory(
        site=world.station,
        matter=world.matter,
        resident_phone=PHONE,
        status=Case.Status.ASSIGNED,
        due_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    token = login(client, outbox)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    item = client.get("/api/v1/track/cases/").json()[0]
    assert item["overdue"] is True
    assert "超过" in item["status_label"]


# --- quick lookup ---------------------------------------------------------------------------------------


def test_lookup_status_only_and_404_alike(world, client):
    case = CaseFactory(site=world.station, matter=world.matter, resident_phone=PHONE, resident_name="赵六")
    ok = client.get(f"/api/v1/track/lookup/?case_no={case.case_no.lower()}&phone_tail=8000")
    assert ok.status_code == 200
    assert set(ok.json()) == {"case_no", "status", "status_label", "due_at", "overdue"}
    assert "赵" not in ok.content.decode()
    wrong_tail = client.get(f"/api/v1/track/lookup/?case_no={case.case_no}&phone_tail=1234")
    unknown = client.get("/api/v1/track/lookup/?case_no=BB2611-ABCDEFG&phone_tail=8000")
    assert wrong_tail.status_code == unknown.status_code == 404
    assert wrong_tail.json() == unknown.json()


def test_lookup_is_one_query_and_names_the_agent(world, client, django_assert_num_queries):
    case = CaseFactory(
        site=world.station,
        matter=world.matter,
        resident_phone=PHONE,
        status=Case.Status.SUBMITTED,
        assigned_agent=world.agent_grid,
        department="区民政局",
    )
    with django_assert_num_queries(1):  # the case with its agent; the rate limit lives in the cache
        body = client.get(f"/api/v1/track/lookup/?case_no={case.case_no}&phone_tail=8000").json()
    assert body["status"] == "submitted"
    from residents.api.track import LookupSerializer
    from residents.selectors import case_quick_lookup

    result = case_quick_lookup(case_no=case.case_no, tail="8000")
    assert body == LookupSerializer(result).data  # the hand-built body is the schema's
    assert "区民政局" in body["status_label"]
    case.status, case.visit_at = Case.Status.ASSIGNED, None
    case.save()
    body = client.get(f"/api/v1/track/lookup/?case_no={case.case_no}&phone_tail=8000").json()
    assert world.agent_grid.name in body["status_label"]


def test_doorstep_request_from_track(world, client, outbox):  # noqa: F811
    from residents.models import DoorstepRequest

    case = completed_case(world)
    token = login(client, outbox)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.post(
        "/api/v1/track/doorstep/",
        {"note": "老人行动不便", "for_family": True, "case_no": case.case_no},
        format="json",
    )
    assert response.status_code == 201
    req = DoorstepRequest.objects.get()
    assert req.site == world.station and req.for_family
    assert outbox.of("doorstep_request")


def test_case_list_query_count_does_not_grow(world, django_assert_max_num_queries):
    from residents.selectors import resident_case_list

    CaseFactory(
        site=world.station, matter=world.matter, resident_phone=PHONE, assigned_agent=world.agent_grid
    )
    with django_assert_max_num_queries(8) as one:
        resident_case_list(phone=PHONE)
    for _ in range(6):
        CaseFactory(
            site=world.station, matter=world.matter, resident_phone=PHONE, assigned_agent=world.agent_grid
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(resident_case_list(phone=PHONE)) == 7


def test_case_list_data_is_what_the_serializer_gives(world, client, outbox):  # noqa: F811
    """The list's hand-built body equals ``ResidentCaseSerializer`` for every kind of case card."""
    from residents.api.track import ResidentCaseSerializer, resident_case_data
    from residents.selectors import resident_case_list
    from residents.services import rating_create

    rated = completed_case(world)
    rating_create(case=rated, value=1, comment="太慢")  # bad: the case goes to rectifying
    completed_case(world)  # completed, not rated yet
    CaseFactory(
        site=world.station,
        matter=world.matter,
        resident_phone=PHONE,
        status=Case.Status.AWAITING_MATERIALS,
        materials_missing=["户口本", "身份证复印件"],
        assigned_agent=world.agent_grid,
        due_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),  # overdue
    )
    CaseFactory(site=world.station, matter=world.matter, resident_phone=PHONE, due_at=None)
    cases = resident_case_list(phone=PHONE)
    assert len(cases) == 4
    assert [resident_case_data(c) for c in cases] == ResidentCaseSerializer(cases, many=True).data
    # the API reads ratings only where they change what it shows (completed cases): same body
    lean = resident_case_list(phone=PHONE, with_ratings=False)
    assert [resident_case_data(c) for c in lean] == [resident_case_data(c) for c in cases]
    # the page (which lists past ratings) still gets them for every case
    assert [[r["value"] for r in c.ratings] for c in cases if c.status == "rectifying"] == [[1]]
    assert [c.ratings for c in lean if c.status == "rectifying"] == [[]]
    token = login(client, outbox)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = client.get("/api/v1/track/cases/").json()
    assert {c["status"] for c in body} == {"rectifying", "completed", "awaiting_materials", "new"}
    assert any(c["overdue"] and c["materials_missing"] == ["户口本", "身份证复印件"] for c in body)
    assert all(len(c["timeline"]) >= 1 for c in body if c["status"] in {"rectifying", "completed"})


def test_case_list_timeline_is_the_public_events_in_order(world):
    """Whichever way the timeline is read (one JSON column on PostgreSQL, a second query elsewhere), it is
    exactly the case's public events, oldest first, to the microsecond."""
    from residents.selectors import resident_case_list

    first = completed_case(world)
    second = CaseFactory(site=world.station, matter=world.matter, resident_phone=PHONE)
    CaseEvent.objects.create(case=first, kind="note", note="内部备注", public=False)
    CaseEvent.objects.create(case=second, kind="note", note="已电话联系")
    CaseFactory(site=world.station, matter=world.matter, resident_phone=OTHER_PHONE)
    by_no = {c.case_no: c for c in resident_case_list(phone=PHONE)}
    assert set(by_no) == {first.case_no, second.case_no}
    for case in (first, second):
        expected = [
            {"at": at, "kind": kind, "note": note}
            for at, kind, note in CaseEvent.objects.filter(case=case, public=True)
            .order_by("at", "id")
            .values_list("at", "kind", "note")
        ]
        got = [{k: e[k] for k in ("at", "kind", "note")} for e in by_no[case.case_no].timeline]
        assert got == expected and expected
    assert all(e["note"] != "内部备注" for e in by_no[first.case_no].timeline)
    assert by_no[first.case_no].timeline[0]["kind_label"]


def test_expired_codes_and_tokens_are_purged(client, outbox):  # noqa: F811
    from residents.tasks import resident_records_purge

    with freeze_time("2026-03-02 10:00:00") as frozen:
        login(client, outbox)
        request_code(client, outbox)
        assert resident_records_purge() == 0
        frozen.tick(dt.timedelta(days=2))
        assert resident_records_purge() == 3  # two codes and one token
        assert not OtpCode.objects.exists() and not ResidentToken.objects.exists()
