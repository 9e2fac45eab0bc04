"""core.db_errors on the database under test (SQLite locally, PostgreSQL in CI): a real unique violation is
recognised by its constraint, and another constraint's violation is not taken for it."""

import pytest
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from core.db_errors import is_lock_not_available, is_unique_violation
from core.models import User
from notifications.models import Notification


def _violation(create) -> IntegrityError:  # type: ignore[no-untyped-def]
    create()
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        create()
    return caught.value


@pytest.mark.django_db
def test_a_unique_violation_is_recognised_by_its_column() -> None:
    exc = _violation(lambda: User.objects.create(username="same"))
    assert is_unique_violation(exc, model=User, field="username")
    assert not is_unique_violation(exc, model=Notification, field="dedupe_key")


@pytest.mark.django_db
def test_another_constraint_is_not_taken_for_it() -> None:
    exc = _violation(
        lambda: Notification.objects.create(dedupe_key="k", template="t", text="x", send_after=timezone.now())
    )
    assert is_unique_violation(exc, model=Notification, field="dedupe_key")
    assert not is_unique_violation(exc, model=User, field="username")


def test_lock_not_available_by_sqlstate_or_sqlite() -> None:
    class Cause(Exception):
        sqlstate = "55P03"

    refused = OperationalError("canceling statement: could not obtain lock on row")
    refused.__cause__ = Cause()
    assert is_lock_not_available(refused)
    other = OperationalError("deadlock detected")
    other.__cause__ = type("Deadlock", (Exception,), {"sqlstate": "40P01"})()
    assert not is_lock_not_available(other)
    assert is_lock_not_available(OperationalError("database is locked"))
