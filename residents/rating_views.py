"""Staff pages of the 好差评 bad-rating loop (``/staff/ratings/``): list, detail, and the four steps.

Thin views over the same services the API (``residents.api.ratings``) calls: call-back (回访),
rectification report (整改情况), appeal (申诉) and its decision. Scope and role are the services' rules:
a rating outside the caller's sites answers 404, a role that may not act 403, a wrong state 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from agency.models import Agent
from agency.selectors import user_role
from core.exceptions import ApplicationError
from core.masking import mask_name
from residents import selectors as resident_selectors
from residents import services as resident_services
from residents import staff_scope
from residents.models import Appeal, Rating, bad_rating_q
from workflows.views import page_context, staff_required

PAGE_SIZE = 20


# --- forms (parse only; the services hold the rules) -------------------------------------------------------


def _textarea(label: Any, max_length: int, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows}), strip=True
    )


class CallbackForm(forms.Form):
    reached = forms.TypedChoiceField(
        label=_("是否联系上群众"),
        choices=[("1", _("已联系上")), ("0", _("未联系上"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    note = _textarea(_("回访情况"), 2000)


class RectifyForm(forms.Form):
    report = _textarea(_("整改情况"), 4000, rows=4)


class AppealForm(forms.Form):
    reason = _textarea(_("申诉理由（认为评价恶意或与服务无关）"), 2000)


class AppealDecideForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("审核结论"),
        choices=[("1", _("申诉成立（该评价不计入统计）")), ("0", _("申诉不成立"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("审核意见"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        strip=True,
    )


STEPS: dict[str, tuple[str, type[forms.Form]]] = {
    "callback": ("登记回访", CallbackForm),
    "rectify": ("报告整改情况", RectifyForm),
    "appeal": ("提出申诉", AppealForm),
    "decide": ("审核申诉", AppealDecideForm),
}


# --- reads ------------------------------------------------------------------------------------------------


@dataclass
class RatingRow:
    """A rating with the loop's state worked out for display (no extra queries: prefetched)."""

    rating: Rating
    resident_name: str
    has_callback: bool
    rectified: bool
    callback_overdue: bool
    rectify_overdue: bool
    appeal: Appeal | None


def _bad_ratings(request: HttpRequest) -> QuerySet[Rating]:
    return (
        resident_selectors.ratings_visible_to(request.user)
        .filter(bad_rating_q())
        .select_related("case__matter")
        .prefetch_related("appeals")
    )


def _row(rating: Rating) -> RatingRow:
    now = timezone.now()
    has_callback = bool(list(rating.callbacks.all()))
    rectified = hasattr(rating, "rectification")
    appeals = sorted(rating.appeals.all(), key=lambda a: (a.filed_at, a.pk))
    return RatingRow(
        rating=rating,
        resident_name=mask_name(rating.case.resident_name) if rating.case else "",
        has_callback=has_callback,
        rectified=rectified,
        callback_overdue=bool(not has_callback and rating.callback_due_at and rating.callback_due_at < now),
        rectify_overdue=bool(not rectified and rating.rectify_due_at and rating.rectify_due_at < now),
        appeal=appeals[-1] if appeals else None,
    )


def _rating_in_scope(request: HttpRequest, rating_id: int) -> Rating:
    rating = _bad_ratings(request).filter(pk=rating_id).first()
    if rating is None:
        raise Http404("未找到该评价。")
    return rating


# --- pages ------------------------------------------------------------------------------------------------


@require_GET
@staff_required
def ratings_list(request: HttpRequest) -> HttpResponse:
    """差评整改: bad ratings of the caller's sites, the open ones (not yet rectified) first."""
    qs = _bad_ratings(request)
    show = request.GET.get("show", "open")
    if show != "all":
        show = "open"
        qs = qs.filter(rectification__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_row(r) for r in page.object_list]
    return render(
        request,
        "residents/staff/ratings.html",
        page_context(request, nav="ratings", page=page, rows=rows, show=show),
    )


