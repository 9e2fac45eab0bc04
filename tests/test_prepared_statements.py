"""Two kinds of prepared reads stay exact.

- PostgreSQL keeps hot statements prepared (config/settings/base.py ``DATABASE_PREPARE_THRESHOLD``), and a
  prepared statement answers with the current rows, not those of the first run.
- Each ``core.prepared`` read used in the code returns exactly what its ORM twin returns (the same queryset
  compiled by Django) on the same data, on SQLite and on PostgreSQL, so the two read paths cannot drift; a
  prepared read this test does not know fails it.
"""

import datetime as dt
import importlib
import pkgutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from agency import auth
from agency.auth import TokenAuthentication
from core.prepared import PreparedInstances, PreparedQuery, prepared_reads
from notifications import selectors as notification_selectors
from notifications.conf import setting as notifications_setting
from notifications.models import MessageTemplate, Notification
from residents import otp as resident_otp
from residents import selectors as resident_selectors
from residents.models import Rating, ResidentToken
from workflows.models import Case, CaseEvent
from workflows.tests.factories import CaseFactory, make_world

pytestmark = pytest.mark.django_db

PHONE = "+8613800138000"
OTHER = "+8613900139000"


def _prepared(fragment: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{fragment}%"]
        )
        return int(cursor.fetchone()[0])


@pytest.mark.postgres
def test_the_token_check_is_prepared_after_a_few_runs_and_sees_changes():
    world = make_world()
    auth = TokenAuthentication()
    keys = [Token.objects.create(user=user).key for user in (world.staff, world.grid_worker, world.town)]
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    for _ in range(3):
        for key in keys:
            auth.authenticate_credentials(key)
    # one statement, whatever the key (matched by a column only the token check reads: other token queries of
    # other tests may be prepared on this connection too)
    assert _prepared('"site_links_direct"') == 1
    # the prepared plan reads current rows: a scope change shows at once
    agent = world.staff.agent
    agent.sites.add(world.station2)
    user, _ = auth.authenticate_credentials(keys[0])
    from workflows.selectors import scope_site_ids

    assert world.station2.pk in scope_site_ids(user)
    Token.objects.filter(key=keys[1]).delete()
    with pytest.raises(AuthenticationFailed):
        auth.authenticate_credentials(keys[1])


# --- every core.prepared read equals its ORM twin --------------------------------------------------------


@pytest.fixture
def data() -> SimpleNamespace:
    """A little of everything the prepared reads look at, with rows each read must find and rows it must not."""
    world = make_world()
    now = timezone.now()
    grid_agent = world.agent_grid
    grid_agent.publish_mobile_consent = True
    grid_agent.save()
    world.station_b.is_active = False
    world.station_b.save()
    assigned = CaseFactory(
        site=world.station,
        matter=world.matter,
        resident_phone=PHONE,
        status=Case.Status.ASSIGNED,
        assigned_agent=grid_agent,
        materials_missing=["户口簿"],
        due_at=now + dt.timedelta(days=3),
        grid=world.grid,
    )
    closed = CaseFactory(
        site=world.station2, matter=world.consult, resident_phone=PHONE, status=Case.Status.CLOSED
    )
    member = CaseFactory(
        site=world.station, matter=world.matter, resident_phone=PHONE, bundle_parent=assigned
    )
    other = CaseFactory(site=world.station, matter=world.matter, resident_phone=OTHER)
    for case in (assigned, closed, member, other):
        CaseEvent.objects.create(case=case, kind="note", note=f"公开{case.pk}", data={"k": case.pk})
        CaseEvent.objects.create(case=case, kind="note", note="内部", public=False)
    Rating.objects.create(
        case=closed, site=closed.site, agent=grid_agent, value=2, comment="慢", created_at=now
    )
    Rating.objects.create(
        case=closed,
        site=closed.site,
        agent=grid_agent,
        value=5,
        is_followup=True,
        created_at=now + dt.timedelta(hours=1),
    )
    for name, expires, revoked in (("live", 1, None), ("expired", -1, None), ("revoked", 1, now)):
        ResidentToken.objects.create(
            token_hash=f"hash-{name}",
            phone=PHONE,
            created_at=now - dt.timedelta(hours=2),
            expires_at=now + dt.timedelta(hours=expires),
            revoked_at=revoked,
        )
    sends = [(5, "resident", "sent"), (20, "resident", "pending"), (30, "otp", "sent")]
    sends += [
        (40, "resident", "cancelled"),
        (90, "resident", "sent"),
    ]  # OTP, cancelled, an hour ago: not counted
    for i, (minutes, audience, status) in enumerate(sends):
        Notification.objects.create(
            dedupe_key=f"prepared-{i}",
            recipient_phone=PHONE,
            audience=audience,
            status=status,
            template="t",
            send_after=now - dt.timedelta(minutes=minutes),
        )
    MessageTemplate.objects.update_or_create(
        code="prepared-test", defaults={"name": "t", "text": "您好{case_no}"}
    )
    keys = {
        user.username: Token.objects.create(user=user).key for user in (world.staff, world.admin, world.town)
    }
    keys["grid"] = Token.objects.create(user=world.grid_worker).key
    return SimpleNamespace(world=world, now=now, cases=[assigned, closed, member, other], keys=keys)


