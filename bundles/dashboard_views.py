"""``/dashboard/bundles/``: 一件事 beside single matters for the oversight roles (page and CSV export).

Same scope and period rules as the main dashboard (``oversight.dashboard_views``); a bundle counts once.
"""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bundles.selectors import bundle_stats
from oversight.params import PERIODS, period_from, scope_from


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


@require_GET
@login_required
def bundles_dashboard(request: HttpRequest) -> HttpResponse:
    scope = scope_from(request)
    period_name, period = period_from(request.GET)
    figures = bundle_stats(scope=scope, period=period)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="bundles.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese correctly only with a BOM
        writer = csv.writer(response)
        writer.writerow(["类别", "名称", "受理", "在办", "办结", "按期办结率"])
        for row in figures["by_bundle"]:
            writer.writerow(
                [
                    "一件事",
                    row["name"],
                    row["received"],
                    row["open"],
                    row["completed"],
                    _pct(row["on_time_rate"]),
                ]
            )
        single = figures["single"]
        writer.writerow(
            ["单一事项", "合计", single["received"], "", single["completed"], _pct(single["on_time_rate"])]
        )
        return response
    context = {
        "figures": figures,
        "scope": scope,
        "period": period,
        "period_name": period_name,
        "periods": PERIODS,
        "rows": [dict(r, rate=_pct(r["on_time_rate"])) for r in figures["by_bundle"]],
        "bundle_rate": _pct(figures["bundles"]["on_time_rate"]),
        "single_rate": _pct(figures["single"]["on_time_rate"]),
        "query": request.GET.urlencode(),
    }
    return render(request, "bundles/dashboard.html", context)