def _detail(
    request: HttpRequest,
    rating: Rating,
    *,
    bound: dict[str, forms.Form] | None = None,
    error: str = "",
    error_step: str = "",
    status: int = 200,
) -> HttpResponse:
    row = _row(rating)
    role = user_role(request.user)  # type: ignore[arg-type]
    pending = row.appeal is not None and row.appeal.status == Appeal.Status.PENDING
    offered = ["callback"]  # a call-back can be logged at any point of the loop, also after rectifying
    if not row.rectified:
        offered.append("rectify")
    if row.appeal is None and role == Agent.Kind.STATION_STAFF:
        offered.append("appeal")
    if pending and role in staff_scope.APPEAL_DECIDER_ROLES:
        offered.append("decide")
    if error_step and error_step not in offered:
        offered.append(error_step)  # show the refused form with its reason
    steps = [
        {
            "name": name,
            "label": STEPS[name][0],
            "form": (bound or {}).get(name) or STEPS[name][1](prefix=name),
            "url": reverse("staff_ratings:step", args=[rating.pk, name]),
            "error": error if name == error_step else "",
            "open": name == error_step,
        }
        for name in offered
    ]
    return render(
        request,
        "residents/staff/rating_detail.html",
        page_context(
            request,
            nav="ratings",
            row=row,
            rating=rating,
            callbacks=sorted(rating.callbacks.all(), key=lambda c: (c.at, c.pk)),
            appeals=sorted(rating.appeals.all(), key=lambda a: (a.filed_at, a.pk)),
            steps=steps,
        ),
        status=status,
    )


@require_GET
@staff_required
def rating_detail(request: HttpRequest, rating_id: int) -> HttpResponse:
    return _detail(request, _rating_in_scope(request, rating_id))


def _call_service(request: HttpRequest, rating: Rating, step: str, data: dict[str, Any]) -> str:
    """Run the step's service (the API's); returns the success message."""
    user = request.user
    if step == "callback":
        resident_services.rating_callback_log(
            actor=user, rating=rating, note=data["note"], reached=data["reached"]
        )
        return "已登记回访。"
    if step == "rectify":
        resident_services.rating_rectification_report(actor=user, rating=rating, report=data["report"])
        return "已报告整改情况。"
    if step == "appeal":
        resident_services.appeal_file(actor=user, rating=rating, reason=data["reason"])
        return "已提出申诉，等待审核。"
    appeal = rating.appeals.filter(status=Appeal.Status.PENDING).first()
    if appeal is None:
        # the role check first, as the API does: a station worker learns "not yours", not "nothing pending"
        staff_scope.require_staff_scope(actor=user, rating=rating, roles=staff_scope.APPEAL_DECIDER_ROLES)
        raise ApplicationError("该评价没有待审核的申诉。", {}, status=409)
    resident_services.appeal_decide(actor=user, appeal=appeal, accept=data["accept"], note=data["note"])
    return "已审核申诉。"


@require_POST
@staff_required
def rating_step(request: HttpRequest, rating_id: int, step: str) -> HttpResponse:
    """POST one step of the loop → its service → back to the rating (PRG); errors re-render the page."""
    if step not in STEPS:
        raise Http404("没有这个操作。")
    rating = _rating_in_scope(request, rating_id)
    form = STEPS[step][1](request.POST, prefix=step)
    if not form.is_valid():
        return _detail(request, rating, bound={step: form}, error_step=step, status=400)
    try:
        message = _call_service(request, rating, step, form.cleaned_data)
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        return _detail(
            request,
            _rating_in_scope(request, rating_id),
            bound={step: form},
            error=exc.message,
            error_step=step,
            status=exc.status,
        )
    except DjangoValidationError as exc:
        return _detail(
            request,
            _rating_in_scope(request, rating_id),
            bound={step: form},
            error="；".join(exc.messages),
            error_step=step,
            status=400,
        )
    messages.success(request, message)
    return HttpResponseRedirect(reverse("staff_ratings:detail", args=[rating.pk]))
