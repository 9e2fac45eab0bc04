"""Bounded counting for long lists: "1,000+" instead of ``COUNT(*)`` over a million rows.

A district admin's "all open cases" matches most of the table; an exact count walks every matching row
(index or not) on each page view. ``CappedPaginator`` counts at most ``cap + 1`` rows
(``SELECT COUNT(*) FROM (SELECT … LIMIT cap+1)``, ordering dropped) and says so honestly: ``count_label``
is ``"1,000+"`` and the pager offers "next" while a page comes back full, without a last-page number.
Below the cap it behaves exactly like Django's ``Paginator``. The bound is ``settings.LIST_COUNT_CAP``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

DEFAULT_CAP = 1000


def count_cap() -> int:
    return max(1, int(getattr(settings, "LIST_COUNT_CAP", DEFAULT_CAP)))


def capped_count(object_list: Any, cap: int) -> int:
    """``min(len, cap + 1)``: a count of ``cap + 1`` means "more than ``cap``"."""
    if isinstance(object_list, QuerySet):
        # no ORDER BY in the subquery: sorting a million rows to count a thousand would defeat the point
        return int(object_list.order_by()[: cap + 1].count())
    return min(len(object_list), cap + 1)


def count_label(count: int, cap: int) -> str:
    return f"{cap:,}+" if count > cap else f"{count:,}"


class CappedPage(Page):
    """A page of a capped list: ``has_next`` comes from fetching one row past the page."""

    def __init__(self, object_list: Sequence[Any], number: int, paginator: Paginator, *, more: bool) -> None:
        super().__init__(object_list, number, paginator)
        self._more = more

    def has_next(self) -> bool:
        return self._more


class CappedPaginator(Paginator):
    """Django's ``Paginator`` with ``count`` bounded by ``cap`` (see the module docstring)."""

    def __init__(
        self, object_list: Any, per_page: int, *args: Any, cap: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        self.cap = cap if cap is not None else count_cap()

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list, self.cap)

    @property
    def capped(self) -> bool:
        """True when there are more than ``cap`` rows (``count`` is then ``cap + 1``, a lower bound)."""
        return self.count > self.cap

    @property
    def count_label(self) -> str:
        return count_label(self.count, self.cap)

    @cached_property
    def num_pages(self) -> int:
        # a capped list has no known last page: the pages up to the cap (the pager hides the total)
        return max(1, math.ceil(self.count / self.per_page)) if self.count else 1

    def validate_number(self, number: Any) -> int:
        if not self.capped:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            value = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if value < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return value

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        if not self.capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def get_page(self, number: Any) -> Page:
        """Like Django's (a bad or out-of-range number falls back, never an error), first page for a capped list."""
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(1 if self.capped else self.num_pages)
