"""Staff pages: training events with attendance import, and the per-town capability-plan shortfall."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agency.models import Site
from core.exceptions import ApplicationError
from core.services import audit_log
from core.tabular import read_sheet_rows
from training import exports, selectors, services
from training.forms import AttendanceImportForm, EventForm
from training.models import Attendance, CapabilityPlan, TrainingEvent
from workflows.selectors import actor_role

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _recorder(request: HttpRequest) -> None:
    if not selectors.may_record(request.user):
        raise PermissionDenied("只有镇（街道）或站点工作人员可以登记培训。")


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    _recorder(request)
    events = list(selectors.events_visible_to(request.user)[:200])
    towns = list(selectors.towns_visible_to(request.user))
    return render(request, "training/events.html", {"events": events, "towns": towns, "nav": "training"})


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    _recorder(request)
    sites = {str(s.pk): s for s in selectors.sites_for_recording(request.user)}
    form = EventForm(request.POST or None, sites=[(pk, s.name) for pk, s in sites.items()])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.training_event_create(
                actor=request.user,
                site=sites[data["site"]],
                kind=data["kind"],
                title=data["title"],
                date=data["date"],
                hours=data["hours"],
                organiser=data["organiser"],
                categories=data["categories"],
                grants_qualification=data["grants_qualification"],
                note=data["note"],
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return redirect("training:event", pk=event.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "training/event_new.html", {"form": form, "nav": "training"}, status=status)


def _event_or_404(request: HttpRequest, pk: int) -> TrainingEvent:
    return get_object_or_404(selectors.events_visible_to(request.user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The event with its attendees; POST an attendance sheet (every bad line listed, nothing imported)."""
    _recorder(request)
    event = _event_or_404(request, pk)
    form = AttendanceImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_sheet_rows(upload, upload.name, required=services.ATTENDANCE_REQUIRED)
            report = services.attendance_import(
                actor=request.user, event=event, rows=rows, dry_run=form.cleaned_data["dry_run"]
            )
        except ApplicationError as exc:
            form.add_error("file", exc.message)
            status = 400
        else:
            if not report.ok:
                status = 400
    elif request.method == "POST":
        status = 400
    attendees = list(
        Attendance.objects.filter(event=event).select_related("agent").order_by("agent__name", "agent_id")
    )
    context = {
        "event": event,
        "categories": [selectors.category_label(c) for c in sorted(selectors.event_categories(event))],
        "attendees": attendees,
        "form": form,
        "report": report,
        "columns": services.ATTENDANCE_COLUMNS,
        "nav": "training",
    }
    return render(request, "training/event.html", context, status=status)


def _town_or_404(request: HttpRequest, code: str) -> Site:
    if actor_role(request.user) not in selectors.PLAN_ROLES:
        raise PermissionDenied("只有镇（街道）工作人员和区级管理员可以查看能力提升计划。")
    town = selectors.towns_visible_to(request.user).filter(code=code).first()
    if town is None:
        raise Http404("未找到该镇（街道）或无权查看。")
    return town


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


@login_required
def plan_index(request: HttpRequest) -> HttpResponse:
    towns = list(selectors.towns_visible_to(request.user))
    if actor_role(request.user) not in selectors.PLAN_ROLES:
        raise PermissionDenied("只有镇（街道）工作人员和区级管理员可以查看能力提升计划。")
    if len(towns) == 1:
        return redirect("training:plan", code=towns[0].code)
    return render(request, "training/plan_index.html", {"towns": towns, "nav": "training"})


@login_required
def plan_page(request: HttpRequest, code: str) -> HttpResponse:
    """Who in the town is behind the plan of their kind (hours this year, categories not held)."""
    town = _town_or_404(request, code)
    year = _year(request)
    rows = selectors.plan_shortfall(center=town, year=year)
    context = {
        "town": town,
        "year": year,
        "rows": rows,
        "behind": sum(1 for r in rows if r.behind),
        "plans": [
            (p, [selectors.category_label(c) for c in p.required_categories])
            for p in CapabilityPlan.objects.all()
        ],
        "nav": "training",
    }
    return render(request, "training/plan.html", context)


@login_required
def plan_export(request: HttpRequest, code: str) -> HttpResponse:
    town = _town_or_404(request, code)
    year = _year(request)
    rows = selectors.plan_shortfall(center=town, year=year)
    data = exports.plan_workbook(title=f"{town.name} {year}年帮办代办员能力提升计划完成情况", rows=rows)
    audit_log(
        actor=request.user,  # type: ignore[arg-type]
        action="capability_plan_export",
        target_type="site",
        target_id=town.code,
        detail={"year": year, "rows": len(rows)},
    )
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="capability-plan-{town.code}-{year}.xlsx"'
    return response
