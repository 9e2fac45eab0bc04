"""Showcase pages: public lists per district and town, a shareable case page, the resident's consent link,
and the staff pages to propose, record consent and (town) publish."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from agency.roles import STAFF_ROLES
from core.exceptions import ApplicationError
from showcase import selectors, services
from showcase.models import TypicalCase
from workflows.permissions import REVIEW_ROLES
from workflows.selectors import actor_role, cases_visible_to

T = TypeVar("T")

# --- public -------------------------------------------------------------------------------------------


def _public_or_404(call: Callable[[], T]) -> T:
    try:
        return call()
    except ApplicationError as exc:
        raise Http404(exc.message)


def district_page(request: HttpRequest) -> HttpResponse:
    cases = list(selectors.published()[:100])
    towns = list(selectors.towns_with_cases())
    return render(request, "showcase/list.html", {"cases": cases, "towns": towns, "town": None})


def town_page(request: HttpRequest, code: str) -> HttpResponse:
    town = _public_or_404(lambda: selectors.town_get(code))
    cases = list(selectors.published(town=town)[:100])
    return render(request, "showcase/list.html", {"cases": cases, "towns": [], "town": town})


def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    typical = _public_or_404(lambda: selectors.published_get(pk))
    share_url = request.build_absolute_uri()
    return render(request, "showcase/detail.html", {"t": typical, "share_url": share_url})


@require_http_methods(["GET", "POST"])
def consent_page(request: HttpRequest, token: str) -> HttpResponse:
    """The resident reads exactly what would be published and agrees or not (no login: the signed link)."""
    typical = _public_or_404(lambda: services.typical_case_from_token(token))
    done = ""
    if request.method == "POST":
        answer = request.POST.get("answer")
        if answer not in {"agree", "refuse"}:
            return render(
                request, "showcase/consent.html", {"t": typical, "error": "请选择同意或不同意。"}, status=400
            )
        typical = services.typical_case_consent_answer(token=token, agree=answer == "agree")
        done = answer
    return render(request, "showcase/consent.html", {"t": typical, "done": done})


# --- staff --------------------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> str:
    role = actor_role(request.user)
    if role not in STAFF_ROLES:
        raise PermissionDenied("只有工作人员可以推荐和审核典型案例。")
    return str(role)


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    role = _staff(request)
    context = {
        "candidates": selectors.candidates_for(request.user),
        "proposals": list(selectors.proposals_for(request.user)[:200]),
        "may_review": role in REVIEW_ROLES,
        "nav": "showcase",
    }
    return render(request, "showcase/staff_home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def staff_propose(request: HttpRequest, case_no: str) -> HttpResponse:
    _staff(request)
    case = get_object_or_404(cases_visible_to(request.user), case_no=case_no)
    values = {k: request.POST.get(k, "") for k in ("title", "story", "what_worked")}
    error, status = "", 200
    if request.method == "POST":
        try:
            typical = services.typical_case_propose(actor=request.user, case=case, **values)
        except ApplicationError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect("showcase:staff-detail", pk=typical.pk)
    context = {"case": case, "values": values, "error": error, "nav": "showcase"}
    return render(request, "showcase/staff_propose.html", context, status=status)


def _typical_in_scope(request: HttpRequest, pk: int) -> TypicalCase:
    return get_object_or_404(selectors.proposals_for(request.user), pk=pk)


def _detail(
    request: HttpRequest, typical: TypicalCase, *, error: str = "", status: int = 200
) -> HttpResponse:
    role = actor_role(request.user)
    context = {
        "t": typical,
        "error": error,
        "may_review": role in REVIEW_ROLES,
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "nav": "showcase",
    }
    return render(request, "showcase/staff_detail.html", context, status=status)


@login_required
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    return _detail(request, _typical_in_scope(request, pk))


def _parse_at(raw: str) -> dt.datetime | None:
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ApplicationError("同意时间格式不正确。", {"field": "at"}, status=400)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@login_required
@require_POST
def staff_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _staff(request)
    typical = _typical_in_scope(request, pk)
    post = request.POST
    try:
        if action == "edit":
            services.typical_case_edit(
                actor=request.user,
                typical=typical,
                title=post.get("title", ""),
                story=post.get("story", ""),
                what_worked=post.get("what_worked", ""),
            )
        elif action == "consent-sms":
            services.typical_case_consent_request(actor=request.user, typical=typical)
        elif action == "consent-verbal":
            services.typical_case_consent_verbal(
                actor=request.user,
                typical=typical,
                given_by=post.get("given_by", ""),
                at=_parse_at(post.get("at", "")),
            )
        elif action == "publish":
            services.typical_case_publish(actor=request.user, typical=typical, note=post.get("note", ""))
        elif action == "return":
            services.typical_case_return(actor=request.user, typical=typical, note=post.get("note", ""))
        else:
            raise Http404("未知操作")
    except ApplicationError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message)
        typical.refresh_from_db()
        return _detail(request, typical, error=exc.message, status=exc.status)
    return redirect("showcase:staff-detail", pk=typical.pk)
