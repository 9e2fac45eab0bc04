"""一件事 pages: the public catalog and guide, the intake form (/m/bundles/), a parent's progress page.

Thin: read through ``bundles.selectors``, write through ``bundles.services``; the intake form is the case
intake's own form (``workflows.forms.CaseCreateForm``), so the two ask for the same things the same way.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from agency import selectors as agency_selectors
from agency.models import Matter, Site
from agency.selectors import user_site_ids
from bundles import selectors, services
from core.exceptions import ApplicationError
from workflows import forms as wf_forms
from workflows import permissions
from workflows import selectors as case_selectors
from workflows.models import Case
from workflows.selectors import CasePermit
from workflows.views import form_add_validation_error, intake_site_choices, page_context


@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    """``/bundles/?site=CODE``: the published 一件事目录 (of one site)."""
    site = None
    code = request.GET.get("site", "")[:32]
    if code:
        site = Site.objects.filter(code=code, is_active=True).first()
        if site is None:
            raise Http404("没有这个站点。")
    cards = [selectors.bundle_card(b) for b in selectors.bundles_published(site=site)]
    return render(request, "bundles/catalog.html", {"cards": cards, "site": site})


@require_GET
def guide(request: HttpRequest, code: str) -> HttpResponse:
    """``/bundles/<code>/``: one bundle's guide — members in order, merged materials, the time limit."""
    bundle = selectors.bundles_published().filter(code=code[:32]).first()
    if bundle is None:
        raise Http404("没有这个一件事。")
    sites = list(bundle.sites.filter(is_active=True).order_by("code"))
    return render(request, "bundles/guide.html", {"card": selectors.bundle_card(bundle), "sites": sites})


@login_required
def intake(request: HttpRequest, code: str) -> HttpResponse:
    """``/m/bundles/<code>/``: log a 一件事 for a resident (grid workers at the door, staff at the window)."""
    if not permissions.role_may_create(case_selectors.actor_role(request.user)):
        return render(request, "workflows/m/forbidden.html", page_context(request), status=403)
    bundle = selectors.bundles_published().filter(code=code[:32]).first()
    if bundle is None:
        raise Http404("没有这个一件事。")
    offered = {str(pk) for pk in bundle.sites.values_list("pk", flat=True)}
    site_choices = [c for c in intake_site_choices(request) if c[0] in offered]
    if not site_choices:
        return render(request, "workflows/m/forbidden.html", page_context(request), status=403)
    status, error = 200, ""
    if request.method == "POST":
        form = wf_forms.CaseCreateForm(request.POST, site_choices=site_choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                parent = services.bundle_intake(
                    actor=request.user,
                    site=Site.objects.get(pk=data["site"]),
                    bundle=bundle,
                    resident_name=data["resident_name"],
                    resident_phone=data["resident_phone"],
                    address=data["address"],
                    description=data["description"],
                    channel=Case.Channel.DOORSTEP,
                    special_groups=list(data["special_groups"]),
                )
            except ApplicationError as exc:
                error, status = exc.message, exc.status
            except DjangoValidationError as exc:
                form_add_validation_error(form, exc)
                status = 400
            else:
                messages.success(request, f"已登记一件事：{parent.case_no}")
                return HttpResponseRedirect(reverse("bundles:case", args=[parent.case_no]))
        else:
            status = 400
    else:
        form = wf_forms.CaseCreateForm(site_choices=site_choices)
    # site pk → code: offline, the page queues what was typed for the bundle intake API, which takes codes
    site_codes = dict(
        Site.objects.filter(pk__in=[int(pk) for pk, _ in site_choices]).values_list("pk", "code")
    )
    ctx = page_context(
        request,
        nav="new",
        card=selectors.bundle_card(bundle),
        form=form,
        error=error,
        site_codes={str(pk): code for pk, code in site_codes.items()},
    )
    return render(request, "bundles/intake.html", ctx, status=status)


@login_required
def intake_list(request: HttpRequest) -> HttpResponse:
    """``/m/bundles/``: the bundles the worker's sites offer."""
    ids = user_site_ids(request.user)
    bundles = selectors.bundles_published()
    if ids is not None:
        bundles = bundles.filter(sites__in=ids).distinct()
    cards = [selectors.bundle_card(b) for b in bundles]
    return render(request, "bundles/intake_list.html", page_context(request, nav="new", cards=cards))


def _add_or_drop(request: HttpRequest, parent: Case, permit: CasePermit) -> tuple[str, int]:
    """Add a member to ``parent`` or drop one, with the permit the page evaluated on the parent (404/403
    before the form is read, like the API views; the service checks the state under the lock with it). A
    member is a case of its own, named in the form: its permit is evaluated once by ``bundle_drop_check``
    and passed along to the service."""
    what = request.POST.get("op")
    reason = request.POST.get("reason", "")
    if what == "add":
        services.bundle_add_check(actor=request.user, parent=parent, permit=permit)
        matter = Matter.objects.filter(code=request.POST.get("matter", "")[:32], is_active=True).first()
        if matter is None:
            return "请选择要增加的事项。", 400
        services.bundle_child_add(
            actor=request.user, parent=parent, matter=matter, reason=reason, permit=permit
        )
        return "", 200
    child = Case.objects.filter(bundle_parent=parent, case_no=request.POST.get("child", "")[:32]).first()
    if child is None:
        return "没有这个子事项。", 400
    child_permit = services.bundle_drop_check(actor=request.user, child=child)
    services.bundle_child_drop(
        actor=request.user, child=child, reason=reason, action=str(what), permit=child_permit
    )
    return "", 200


@login_required
def case_page(request: HttpRequest, case_no: str) -> HttpResponse:
    """``/m/bundles/case/<case_no>/``: a parent's members and progress; staff add or drop a member here."""
    try:
        # who the person is to the 一件事, evaluated once for the request and passed along to the service
        parent, permit = case_selectors.case_get_with_permit(user=request.user, case_no=case_no)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc
    if not hasattr(parent, "bundle_case"):
        raise Http404("该案件不是一件事。")
    status, error = 200, ""
    if request.method == "POST":
        try:
            error, status = _add_or_drop(request, parent, permit)
        except ApplicationError as exc:
            error, status = exc.message, exc.status
        except DjangoValidationError as exc:
            error, status = "；".join(m for msgs in exc.message_dict.values() for m in msgs), 400
        if not error:
            messages.success(request, "已更新。")
            return HttpResponseRedirect(request.path)
        parent.refresh_from_db()
    children = selectors.bundle_children(parent)
    ctx: dict[str, Any] = page_context(
        request,
        parent=parent,
        children=children,
        shown_status=selectors.bundle_shown_status(parent, children),
        progress=selectors.bundle_progress(parent),
        matters=agency_selectors.matter_list_public(),
        error=error,
    )
    return render(request, "bundles/case.html", ctx, status=status)
