"""The district cockpit (数据驾驶舱 ``/cockpit/``), its wall-screen mode (数据大屏 ``/cockpit/wall/``) and their
JSON (``/cockpit/data/``, what the wall screen refreshes from without reloading). Thin: scope and period as on
the dashboard, the figures from ``oversight.cockpit`` (``oversight.stats`` underneath)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agency.models import Site
from core.exceptions import ApplicationError
from oversight import cockpit, stats
from oversight.params import PERIODS, period_from, scope_from

REFRESH_SECONDS = 60


def _inputs(request: HttpRequest) -> tuple[stats.Scope, str, stats.Period, str]:
    scope = scope_from(request)  # 403 / 404 like the dashboard
    try:
        name, period = period_from(request.GET)
    except ApplicationError as exc:
        return scope, "month", stats.period_preset("month"), exc.message
    return scope, name, period, ""


def _site_choices(request: HttpRequest, scope: stats.Scope) -> list[Site]:
    qs = Site.objects.filter(kind__in=[Site.Kind.CENTER, Site.Kind.STATION], is_active=True)
    if scope.role != "district_admin":
        qs = qs.filter(id__in=sorted(stats.stats_scope(user=request.user).site_ids or []))
    return list(qs.order_by("code").only("code", "name", "kind"))


def _context(request: HttpRequest, *, wall: bool) -> dict[str, object]:
    scope, period_name, period, error = _inputs(request)
    data = cockpit.cockpit_data(scope=scope, period=period)
    title = (
        scope.site.name
        if scope.site
        else {"district_admin": "全区", "town_staff": "本镇（街道）"}.get(scope.role, "本站")
    )
    return {
        "nav": "cockpit",
        "title": f"{title}帮办代办数据{'大屏' if wall else '驾驶舱'}",
        "data": data,
        "scope": scope,
        "period": period,
        "period_name": period_name,
        "periods": PERIODS,
        "error": error,
        "site_choices": _site_choices(request, scope),
        "query": request.GET.urlencode(),
        "refresh_seconds": REFRESH_SECONDS,
    }


@login_required
@require_GET
def cockpit_page(request: HttpRequest) -> HttpResponse:
    """KPI tiles with the change against the previous period, the filter as a toolbar, the charts (ECharts,
    vendored) and, without JavaScript, the same figures as tables."""
    return render(request, "oversight/cockpit/cockpit.html", _context(request, wall=False))


@login_required
@require_GET
def cockpit_wall(request: HttpRequest) -> HttpResponse:
    """数据大屏: 1920×1080, large type, no scrollbars; the data refreshes from ``/cockpit/data/``."""
    return render(request, "oversight/cockpit/wall.html", _context(request, wall=True))


@login_required
@require_GET
def cockpit_json(request: HttpRequest) -> JsonResponse:
    scope, _name, period, error = _inputs(request)
    return JsonResponse({**cockpit.cockpit_data(scope=scope, period=period), "error": error})
