"""core.prepared.PreparedQuery gives exactly what the ORM gives, on SQLite and on PostgreSQL."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import CharField
from django.db.models.functions import Cast
from django.test.utils import CaptureQueriesContext

from core.prepared import PreparedQuery
from workflows.models import Case, CaseEvent
from workflows.tests.factories import CaseFactory, make_world

pytestmark = pytest.mark.django_db

PHONE = "+8613800138000"


@pytest.fixture
def world(db):
    return make_world()


def _events(ids, since):
    return (
        CaseEvent.objects.filter(case_id__in=ids, public=True, at__gte=since)
        .order_by("at", "id")
        .values_list("case_id", "at", "kind", "data")
    )


def _cases(phone):
    return (
        Case.objects.filter(resident_phone=phone)
        .annotate(phone_text=Cast("resident_phone", CharField()))
        .order_by("-id")
        .values_list("id", "case_no", "due_at", "materials_missing", "phone_text", "site__name")[:5]
    )


def test_rows_equal_the_orm_with_converted_values(world):
    mine = [
        CaseFactory(
            site=world.station,
            matter=world.matter,
            resident_phone=PHONE,
            materials_missing=["户口本"],
            due_at=dt.datetime(2026, 12, 3, 16, tzinfo=dt.UTC),
        )
        for _ in range(3)
    ]
    CaseFactory(site=world.station, matter=world.matter, resident_phone="+8613900139000")
    for case in mine:
        CaseEvent.objects.create(case=case, kind="note", note="x", data={"k": case.pk})
        CaseEvent.objects.create(case=case, kind="note", note="hidden", public=False)
    prepared = PreparedQuery(_cases)
    rows = prepared.run(phone=PHONE)
    assert rows == list(_cases(PHONE))
    assert len(rows) == 3
    assert isinstance(rows[0][2], dt.datetime) and rows[0][2].tzinfo is not None  # converted (text on SQLite)
    assert rows[0][3] == ["户口本"] and rows[0][4] == PHONE

    events = PreparedQuery(_events)
    since = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    ids = [c.pk for c in mine]
    assert events.run(ids=ids, since=since) == list(_events(ids, since))
    assert events.run(ids=ids[:1], since=since) == list(_events(ids[:1], since))  # another shape
    future = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    assert events.run(ids=ids, since=future) == []  # the datetime is a real parameter, not baked in
    assert {row[3]["k"] for row in events.run(ids=ids, since=since) if row[3]} == set(ids)


def test_compiled_once_per_shape_then_one_statement(world):
    prepared = PreparedQuery(_cases)
    prepared.run(phone=PHONE)
    with CaptureQueriesContext(connection) as ctx:
        for phone in (PHONE, "+8613900139000", PHONE):
            prepared.run(phone=phone)
    assert len(ctx.captured_queries) == 3
    assert len(prepared._compiled) == 1


def test_an_argument_the_query_rewrites_is_refused(world):
    # ``__contains`` wraps the value in % … %: the marker no longer appears as it was, so running is refused
    prepared = PreparedQuery(lambda text: Case.objects.filter(address__contains=text).values_list("id"))
    with pytest.raises(TypeError, match="not found among the SQL parameters"):
        prepared.run(text="村")


def test_unsupported_argument_types_are_refused(world):
    prepared = PreparedQuery(lambda flag: Case.objects.filter(priority=flag).values_list("id"))
    with pytest.raises(TypeError):
        prepared.run(flag=1.5)