def _uses(d: SimpleNamespace) -> list[tuple[Any, list[dict[str, Any]]]]:
    """Every prepared read of the code with arguments that find rows and arguments that find none."""
    now = d.now
    ids = [c.pk for c in d.cases]
    return [
        (
            resident_otp._TOKEN_PHONE,
            [{"token_hash": f"hash-{n}", "now": now} for n in ("live", "expired", "revoked", "unknown")],
        ),
        (resident_selectors._CASES_WITH_TIMELINE, [{"phone": p} for p in (PHONE, OTHER)]),
        (resident_selectors._LOOKUP, [{"case_no": c.case_no} for c in d.cases] + [{"case_no": "X"}]),
        (resident_selectors._RATINGS, [{"ids": ids}, {"ids": ids[:1]}]),
        (auth._TOKEN, [{"key": k} for k in (*d.keys.values(), "no-such-token")]),
    ]


def _fields(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _snapshot(read: PreparedInstances, obj: Any) -> dict[str, Any]:
    """Every column of the instance and of each related object it carries, and its annotations."""
    out: dict[str, Any] = {"": _fields(obj)}
    for path in read.related:
        target = obj
        for name in path.split("__"):
            # an absent reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError
            target = getattr(target, name, None) if target is not None else None
        out[path] = _fields(target)
    out["annotations"] = {name: getattr(obj, name) for name in read.annotations}
    return out


def _read(read: Any, values: dict[str, Any]) -> tuple[Any, Any]:
    """(prepared, ORM) results of one call; for instances, snapshots or None when there is no such row."""
    if isinstance(read, PreparedQuery):
        return read.run(**values), read.orm(**values)
    found = read.run(**values)
    assert len(found) <= 1
    orm = list(read.orm(**values))
    return [_snapshot(read, o) for o in found], [_snapshot(read, o) for o in orm]


def test_each_prepared_read_returns_what_the_orm_returns(data: SimpleNamespace) -> None:
    for read, arguments in _uses(data):
        if read is resident_selectors._CASES_WITH_TIMELINE and connection.vendor != "postgresql":
            continue  # JSONBAgg: PostgreSQL only (other databases read through the plain ORM)
        found_any = False
        for values in arguments:
            prepared, orm = _read(read, values)
            assert prepared == orm, (read.origin, values)
            found_any = found_any or bool(prepared)
        assert found_any, f"{read.origin}: no argument found a row, so nothing was compared"


def test_the_data_reaches_what_the_reads_filter_on(data: SimpleNamespace) -> None:
    # guards the fixture: each filter of the reads above both keeps and drops rows
    cases = list(resident_selectors._cases_query(PHONE))
    assert {row[0] for row in cases} == {data.cases[0].pk, data.cases[1].pk}  # the bundle member is left out
    assert resident_otp._TOKEN_PHONE.run(token_hash="hash-live", now=data.now) == [(PHONE,)]
    assert resident_otp._TOKEN_PHONE.run(token_hash="hash-revoked", now=data.now) == []
    cap = int(notifications_setting("NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR"))
    since = data.now - dt.timedelta(hours=1)
    assert len(notification_selectors.recent_sms_schedule(phones=[PHONE], since=since, cap=cap)[PHONE]) == 2
    assert resident_selectors._LOOKUP.run(case_no="no-such-case") == []
    assert auth._TOKEN.get(key=data.keys["w_staff"]).site_links_direct


def _import_project_modules() -> None:
    """Import every module of our apps (not tests, migrations or the bench scripts), so each prepared read
    the code makes at import time exists now."""
    root = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        # our apps only: a top-level folder of the project (a virtualenv inside it holds third-party apps)
        if path.parent != root or config.name == "bench":  # bench: scripts, no prepared reads
            continue
        for module in pkgutil.walk_packages([str(path)], prefix=f"{config.name}."):
            parts = module.name.split(".")
            if "tests" not in parts and "migrations" not in parts:
                importlib.import_module(module.name)


def test_every_prepared_read_of_the_code_is_checked_above(data: SimpleNamespace) -> None:
    _import_project_modules()
    checked = {read.origin for read, _ in _uses(data)}
    unchecked = [
        f"{read.origin.co_filename}:{read.origin.co_firstlineno}"
        for read in prepared_reads()
        if read.origin not in checked and "tests" not in Path(read.origin.co_filename).parts
    ]
    assert not unchecked, f"prepared reads not held to the ORM: add them to _uses: {unchecked}"
