"""What a dashboard request asks for: its period and its scope, read the same way by every dashboard
(oversight's own and the apps' that add theirs, e.g. bundles' 一件事 page)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from core.exceptions import ApplicationError
from oversight import stats

PERIODS = (("week", "本周"), ("month", "本月"), ("quarter", "本季度"), ("custom", "自定义"))


def period_from(params: Any) -> tuple[str, stats.Period]:
    """The period a dashboard asks for (``?period=week|month|quarter|custom&from=&to=``); 400 when unusable."""
    name = params.get("period") or "month"
    if name == "custom":
        period = stats.period_parse(params.get("from"), params.get("to"))
        if period.start is None or period.end is None:
            raise ApplicationError("自定义时段需要开始和结束日期。", status=400)
        if (period.end - period.start).days > stats.MAX_DAYS:
            raise ApplicationError("时段过长。", status=400)
        return name, period
    if name not in {p for p, _ in PERIODS}:
        name = "month"
    return name, stats.period_preset(name)


def scope_from(request: HttpRequest) -> stats.Scope:
    """The figures' scope for ``request.user`` and ``?site=``: 404 outside it, 403 for a role without figures."""
    try:
        return stats.stats_scope(user=request.user, site_code=request.GET.get("site") or None)
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404(exc.message)
        raise PermissionDenied(exc.message)
