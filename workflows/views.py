"""Server-rendered pages: the grid worker's phone pages (``/m/``) and the station staff pages (``/staff/``).

Thin by design: parse a form, call the service (which checks permission and state), then POST/redirect/GET.
The case steps dispatch through the one action table, ``workflows.actions.CASE_ACTIONS`` (shared with the API).
Reads, list filters and form choices go through ``workflows.selectors`` so scope rules live in one place.
Every page works without JavaScript; ``static/js/mobile.js`` only adds conveniences.

Errors: a service's ``ApplicationError`` with status 404 becomes a 404 page; any other (400/403/409) is shown
as a message above the form, with that status code. Django ``ValidationError`` from ``full_clean()`` lands on
the form's fields. Bad input never becomes a 500.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agency.models import Matter, Site
from core.client_ip import client_ip_or_none
from core.counting import CappedPaginator
from core.exceptions import ApplicationError
from core.masking import mask_id_number, mask_phone
from workflows import forms as wf_forms
from workflows import permissions, selectors, services
from workflows.actions import CASE_ACTIONS
from workflows.bundle_progress import bundle_views
from workflows.intake_services import case_create
from workflows.models import Case

SPECIAL_LABELS = dict(Case.SpecialGroup.choices)
PAGE_SIZE = 20


# --- helpers --------------------------------------------------------------------------------------------


@functools.cache
def _bell_available() -> bool:
    """The notifications app may provide ``{% notification_bell %}``; pages skip it when it does not."""
    try:
        return "notifications_tags" in engines["django"].engine.template_libraries  # type: ignore[attr-defined]
    except (AttributeError, KeyError):
        return False


def page_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """The context every page built on the case pages' base template needs (role, menu flags, now)."""
    role = selectors.actor_role(request.user)
    return {
        "role": role,
        "is_staff_role": role in permissions.STAFF_ROLES,
        "may_create": permissions.role_may_create(role),
        "bell_available": _bell_available(),
        "now": timezone.now(),
        **extra,
    }


def _decorate_cases(cases: list[Case]) -> list[Case]:
    """Display helpers on each case of a page (one query: a 一件事 parent's members and the status they
    give it, ``workflows.bundle_progress``; related rows come from select_related)."""
    bundles = bundle_views([c.pk for c in cases])
    for case in cases:
        case.special_labels = [str(SPECIAL_LABELS.get(g, g)) for g in (case.special_groups or [])]  # type: ignore[attr-defined]
        case.phone_masked = mask_phone(case.resident_phone)  # type: ignore[attr-defined]
        case.bundle_view = bundles.get(case.pk)  # type: ignore[attr-defined]
    return cases


