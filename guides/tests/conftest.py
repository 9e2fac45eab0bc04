from collections.abc import Iterator

import pytest
from django.db import transaction

from agency.demo import DemoResult, load_demo


@pytest.fixture(scope="module")
def _demo_module(django_db_setup, django_db_blocker) -> Iterator[DemoResult]:  # type: ignore[no-untyped-def]
    """The demo district loaded once per module inside a transaction that is rolled back at its end; each
    test's own transaction nests in it (a savepoint), so tests still see a clean copy of the demo."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo(password="guides-test", with_steps=False)
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo_module, db) -> DemoResult:  # type: ignore[no-untyped-def]
    """The demo district's catalogue, sites and published agents (agency's own loader, no apps on top)."""
    return _demo_module
