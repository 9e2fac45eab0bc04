from typing import Any, cast

from django.core.paginator import Paginator
from rest_framework import pagination
from rest_framework.response import Response

from core.counting import CappedPaginator


class PageNumberPagination(pagination.PageNumberPagination):
    """``{count, next, previous, results}``; ``page_size`` up to 100. Out-of-range pages answer 404."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class CappedPageNumberPagination(PageNumberPagination):
    """Opt-in ``?count=capped``: the total is counted only up to ``settings.LIST_COUNT_CAP``.

    The contract's ``count`` keeps its meaning (the exact total) and is simply absent from a capped answer,
    which carries ``count_at_least`` (the total, or the cap when there are more) and ``count_capped``
    instead. Without the parameter the answer is the plain ``{count, next, previous, results}``.
    """

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        self.capped_mode = request.query_params.get("count") == "capped"
        self.django_paginator_class = CappedPaginator if self.capped_mode else Paginator
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        if not self.capped_mode or self.page is None:
            return super().get_paginated_response(data)
        paginator = cast(CappedPaginator, self.page.paginator)
        return Response(
            {
                "count_at_least": min(paginator.count, paginator.cap),
                "count_capped": paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )
