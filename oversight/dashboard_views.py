"""Oversight dashboards (station / town / district by role and ``?site=``), XLSX exports and export jobs.

Charts are server-rendered SVG (no JavaScript, no CDN): the view computes bar geometry, the template draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET, require_POST

from agency.models import Site
from core.client_ip import client_ip_or_none
from core.exceptions import ApplicationError
from core.masking import mask_name
from core.services import audit_log
from oversight import export_requests, stats
from oversight.models import ExportJob
from oversight.params import PERIODS, period_from, scope_from

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Bar:
    label: str
    value: float
    text: str
    x: float
    y: float
    width: float
    height: float


@dataclass
class Chart:
    title: str
    width: int
    height: int
    bars: list[Bar]
    series: list[list[Bar]]
    legend: list[tuple[str, str]]
    empty: bool


def rate_chart(title: str, rows: list[dict[str, Any]], key: str) -> Chart:
    """Horizontal bars, one per site, 0–100 %."""
    usable = [r for r in rows if r.get(key) is not None]
    row_h, label_w, bar_w = 26, 150, 220
    bars = [
        Bar(
            label=r["name"][:12],
            value=r[key],
            text=f"{r[key] * 100:.1f}%",
            x=label_w,
            y=i * row_h + 4,
            width=round(r[key] * bar_w, 1),
            height=row_h - 8,
        )
        for i, r in enumerate(usable)
    ]
    return Chart(title, label_w + bar_w + 60, max(1, len(bars)) * row_h + 8, bars, [], [], not bars)


def trend_chart(days: list[dict[str, Any]]) -> Chart:
    """Vertical paired bars per day (or per ISO week when the period is longer than 45 days)."""
    if len(days) > 45:
        weeks: dict[tuple[int, int], dict[str, Any]] = {}
        for d in days:
            iso = d["day"].isocalendar()
            w = weeks.setdefault((iso[0], iso[1]), {"day": d["day"], "new": 0, "closed": 0})
            w["new"] += d["new"]
            w["closed"] += d["closed"]
        days = list(weeks.values())
    height, top, left = 160, 10, 30
    slot = max(8.0, min(40.0, 640 / max(1, len(days))))
    peak = max([1] + [max(d["new"], d["closed"]) for d in days])
    new_bars: list[Bar] = []
    closed_bars: list[Bar] = []
    for i, d in enumerate(days):
        x = left + i * slot
        for value, out, offset in ((d["new"], new_bars, 0.1), (d["closed"], closed_bars, 0.5)):
            h = round(value / peak * (height - top), 1)
            out.append(
                Bar(
                    label=d["day"].strftime("%m-%d"),
                    value=value,
                    text=str(value),
                    x=round(x + slot * offset, 1),
                    y=round(height - h, 1),
                    width=round(slot * 0.4, 1),
                    height=h,
                )
            )
    return Chart(
        "新受理与办结趋势",
        int(left + len(days) * slot + 10),
        height + 20,
        [],
        [new_bars, closed_bars],
        [("bar-new", "新受理"), ("bar-closed", "办结")],
        not any(d["new"] or d["closed"] for d in days),
    )


def _level(scope: stats.Scope) -> str:
    if scope.site is not None:
        return "town" if scope.site.kind == Site.Kind.CENTER else "station"
    return {"district_admin": "district", "town_staff": "town"}.get(scope.role, "station")


@login_required
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """Figures, charts and lists of the caller's scope for a period (week / month / quarter / custom)."""
    scope = scope_from(request)
    try:
        period_name, period = period_from(request.GET)
    except ApplicationError as exc:
        period_name, period = "month", stats.period_preset("month")
        error = exc.message
    else:
        error = ""
    figures, trend, avg_days, special_total = stats.dashboard_figures_cached(scope=scope, period=period)
    special = stats.special_group_open(scope=scope, period=period)
    site_choices = Site.objects.filter(kind__in=[Site.Kind.CENTER, Site.Kind.STATION], is_active=True)
    if scope.role != "district_admin":
        visible = stats.stats_scope(user=request.user).site_ids
        site_choices = site_choices.filter(id__in=visible or [])
    context = {
        "level": _level(scope),
        "scope": scope,
        "period_name": period_name,
        "period": period,
        "periods": PERIODS,
        "error": error,
        "figures": figures,
        "status_rows": [
            (str(label), figures["by_status"].get(value, 0))
            for value, label in stats.Case.Status.choices
            if figures["by_status"].get(value)
        ],
        "avg_days": avg_days,
        "trend": trend_chart(trend),
        "on_time_chart": rate_chart("各站点按期办结率", figures["by_site"], "on_time_rate"),
        "satisfaction_chart": rate_chart("各站点满意率", figures["by_site"], "satisfaction_rate"),
        "agents": stats.stats_agents_cached(scope=scope, period=period),
        "overdue": [
            {"case": c, "name": mask_name(c.resident_name)} for c in stats.overdue_cases(scope=scope)
        ],
        "special_total": special_total,
        "special": [{"case": c, "name": mask_name(c.resident_name)} for c in special],
        "bad_ratings": stats.bad_ratings_list(scope=scope, period=period),
        "site_choices": site_choices.order_by("code"),
        "query": request.GET.urlencode(),
        # cards of apps built on top (e.g. upward's 好差评上报): ``f(scope=) -> {"template", ...}``
        "extra_sections": [
            import_string(path)(scope=scope) for path in getattr(settings, "OVERSIGHT_DASHBOARD_SECTIONS", ())
        ],
    }
    return render(request, "oversight/dashboard/dashboard.html", context)


@login_required
@require_POST
def export_start(request: HttpRequest) -> HttpResponse:
    """XLSX of the period's cases: small ones download at once, large ones go to a job page."""
    scope_code = request.POST.get("site") or None
    try:
        _name, period = period_from(request.POST)
        data, job, filename = export_requests.export_request(
            actor=request.user,  # type: ignore[arg-type]
            site_code=scope_code,
            period=period,
            ip=client_ip_or_none(request),
        )
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404(exc.message)
        if exc.status == 403:
            raise PermissionDenied(exc.message)
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    if job is not None:
        return redirect("dashboard-export-job", job_id=job.pk)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _own_job(request: HttpRequest, job_id: int) -> ExportJob:
    return get_object_or_404(ExportJob, pk=job_id, requested_by=request.user)


@login_required
@require_GET
def export_job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    """Progress of a background export (refreshes itself without JavaScript until done)."""
    job = _own_job(request, job_id)
    return render(request, "oversight/dashboard/export_job.html", {"job": job})


@login_required
@require_GET
def export_job_download(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _own_job(request, job_id)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404("文件尚未生成")
    name = (job.file.name or "export.xlsx").rsplit("/", 1)[-1]
    # each download of the file is a view of the exported personal data: audited like the export itself
    audit_log(
        actor=request.user,  # type: ignore[arg-type]
        action="cases_export_download",
        target_type="export",
        target_id=str(job.pk),
        ip=client_ip_or_none(request),
        detail={"unmasked": job.unmasked},
    )
    response: Any = FileResponse(job.file.open("rb"), as_attachment=True, filename=name, content_type=XLSX)
    return response  # type: ignore[no-any-return]
