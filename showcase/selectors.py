"""Reads of the showcase: published cases (public), candidates and proposals (staff, in scope)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from agency.models import Site
from agency.selectors import user_site_ids
from core.exceptions import ApplicationError
from residents.models import Rating
from showcase.models import TypicalCase
from workflows.models import Case
from workflows.selectors import cases_visible_to


def published(*, town: Site | None = None) -> QuerySet[TypicalCase]:
    qs = TypicalCase.objects.filter(status=TypicalCase.Status.PUBLISHED).select_related("site", "town")
    if town is not None:
        qs = qs.filter(town=town)
    return qs.order_by("-published_at", "-id")


def published_get(pk: int) -> TypicalCase:
    typical = published().filter(pk=pk).first()
    if typical is None:
        raise ApplicationError("未找到该典型案例。", status=404)
    return typical


def towns_with_cases() -> QuerySet[Site]:
    has = TypicalCase.objects.filter(town=OuterRef("pk"), status=TypicalCase.Status.PUBLISHED)
    return Site.objects.filter(kind=Site.Kind.CENTER, is_active=True).filter(Exists(has)).order_by("code")


def town_get(code: str) -> Site:
    town = Site.objects.filter(kind=Site.Kind.CENTER, is_active=True, code=code).first()
    if town is None:
        raise ApplicationError("未找到该镇（街道）。", status=404)
    return town


def candidates_for(user: Any, *, limit: int = 50) -> list[Case]:
    """Completed/closed cases in scope, latest counted rating 非常满意, not yet proposed."""
    latest = Rating.objects.filter(case=OuterRef("pk"), excluded=False).order_by("-created_at", "-id")
    return list(
        cases_visible_to(user)
        .filter(status__in=[Case.Status.COMPLETED, Case.Status.CLOSED])
        .annotate(latest_rating=Subquery(latest.values("value")[:1]))
        .filter(latest_rating=Rating.Value.VERY_SATISFIED)
        .exclude(Exists(TypicalCase.objects.filter(case=OuterRef("pk"))))
        .order_by("-completed_at", "-id")[:limit]
    )


def proposals_for(user: Any) -> QuerySet[TypicalCase]:
    """Typical cases of sites in the user's scope (district admin: all)."""
    qs = TypicalCase.objects.select_related("site", "town", "case").order_by("status", "-proposed_at", "-id")
    site_ids = user_site_ids(user)
    if site_ids is None:
        return qs
    return qs.filter(site_id__in=sorted(site_ids))
