"""Reads of the 好差评 upward outbox: the oversight dashboard's figure."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from upward.models import UpwardRecord


def upward_figures(*, site_ids: frozenset[int] | None) -> dict[str, Any]:
    """Reported, pending and refused records (with the endpoint's reasons, latest first) in ``site_ids``
    (``None``: every site)."""
    rows = UpwardRecord.objects.all()
    if site_ids is not None:
        rows = rows.filter(site_id__in=site_ids)
    S = UpwardRecord.Status
    counts = rows.aggregate(
        reported=Count("id", filter=Q(status=S.ACCEPTED)),
        pending=Count("id", filter=Q(status__in=[S.PENDING, S.SENDING])),
        refused=Count("id", filter=Q(status=S.REFUSED)),
    )
    refused = list(
        rows.filter(status=S.REFUSED)
        .select_related("receipt", "site")
        .order_by("-answered_at", "-id")
        .values("record_id", "site__name", "answered_at", "receipt__reason")[:20]
    )
    return {**counts, "refused_rows": refused}


def dashboard_section(*, scope: Any) -> dict[str, Any]:
    """The oversight dashboard's 好差评上报 card (``settings.OVERSIGHT_DASHBOARD_SECTIONS``)."""
    return {"template": "upward/dashboard_card.html", "upward": upward_figures(site_ids=scope.site_ids)}
