"""core.prepared.PreparedQuery gives exactly what the ORM gives, on SQLite and on PostgreSQL."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import CharField
from django.db.models.functions import Cast
from django.test.utils import CaptureQueriesContext

from core.prepared import PreparedInstances, PreparedQuery
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


# --- PreparedInstances ---------------------------------------------------------------------------------


def _field_values(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _tokens():
    from rest_framework.authtoken.models import Token

    return PreparedInstances(
        Token, lambda key: Token.objects.filter(key=key), related=("user", "user__agent")
    )


def test_instances_equal_select_related_and_need_no_more_queries(world):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.staff)
    orm = Token.objects.select_related("user", "user__agent").get(key=token.key)
    prepared = _tokens()
    prepared.get(key=token.key)  # compiled
    with CaptureQueriesContext(connection) as ctx:
        got = prepared.get(key=token.key)
        user, agent = got.user, got.user.agent
        assert agent.user is user  # the way back is cached too
    assert len(ctx.captured_queries) == 1
    assert _field_values(got) == _field_values(orm)
    assert _field_values(user) == _field_values(orm.user)
    assert _field_values(agent) == _field_values(orm.user.agent)
    assert not got.get_deferred_fields() and not agent.get_deferred_fields()
    assert got._state.adding is False and got._state.db == "default"


def test_an_absent_reverse_one_to_one_is_cached_as_missing(world):
    from rest_framework.authtoken.models import Token

    from agency.models import Agent

    token = Token.objects.create(user=world.admin)  # the superuser has no agent profile
    got = _tokens().get(key=token.key)
    with CaptureQueriesContext(connection) as ctx:
        with pytest.raises(Agent.DoesNotExist):
            got.user.agent
        assert getattr(got.user, "agent", None) is None
    assert len(ctx.captured_queries) == 0


def test_a_null_foreign_key_is_cached_as_none(world):
    plain = CaseFactory(site=world.station, matter=world.matter, grid=None)
    gridded = CaseFactory(site=world.station, matter=world.matter, grid=world.grid)
    cases = PreparedInstances(
        Case, lambda ids: Case.objects.filter(id__in=ids).order_by("id"), related=("grid", "site")
    )
    with CaptureQueriesContext(connection) as ctx:
        got = cases.run(ids=[plain.pk, gridded.pk])
        assert [c.grid for c in got] == [None, world.grid]
        assert [c.site.code for c in got] == [world.station.code] * 2
    assert len(ctx.captured_queries) == 1


def test_get_raises_like_the_orm(world):
    from rest_framework.authtoken.models import Token

    with pytest.raises(Token.DoesNotExist):
        _tokens().get(key="no-such-token")
    sites = PreparedInstances(
        type(world.station), lambda parent: type(world.station).objects.filter(parent=parent)
    )
    with pytest.raises(type(world.station).MultipleObjectsReturned):
        sites.get(parent=world.center.pk)


def test_only_single_valued_relations_are_followed():
    with pytest.raises(TypeError):
        PreparedInstances(Case, lambda: Case.objects.all(), related=("events",))
