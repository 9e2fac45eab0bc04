"""Issue 20, counting: a district-wide list counts up to LIST_COUNT_CAP rows and says "1,000+" honestly."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.counting import CappedPaginator, count_label
from workflows.models import Case
from workflows.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_label():
    assert count_label(999, 1000) == "999"
    assert count_label(1000, 1000) == "1,000"
    assert count_label(1001, 1000) == "1,000+"


def test_below_the_cap_it_is_django_paginator():
    items = list(range(7))
    capped, plain = CappedPaginator(items, 3, cap=10), Paginator(items, 3)
    assert (capped.count, capped.num_pages, capped.capped, capped.count_label) == (7, 3, False, "7")
    assert [list(capped.page(n)) for n in (1, 2, 3)] == [list(plain.page(n)) for n in (1, 2, 3)]
    assert capped.get_page(99).number == 3  # out of range falls back to the last page, as Django does


def test_above_the_cap_the_count_stops_and_pages_go_on():
    items = list(range(25))
    paginator = CappedPaginator(items, 4, cap=10)
    assert paginator.count == 11 and paginator.capped and paginator.count_label == "10+"
    page4 = paginator.page(4)  # beyond the cap: still reachable
    assert list(page4) == [12, 13, 14, 15] and page4.has_next()
    last = paginator.page(7)
    assert list(last) == [24] and not last.has_next() and last.has_previous()
    assert paginator.get_page(50).number == 1  # an empty page beyond the end: back to the first
    assert paginator.get_page("x").number == 1


def test_the_count_query_is_bounded_and_unordered():
    CaseFactory.create_batch(6)
    qs = Case.objects.order_by("-created_at")
    paginator = CappedPaginator(qs, 2, cap=3)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 4 and paginator.capped
    [sql] = [q["sql"] for q in queries.captured_queries]
    assert "COUNT(" in sql.upper() and "LIMIT 4" in sql.upper()
    assert "ORDER BY" not in sql.upper()
    assert len(list(paginator.page(3))) == 2 and not paginator.page(3).has_next()