def _paginate(request: HttpRequest, qs: QuerySet[Case]) -> Page:
    paginator = CappedPaginator(qs, PAGE_SIZE)  # a district-wide list counts up to LIST_COUNT_CAP only
    page = paginator.get_page(request.GET.get("page"))  # bad or out-of-range numbers fall back, never 500
    page.object_list = _decorate_cases(list(page.object_list))
    return page


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login plus a staff role (station/town staff, district admin); others get a 403 page."""

    @functools.wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if selectors.actor_role(request.user) not in permissions.STAFF_ROLES:
            return render(request, "workflows/m/forbidden.html", page_context(request), status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _get_case_with_permit(request: HttpRequest, case_no: str) -> tuple[Case, selectors.CasePermit]:
    try:
        return selectors.case_get_with_permit(user=request.user, case_no=case_no)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc


def intake_site_choices(request: HttpRequest) -> list[tuple[str, str]]:
    """``(id, name)`` of the sites the person may log a request for (an intake form's site choices)."""
    return [(str(s.pk), s.name) for s in selectors.intake_sites(user=request.user)]


def form_add_validation_error(form: Any, exc: DjangoValidationError) -> None:
    """Put a model ``ValidationError`` on the form: on a field when the form has it, else on the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- grid worker pages (/m/) ------------------------------------------------------------------------------


@require_GET
@login_required
def m_home(request: HttpRequest) -> HttpResponse:
    """我的任务: cases assigned to me and those I logged; open first, special groups first, overdue marked."""
    page = _paginate(request, selectors.my_tasks(user=request.user))
    return render(request, "workflows/m/home.html", page_context(request, nav="tasks", page=page))


@require_GET
@login_required
def m_new(request: HttpRequest) -> HttpResponse:
    """Tap 1 of a new request: pick the category (only those with matters offered here)."""
    if not permissions.role_may_create(selectors.actor_role(request.user)):
        return render(request, "workflows/m/forbidden.html", page_context(request), status=403)
    present = set(selectors.intake_matters(user=request.user).values_list("category", flat=True))
    categories = [(value, label) for value, label in Matter.Category.choices if value in present]
    return render(
        request, "workflows/m/new_category.html", page_context(request, nav="new", categories=categories)
    )


@require_GET
@login_required
def m_new_matter(request: HttpRequest, category: str) -> HttpResponse:
    """Tap 2: pick the matter; each shows its full materials list (一次性告知) and time limit."""
    if not permissions.role_may_create(selectors.actor_role(request.user)):
        return render(request, "workflows/m/forbidden.html", page_context(request), status=403)
    labels = dict(Matter.Category.choices)
    if category not in labels:
        raise Http404("没有这个类别。")
    matters = list(selectors.intake_matters(user=request.user).filter(category=category))
    return render(
        request,
        "workflows/m/new_matter.html",
        page_context(request, nav="new", category=category, category_label=labels[category], matters=matters),
    )


@require_http_methods(["GET", "POST"])
@login_required
def m_new_form(request: HttpRequest, matter_code: str) -> HttpResponse:
    """Tap 3: the form. ``step=lookup`` (no-JS) fills name/address/groups from the phone's history;
    ``step=create`` logs the case through ``intake_services.case_create``."""
    if not permissions.role_may_create(selectors.actor_role(request.user)):
        return render(request, "workflows/m/forbidden.html", page_context(request), status=403)
    matter = selectors.intake_matters(user=request.user).filter(code=matter_code).first()
    if matter is None:
        raise Http404("没有这个事项。")
    site_choices = intake_site_choices(request)
    if not site_choices:
        return render(request, "workflows/m/forbidden.html", page_context(request), status=403)
    status = 200
    error = ""
    prefilled = False
    if request.method == "POST" and request.POST.get("step") == "lookup":
        lookup = wf_forms.PhoneLookupForm(request.POST)
        initial: dict[str, Any] = {
            k: request.POST.get(k, "")
            for k in ("resident_phone", "resident_name", "address", "description", "site")
        }
        initial["special_groups"] = request.POST.getlist("special_groups")
        if lookup.is_valid():
            found = selectors.case_prefill(phone=lookup.cleaned_data["resident_phone"], user=request.user)
            if found:
                prefilled = True
                initial["resident_name"] = initial["resident_name"] or found.get("resident_name", "")
                initial["address"] = initial["address"] or found.get("address", "")
                initial["special_groups"] = initial["special_groups"] or found.get("special_groups", [])
                site_id = str(found.get("site_id") or "")
                if not initial["site"] and site_id in {c[0] for c in site_choices}:
                    initial["site"] = site_id
            form = wf_forms.CaseCreateForm(initial=initial, site_choices=site_choices)
            if not found:
                messages.info(request, "没有该号码的办理记录，请填写居民信息。")
        else:
            form = wf_forms.CaseCreateForm(initial=initial, site_choices=site_choices)
            error = "; ".join(str(e) for e in lookup.errors.get("resident_phone", [])) or "请输入手机号。"
            status = 400
    elif request.method == "POST":
        form = wf_forms.CaseCreateForm(request.POST, site_choices=site_choices)
        if form.is_valid():
            data = form.cleaned_data
            site = Site.objects.get(pk=data["site"])
            try:
                # The worker's grid at that site (or the resident's earlier one) helps suggest a nearby agent.
                grid = selectors.intake_grid(user=request.user, site=site, phone=data["resident_phone"])
                case = case_create(
                    actor=request.user,
                    site=site,
                    matter=matter,
                    resident_name=data["resident_name"],
                    resident_phone=data["resident_phone"],
                    address=data["address"],
                    description=data["description"],
                    channel=Case.Channel.DOORSTEP,
                    special_groups=list(data["special_groups"]),
                    grid=grid,
                )
            except ApplicationError as exc:
                if exc.status == 404:
                    raise Http404(exc.message) from exc
                error, status = exc.message, exc.status
            except DjangoValidationError as exc:
                form_add_validation_error(form, exc)
                status = 400
            else:
                messages.success(request, f"已登记：{case.case_no}")
                return HttpResponseRedirect(reverse("workflows:m-case", args=[case.case_no]))
        else:
            status = 400
    else:
        initial = {}
        phone = request.GET.get("phone", "")
        if phone:
            initial["resident_phone"] = phone[:32]
        form = wf_forms.CaseCreateForm(initial=initial, site_choices=site_choices)
    return render(
        request,
        "workflows/m/new_form.html",
        page_context(
            request,
            nav="new",
            matter=matter,
            category_label=matter.get_category_display(),
            form=form,
            error=error,
            prefilled=prefilled,
            # offline.js queues the form with the API's site codes when there is no network
            site_codes={str(s.pk): s.code for s in selectors.intake_sites(user=request.user)},
        ),
        status=status,
    )


@require_GET
@login_required
def m_prefill(request: HttpRequest) -> JsonResponse:
    """JSON twin of the lookup step for ``mobile.js``: ``{found, resident_name, address, special_groups}``."""
    if not permissions.role_may_create(selectors.actor_role(request.user)):
        return JsonResponse({"message": "无权操作。", "extra": {}}, status=403)
    data = selectors.case_prefill(phone=request.GET.get("phone", "")[:32], user=request.user)
    return JsonResponse(
        {
            "found": bool(data),
            "resident_name": data.get("resident_name", ""),
            "address": data.get("address", ""),
            "special_groups": data.get("special_groups", []),
        }
    )


def _case_page(
    request: HttpRequest,
    case: Case,
    *,
    ui: str,
    bound: dict[str, wf_forms._ActionForm] | None = None,
    error: str = "",
    error_action: str = "",
    status: int = 200,
    permit: selectors.CasePermit | None = None,
) -> HttpResponse:
    """Render the case with its timeline and a form for each action the person may take now (``permit``:
    the request's, when it evaluated one already)."""
    permit = (
        permit.for_case(case) if permit is not None else selectors.case_permit(user=request.user, case=case)
    )
    events = list(selectors.case_timeline(case).select_related("actor"))
    allowed = permit.allowed_actions(case, events)
    allowed = [a for a in CASE_ACTIONS if a in allowed]
    suggestions = selectors.agent_suggestions(case=case) if "assign" in allowed else []
    if error_action and error_action not in allowed:
        # the step is no longer offered (someone else moved the case): show why at the top of the page
        error = error or "操作未完成，请刷新后重试。"
        error_action = ""
    action_forms = []
    for action in allowed:
        spec = CASE_ACTIONS[action]
        form = (bound or {}).get(action) or spec.form.for_case(case, prefix=action, suggestions=suggestions)
        action_forms.append(
            {
                "name": action,
                "label": spec.label,
                "form": form,
                "url": reverse(f"workflows:{ui}-case-action", args=[case.case_no, action]),
                "danger": spec.danger,
                "open": action == (error_action or allowed[0]),
                "error": error if action == error_action else "",
            }
        )
    is_agent = permit.assigned
    is_staff = permit.role in permissions.STAFF_ROLES
    # The assigned agent calls the resident before the visit: full number. Staff reveal it on request;
    # everyone else sees it masked. Every view of the full number is audited (PIPL). The ID number is never
    # needed on these pages.
    reveal_reason = selectors.resident_phone_view_reason(
        is_staff=is_staff, is_assigned_agent=is_agent, reveal_requested=request.GET.get("reveal") == "phone"
    )
    if reveal_reason:
        services.case_phone_view_record(
            actor=request.user, case=case, reason=reveal_reason, ip=client_ip_or_none(request)
        )
    show_full_phone = bool(reveal_reason)
    _decorate_cases([case])
    template = "workflows/m/case.html" if ui == "m" else "workflows/staff/case.html"
    return render(
        request,
        template,
        page_context(
            request,
            nav="tasks" if ui == "m" else "cases",
            case=case,
            events=events,
            action_forms=action_forms,
            page_error=error if error and not error_action else "",
            phone_display=case.resident_phone.as_national
            if show_full_phone
            else mask_phone(case.resident_phone),
            phone_tel=str(case.resident_phone.as_e164) if show_full_phone else "",
            may_reveal=is_staff and not show_full_phone,
            id_masked=mask_id_number(case.id_number),
            is_agent=is_agent,
            ui=ui,
        ),
        status=status,
    )


@require_GET
@login_required
def m_case(request: HttpRequest, case_no: str) -> HttpResponse:
    case, permit = _get_case_with_permit(request, case_no)
    return _case_page(request, case, ui="m", permit=permit)


def _refusal(case: Case, action: str, permit: selectors.CasePermit) -> ApplicationError | None:
    """Before validating a form: may this person take ``action`` now? (403 role, 409 state). A stale page
    then gets the real reason, not a form error. The service checks the status again under the lock."""
    try:
        permit.require(case=case, action=action)
    except ApplicationError as exc:
        return exc
    return None


@require_POST
@login_required
def case_action(request: HttpRequest, case_no: str, action: str, ui: str = "m") -> HttpResponse:
    """POST one step (``visit``, ``assign``, …) → the service → redirect back to the case (PRG)."""
    spec = CASE_ACTIONS.get(action)
    if spec is None:
        raise Http404("没有这个操作。")
    if ui == "staff" and selectors.actor_role(request.user) not in permissions.STAFF_ROLES:
        return render(request, "workflows/m/forbidden.html", page_context(request), status=403)
    case, permit = _get_case_with_permit(request, case_no)  # who the person is to the case: once per request
    refusal = _refusal(case, action, permit)
    if refusal is not None:
        return _case_page(request, case, ui=ui, error=refusal.message, status=refusal.status, permit=permit)
    form = spec.form.for_case(case, request.POST, prefix=action)
    if not form.is_valid():
        return _case_page(
            request, case, ui=ui, bound={action: form}, error_action=action, status=400, permit=permit
        )
    try:
        spec.run(actor=request.user, case=case, permit=permit, **form.service_kwargs())
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        case.refresh_from_db()
        return _case_page(
            request,
            case,
            ui=ui,
            bound={action: form},
            error=exc.message,
            error_action=action,
            status=exc.status,
            permit=permit,
        )
    except DjangoValidationError as exc:
        form_add_validation_error(form, exc)
        return _case_page(
            request, case, ui=ui, bound={action: form}, error_action=action, status=400, permit=permit
        )
    messages.success(request, f"已{spec.label}。")
    return HttpResponseRedirect(reverse(f"workflows:{ui}-case", args=[case.case_no]))


# --- station staff pages (/staff/) ------------------------------------------------------------------------


@require_GET
@staff_required
def staff_queue(request: HttpRequest) -> HttpResponse:
    """Unassigned new cases of the staff member's sites: special groups first, then oldest first."""
    page = _paginate(request, selectors.staff_queue(user=request.user))
    return render(request, "workflows/staff/queue.html", page_context(request, nav="queue", page=page))


@require_GET
@staff_required
def staff_case(request: HttpRequest, case_no: str) -> HttpResponse:
    case, permit = _get_case_with_permit(request, case_no)
    return _case_page(request, case, ui="staff", permit=permit)
