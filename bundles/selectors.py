"""Reads of 一件事: the published catalog per site, one intake's progress, the oversight figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from agency.models import Site
from bundles.models import Bundle, BundleCase, BundleMember
from bundles.services import merged_materials
from core.labels import choice_label
from oversight.stats import Period, Scope
from workflows.bundle_progress import bundle_display_status, bundle_progress_label
from workflows.models import Case

OPEN = sorted(Case.Status.OPEN)  # type: ignore[attr-defined]


def bundles_published(*, site: Site | None = None) -> QuerySet[Bundle]:
    """Active bundles (of one site if given), with members, their matters and dependencies prefetched."""
    qs = Bundle.objects.filter(is_active=True, matter__isnull=False)
    if site is not None:
        qs = qs.filter(sites=site)
    members = (
        BundleMember.objects.select_related("matter").prefetch_related("depends_on").order_by("order", "id")
    )
    return qs.prefetch_related(Prefetch("members", queryset=members), "sites").order_by("sort_order", "code")


def bundle_card(bundle: Bundle) -> dict[str, Any]:
    """What the public page and API show of a bundle (members prefetched)."""
    members = list(bundle.members.all())
    return {
        "code": bundle.code,
        "name": bundle.name,
        "life_event": bundle.life_event,
        "summary": bundle.summary,
        "guide": bundle.guide,
        "time_limit_days": bundle.time_limit_days,
        "materials": merged_materials(m.matter for m in members),
        "members": [
            {
                "matter": m.matter.code,
                "name": m.matter.name,
                "order": m.order,
                "time_limit_days": m.matter.time_limit_days,
                "materials": list(m.matter.materials or []),
                "depends_on": [d.code for d in m.depends_on.all()],
            }
            for m in members
        ],
        "sites": [s.code for s in bundle.sites.all()],
    }


def site_page_section(site: Site) -> dict[str, Any]:
    """The 一件事 a site offers, for its roster and hall screen (``settings.SITE_PAGE_SECTIONS``)."""
    rows = (
        Bundle.objects.filter(is_active=True, sites=site)
        .annotate(n=Count("members"))
        .order_by("sort_order", "code")
    )
    return {
        "title": "一件事（一次申请、联办多个事项）",
        "items": [{"name": b.name, "detail": f"{b.n} 项联办，{b.time_limit_days} 个工作日"} for b in rows],
    }


def sites_bundle_names(site_ids: list[int]) -> dict[int, list[str]]:
    """For the service map: the 一件事 each site offers (one query for the page)."""
    out: dict[int, list[str]] = {}
    rows = Bundle.sites.through.objects.filter(site_id__in=site_ids, bundle__is_active=True).order_by(
        "bundle__sort_order", "bundle__code"
    )
    for site_id, name in rows.values_list("site_id", "bundle__name"):
        out.setdefault(site_id, []).append(name)
    return out


@dataclass
class ChildView:
    case_no: str
    matter: str
    status: str
    status_label: str
    due_at: dt.datetime | None
    waits_for: list[str]


def bundle_children(parent: Case) -> list[ChildView]:
    """A parent case's members in order, with what each waits for."""
    holder = BundleCase.objects.filter(case=parent).first()
    if holder is None:
        return []
    rows = list(holder.children.select_related("case", "case__matter").order_by("order", "id"))
    names = {r.case.matter_id: r.case.matter.name for r in rows}
    return [
        ChildView(
            case_no=r.case.case_no,
            matter=r.case.matter.name,
            status=r.case.status,
            status_label=str(r.case.get_status_display()),
            due_at=r.case.due_at,
            waits_for=[names.get(m, "") for m in r.waits_for or []],
        )
        for r in rows
    ]


def bundle_progress(parent: Case) -> str:
    return bundle_progress_label(Case.objects.filter(bundle_parent=parent).values_list("status", flat=True))


def bundle_shown_status(parent: Case, children: list[ChildView]) -> tuple[str, str]:
    """(status, label) a parent shows a person: derived from its members (``bundle_display_status``), not
    the stored one, which the bundle services write (issue 26: not 已报送 while a member is 待分派)."""
    shown = bundle_display_status((c.status for c in children), own=parent.status)
    return shown, choice_label(Case.Status, shown)


def bundle_stats(*, scope: Scope, period: Period, now: dt.datetime | None = None) -> dict[str, Any]:
    """Bundles beside single matters: received, open, completed, on-time rate (per bundle and in total).

    A bundle counts once (its parent case); ``single`` counts cases that are neither a parent nor a
    member, so the two add up to the requests residents made.
    """
    now = now or timezone.now()
    parents = BundleCase.objects.filter(scope.q("case__site_id"))
    received = parents.filter(period.q("case__created_at"))
    done_q = period.q("case__completed_at") & Q(case__completed_at__isnull=False)
    on_time = Q(case__due_at__isnull=True) | Q(case__completed_at__lte=F("case__due_at"))
    by_bundle = list(
        parents.filter(period.q("case__created_at") | done_q)
        .values("bundle__code", "bundle__name")
        .annotate(
            received=Count("id", filter=period.q("case__created_at")),
            open=Count("id", filter=period.q("case__created_at") & Q(case__status__in=OPEN)),
            completed=Count("id", filter=done_q),
            on_time=Count("id", filter=done_q & on_time),
        )
        .order_by("bundle__code")
    )
    rows = [
        {
            "bundle": r["bundle__code"],
            "name": r["bundle__name"],
            "received": r["received"],
            "open": r["open"],
            "completed": r["completed"],
            "on_time_rate": round(r["on_time"] / r["completed"], 4) if r["completed"] else None,
        }
        for r in by_bundle
    ]
    completed = sum(r["completed"] for r in by_bundle)
    on_time_n = sum(r["on_time"] for r in by_bundle)
    single = Case.objects.filter(
        scope.q(), period.q("created_at"), bundle_parent__isnull=True, bundle_case__isnull=True
    )
    single_done = Case.objects.filter(
        scope.q(),
        period.q("completed_at"),
        completed_at__isnull=False,
        bundle_parent__isnull=True,
        bundle_case__isnull=True,
    ).aggregate(
        n=Count("id"), on_time=Count("id", filter=Q(due_at__isnull=True) | Q(completed_at__lte=F("due_at")))
    )
    return {
        "bundles": {
            "received": received.count(),
            "completed": completed,
            "on_time_rate": round(on_time_n / completed, 4) if completed else None,
        },
        "single": {
            "received": single.count(),
            "completed": single_done["n"],
            "on_time_rate": round(single_done["on_time"] / single_done["n"], 4) if single_done["n"] else None,
        },
        "by_bundle": rows,
    }
