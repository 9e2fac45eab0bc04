"""The intake API's Idempotency-Key (issue 14): a replay never logs a second case."""

import datetime as dt
import threading
import uuid
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from workflows import intake, intake_services
from workflows.intake_models import IntakeKey
from workflows.models import Case
from workflows.tasks import intake_keys_purge
from workflows.tests.factories import make_world


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def payload(world, **kw):
    data = {
        "site": world.station.code,
        "matter": world.matter.code,
        "resident_name": "王秀英",
        "resident_phone": "138 0013 8000",
        "address": "幸福村3组12号",
        "description": "开具居住证明",
    }
    data.update(kw)
    return data


def post(client: APIClient, body: dict, key: str | None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post("/api/v1/cases/", body, format="json", **headers)


@pytest.mark.django_db
def test_same_key_twice_is_one_case_and_the_same_body(world):
    client = client_for(world.grid_worker)
    key = str(uuid.uuid4())
    first = post(client, payload(world), key)
    assert first.status_code == 201, first.json()
    second = post(client, payload(world), key)
    assert second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Case.objects.count() == 1
    assert IntakeKey.objects.get().case.case_no == first.json()["case_no"]


@pytest.mark.django_db
def test_key_order_of_fields_does_not_matter(world):
    client = client_for(world.grid_worker)
    body = payload(world)
    assert post(client, body, "k-1").status_code == 201
    assert post(client, dict(reversed(list(body.items()))), "k-1").status_code == 200
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_same_key_other_body_is_409(world):
    client = client_for(world.grid_worker)
    first = post(client, payload(world), "key-A")
    res = post(client, payload(world, address="幸福村4组1号"), "key-A")
    assert res.status_code == 409
    assert "Idempotency-Key" in res.json()["message"]
    assert res.json()["extra"]["case_no"] == first.json()["case_no"]
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_another_users_same_key_is_independent(world):
    key = "shared-client-id"
    a = post(client_for(world.grid_worker), payload(world), key)
    b = post(client_for(world.grid_worker2), payload(world), key)
    assert a.status_code == 201 and b.status_code == 201
    assert a.json()["case_no"] != b.json()["case_no"]
    assert Case.objects.count() == 2


@pytest.mark.django_db
def test_refused_body_leaves_the_key_free_for_the_corrected_one(world):
    client = client_for(world.grid_worker)
    bad = post(client, payload(world, resident_phone="12345"), "k-fix")
    assert bad.status_code == 400 and "resident_phone" in bad.json()
    assert not IntakeKey.objects.exists()
    good = post(client, payload(world), "k-fix")
    assert good.status_code == 201
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_without_key_each_post_is_a_case_and_bad_keys_are_400(world):
    client = client_for(world.grid_worker)
    assert post(client, payload(world), None).status_code == 201
    assert post(client, payload(world), None).status_code == 201
    assert Case.objects.count() == 2
    res = post(client, payload(world), "has space")
    assert res.status_code == 400 and res.json()["extra"] == {"header": "Idempotency-Key"}
    assert post(client, payload(world), "x" * 129).status_code == 400
    assert Case.objects.count() == 2


@pytest.mark.django_db
def test_header_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    params = schema["paths"]["/api/v1/cases/"]["post"]["parameters"]
    header = [p for p in params if p["name"] == "Idempotency-Key"]
    assert header and header[0]["in"] == "header"
    assert "409" in schema["paths"]["/api/v1/cases/"]["post"]["responses"]


@pytest.mark.django_db
def test_purge_keeps_keys_for_at_least_seven_days(world, settings):
    settings.INTAKE_KEY_RETENTION_DAYS = 1  # below the floor: 7 days still hold
    client = client_for(world.grid_worker)
    post(client, payload(world), "old")
    post(client, payload(world, address="另一个地址"), "recent")
    IntakeKey.objects.filter(key="old").update(created_at=timezone.now() - dt.timedelta(days=8))
    IntakeKey.objects.filter(key="recent").update(created_at=timezone.now() - dt.timedelta(days=6))
    assert intake_keys_purge() == 1
    assert list(IntakeKey.objects.values_list("key", flat=True)) == ["recent"]
    assert Case.objects.count() == 2  # the cases stay


def _race(*calls: Any) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, fn: Any) -> None:
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # asserted by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_threads_one_key_one_case_api():
    world = make_world()
    body = payload(world)
    for n in range(3):  # a few rounds: the race must hold every time
        key = f"race-{n}"
        results = _race(
            lambda k=key: post(client_for(world.grid_worker), body, k),
            lambda k=key: post(client_for(world.grid_worker), body, k),
        )
        codes = sorted(r.status_code for r in results)
        assert codes == [200, 201], results
        assert results[0].json() == results[1].json()
    assert Case.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_both_threads_past_the_lookup_still_one_case():
    """The hard interleaving: both sends miss the lookup and create a case; the unique index settles it."""
    world = make_world()
    inside = threading.Barrier(2)

    def create() -> tuple[Case, dict]:
        case = intake_services.case_create(
            actor=world.grid_worker,
            site=world.station,
            matter=world.matter,
            resident_name="王秀英",
            resident_phone="13800138000",
            address="幸福村3组12号",
        )
        inside.wait(timeout=20)  # both have written a case before either writes the key
        return case, {"case_no": case.case_no}

    def send() -> intake.IntakeOutcome:
        return intake.case_intake_once(actor=world.grid_worker, key="k", digest="d", create=create)

    results = _race(send, send)
    assert all(isinstance(r, intake.IntakeOutcome) for r in results), results
    assert sorted(r.replayed for r in results) == [False, True]
    assert results[0].case.case_no == results[1].case.case_no
    assert Case.objects.count() == 1
    assert IntakeKey.objects.count() == 1
