"""The station workbench (``/staff/cases/``): a dense, server-sorted and filtered case table with status tabs,
saved views, search, capped pagination and bulk 分派/转办 (one confirmation; one service call, hence one
timeline row, per case through the action table ``workflows.actions.CASE_ACTIONS``). Thin: parse → read or
call the services → render or redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from agency.models import Agent, Site
from core.counting import CappedPaginator
from core.exceptions import ApplicationError
from core.masking import mask_name
from core.workdays import working_days_between
from workflows import selectors, workbench
from workflows.actions import CASE_ACTIONS
from workflows.figures import FIGURE_LABELS
from workflows.models import CaseEvent
from workflows.views import _decorate_cases, page_context, staff_required
from workflows.workbench_forms import BulkForm, WorkbenchFilterForm

PAGE_SIZES = (20, 50, 100)
KIND_LABELS = dict(CaseEvent.Kind.choices)


def _agent_choices(request: HttpRequest) -> list[tuple[str, str]]:
    return [(str(a.pk), a.name) for a in selectors.staff_filter_agents(user=request.user)]


def _site_choices() -> list[tuple[str, str]]:
    return [(str(s.pk), s.name) for s in workbench.bulk_target_sites()]


def _remaining_days(case: Any, now: Any) -> int | None:
    """Working days left to the due date (negative: overdue by that many); None without one or when done."""
    if not case.is_open or case.due_at is None:
        return None
    if case.due_at >= now:
        return working_days_between(now, case.due_at)
    return -working_days_between(case.due_at, now)


def _query(request: HttpRequest, **changes: Any) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    return params.urlencode()


@require_GET
@staff_required
def staff_cases(request: HttpRequest) -> HttpResponse:
    """案件工作台: the case table of the staff member's scope (see the module doc)."""
    form = WorkbenchFilterForm(
        request.GET or None,
        matters=[(m.code, m.name) for m in selectors.active_matters()],
        agents=_agent_choices(request),
    )
    f = form.filters()
    now = timezone.now()
    try:
        qs = workbench.workbench_cases(user=request.user, f=f, now=now)
        tabs = workbench.workbench_tabs(user=request.user, f=f, now=now)
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        raise
    try:
        per = int(request.GET.get("per", PAGE_SIZES[0]))
    except ValueError:
        per = PAGE_SIZES[0]
    per = per if per in PAGE_SIZES else PAGE_SIZES[0]
    page = CappedPaginator(qs, per).get_page(request.GET.get("page"))
    rows = _decorate_cases(list(page.object_list))
    latest = workbench.latest_events([c.pk for c in rows])
    for case in rows:
        ev = latest.get(case.pk) or {}
        case.latest_label = str(KIND_LABELS.get(ev.get("latest_kind") or "", ev.get("latest_kind") or ""))  # type: ignore[attr-defined]
        case.latest_at = ev.get("latest_at")  # type: ignore[attr-defined]
        case.latest_note = (ev.get("latest_note") or "")[:60]  # type: ignore[attr-defined]
        case.remaining_days = _remaining_days(case, now)  # type: ignore[attr-defined]
        case.name_masked = mask_name(case.resident_name)  # type: ignore[attr-defined]
    page.object_list = rows
    columns = [
        ("case_no", "编号"),
        ("matter", "事项"),
        ("resident", "居民"),
        ("", "特殊群体"),
        ("status", "状态"),
        ("agent", "帮办员"),
        ("due", "时限 / 剩余工作日"),
        ("latest", "最近动态"),
    ]
    headers = []
    for key, label in columns:
        if not key:
            headers.append({"label": label, "url": "", "sort": ""})
            continue
        state = "ascending" if f.sort == key else "descending" if f.sort == f"-{key}" else ""
        next_sort = f"-{key}" if f.sort == key else key
        headers.append(
            {"label": label, "url": "?" + _query(request, sort=next_sort, page=None), "sort": state}
        )
    figure_label = ""
    if f.figure:
        span = f"{f.date_from or '…'} 至 {f.date_to or '…'}"
        figure_label = f"驾驶舱指标「{FIGURE_LABELS[f.figure]}」（{span}{'，' + f.site if f.site else ''}）"
    return render(
        request,
        "workflows/staff/workbench.html",
        page_context(
            request,
            nav="cases",
            form=form,
            filters=f,
            page=page,
            tabs=[{**t, "url": "?" + _query(request, tab=t["key"], status=None, page=None)} for t in tabs],
            saved_views=[
                {
                    "key": k,
                    "label": lbl,
                    "url": "?" + _query(request, view=k if f.view != k else None, page=None),
                }
                for k, lbl in workbench.SAVED_VIEWS
            ],
            headers=headers,
            page_query=_query(request, page=None),
            figure_label=figure_label,
            bulk_agents=_agent_choices(request),
            bulk_sites=_site_choices(),
            per=per,
            page_sizes=PAGE_SIZES,
            next_url=request.get_full_path(),
        ),
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or "/staff/cases/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return "/staff/cases/"
    return target


@require_POST
@staff_required
def staff_cases_bulk(request: HttpRequest) -> HttpResponse:
    """Bulk 分派/转办: the first post shows what will happen (one confirmation), the second does it, case by
    case through the action's service (each checks permission and state under its lock and writes its own
    timeline row); cases the service refuses are listed with the reason, the others go ahead."""
    agents = _agent_choices(request)
    form = BulkForm(request.POST, agents=agents, sites=_site_choices())
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
        return HttpResponseRedirect(_safe_next(request))
    data = form.cleaned_data
    cases = list(selectors.cases_visible_to(request.user).filter(case_no__in=form.case_nos))
    missing = sorted(set(form.case_nos) - {c.case_no for c in cases})
    if missing:
        messages.error(request, f"案件不存在或无权查看：{'、'.join(missing[:10])}")
        return HttpResponseRedirect(_safe_next(request))
    order = {no: i for i, no in enumerate(form.case_nos)}
    cases.sort(key=lambda c: order[c.case_no])
    agent = Agent.objects.filter(pk=int(data["agent"])).first() if data.get("agent") else None
    site = Site.objects.filter(pk=int(data["site"])).first() if data.get("site") else None
    op = data["op"]
    if not data.get("confirm"):
        return render(
            request,
            "workflows/staff/bulk_confirm.html",
            page_context(
                request,
                nav="cases",
                op=op,
                op_label=dict(form.fields["op"].choices)[op],  # type: ignore[attr-defined]
                cases=_decorate_cases(cases),
                agent=agent,
                site=site,
                reason=data.get("reason") or "",
                next_url=_safe_next(request),
            ),
        )
    kwargs: dict[str, Any] = (
        {"agent": agent} if op == "assign" else {"site": site, "agent": agent, "reason": data["reason"]}
    )
    done, failed = [], []
    for case in cases:
        try:
            CASE_ACTIONS[op].run(actor=request.user, case=case, **kwargs)
        except ApplicationError as exc:
            failed.append(f"{case.case_no}：{exc.message}")
        except DjangoValidationError as exc:
            failed.append(f"{case.case_no}：{'；'.join(exc.messages)}")
        else:
            done.append(case.case_no)
    verb = "分派" if op == "assign" else "转办"
    if done:
        messages.success(
            request, f"已{verb} {len(done)} 件：{'、'.join(done[:20])}{'…' if len(done) > 20 else ''}"
        )
    for line in failed[:20]:
        messages.error(request, f"未{verb} {line}")
    return HttpResponseRedirect(_safe_next(request))
