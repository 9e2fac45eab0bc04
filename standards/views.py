"""Pages: /standards/ (campaign), /standards/export.xlsx, /standards/<code>/ (assessment) and its review.

Scope is the standards role's: a site outside it is 404 (no existence leak), a role that may see but not act
is 403. Bad input re-renders the page with the message and the service's status (400/403/409).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agency.models import Site
from core.exceptions import ApplicationError
from standards import selectors, services
from standards.exports import campaign_xlsx
from standards.facts import site_facts
from standards.models import Assessment, Evidence
from standards.presenters import rows_view
from standards.standing import standing_view
from standards.tiers import ATTENDANCE, table_load, tier_label

_STAFFING_FIELDS = ("full_time", "part_time", "establishment_defined", "cadre_in_charge", "attendance")


def _require_role(request: HttpRequest) -> str:
    role = selectors.standards_role(request.user)
    if not role:
        raise PermissionDenied(
            "无权查看"
        )  # the shared Chinese 403 page (a role question, not a missing page)
    return role


@login_required
@require_GET
def campaign_page(request: HttpRequest) -> HttpResponse:
    """Every center and station in scope: approved tier, date, gaps; progress to the policy's target."""
    _require_role(request)
    rows = selectors.campaign_rows(request.user)
    district, towns = selectors.campaign_progress(rows)
    return render(request, "standards/campaign.html", {"district": district, "towns": towns, "rows": rows})


@login_required
@require_GET
def campaign_export(request: HttpRequest) -> HttpResponse:
    _require_role(request)
    rows = selectors.campaign_rows(request.user)
    district, towns = selectors.campaign_progress(rows)
    response = HttpResponse(
        campaign_xlsx(rows=rows, district=district, towns=towns),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"standards-campaign-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _loose_answers(raw: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """What the person typed, unvalidated, so a refused form comes back as they left it."""
    out: dict[str, dict[str, Any]] = {}
    for name, values in raw.items():
        key, _, part = name.partition("-")
        if part == "value":
            out.setdefault(key, {})["value"] = values[-1] if values else ""
        elif part in ("items", "leaders"):
            out.setdefault(key, {})[part] = list(values)
        elif key == "staffing" and part in _STAFFING_FIELDS:
            out.setdefault(key, {})[part] = values[-1] if values else ""
    return out


def _render_site(
    request: HttpRequest,
    site: Site,
    *,
    status: int = 200,
    error: str = "",
    raw: dict[str, list[str]] | None = None,
) -> HttpResponse:
    table = table_load(site.kind)
    pending = selectors.pending_assessment(site)
    latest = selectors.latest_assessment(site)
    can_submit = selectors.can_submit(request.user, site) and pending is None
    shown: Assessment | None = pending or latest
    facts = site_facts(site)
    context: dict[str, Any] = {
        "site": site,
        # approved, and lowered to what the record supports (standards.standing); one badge, not two tiers
        "standing": standing_view(getattr(site, "standing", None), facts),
        "pending": pending,
        "shown": shown,
        "can_submit": can_submit,
        "can_review": pending is not None and selectors.can_review(request.user, site),
        "history": selectors.site_history(site)[:50],
        "error": error,
        "attendance_modes": ATTENDANCE,
        "tier_label": tier_label,
    }
    if shown is not None:
        photos = {e.row_key: e.pk for e in shown.evidence.all()}
        context["shown_rows"] = rows_view(
            table, shown.answers, None, (shown.system or {}).get("warnings", {}), photos
        )
        context["shown_verified"] = (shown.system or {}).get("verified", {})
        context["shown_label"] = tier_label(shown.computed_tier)
    if can_submit:
        start = _loose_answers(raw) if raw is not None else (latest.answers if latest is not None else {})
        context["form_rows"] = rows_view(table, start, facts, facts.warnings(start), {})
    return render(request, "standards/site.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def site_page(request: HttpRequest, code: str) -> HttpResponse:
    """A site's assessment: the form (station/town staff), the submission under review, history."""
    _require_role(request)
    site = get_object_or_404(
        selectors.sites_in_scope(request.user).select_related("standing__assessment"), code=code
    )
    if request.method == "GET":
        return _render_site(request, site)
    raw = {name: request.POST.getlist(name) for name in request.POST if name != "csrfmiddlewaretoken"}
    photos = {}
    for name in request.FILES:
        upload = request.FILES.get(name)
        if upload is not None and upload.size:  # an empty file input sends nothing worth checking
            photos[name.removesuffix("-photo")] = upload
    try:
        services.assessment_submit(actor=request.user, site=site, raw=raw, photos=photos)  # type: ignore[arg-type]
    except ApplicationError as exc:
        return _render_site(request, site, status=exc.status, error=exc.message, raw=raw)
    messages.success(request, "自评已提交，等待审核。")
    return redirect("standards-site", code=site.code)


@login_required
@require_POST
def review(request: HttpRequest, code: str) -> HttpResponse:
    """通过 (``decision=approve``) or 退回 (``decision=return`` with ``reason``) the pending submission."""
    _require_role(request)
    site = get_object_or_404(
        selectors.sites_in_scope(request.user).select_related("standing__assessment"), code=code
    )
    if not selectors.can_review(request.user, site):
        return _render_site(request, site, status=403, error="无权审核该站点的自评。")
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "return"):
        return _render_site(request, site, status=400, error="请选择“通过”或“退回”。")
    pending = selectors.pending_assessment(site)
    if pending is None:
        return _render_site(request, site, status=409, error="没有待审核的自评。")
    try:
        services.assessment_review(
            actor=request.user,  # type: ignore[arg-type]
            assessment=pending,
            approve=decision == "approve",
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as exc:
        return _render_site(request, site, status=exc.status, error=exc.message)
    messages.success(request, "已审核通过。" if decision == "approve" else "已退回。")
    return redirect("standards-site", code=site.code)


@login_required
@require_GET
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence photo, only to staff whose scope holds the site."""
    _require_role(request)
    evidence = get_object_or_404(
        Evidence.objects.select_related("assessment"),
        pk=pk,
        assessment__site__in=selectors.sites_in_scope(request.user),
    )
    response = FileResponse(evidence.photo.open("rb"), content_type=evidence.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
