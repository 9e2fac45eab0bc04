"""What the grid worker's phone keeps for working without signal (issue 14): the matter catalog with each
matter's materials list (一次性告知), the sites the worker may log for, the worker's own open cases with
masked resident details, and the history used to auto-fill the new-request form.

The history is keyed by a salted SHA-256 of the resident's E.164 number, not by the number itself: the
phone can find "this number's last name and address" when the worker types it, but does not hold a list of
residents' numbers. Only cases the worker may see (and only their own) are included.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from agency.models import Matter, Site
from core.labels import model_field_label
from core.masking import mask_address, mask_name, mask_phone
from workflows import selectors
from workflows.api.serializers import CaseCreateInput
from workflows.bundle_progress import bundle_views
from workflows.forms import CaseCreateForm
from workflows.models import Case

MAX_CASES = 100
MAX_HISTORY = 300


def phone_key(*, username: str, e164: str) -> str:
    """The history key of a phone number for this user (``mobile`` JS computes the same)."""
    return hashlib.sha256(f"{username}:{e164}".encode()).hexdigest()


def _sites(user: Any) -> list[dict[str, str]]:
    ids = selectors.scope_site_ids(user)
    qs = Site.objects.filter(is_active=True, kind__in=[Site.Kind.STATION, Site.Kind.CENTER])
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    agent = selectors.actor_agent(user)
    own: set[int] = set(agent.sites.values_list("pk", flat=True)) if agent else set()
    sites = sorted(qs.only("pk", "name", "code"), key=lambda s: (s.pk not in own, s.code))
    return [{"code": s.code, "name": s.name} for s in sites]


def _matters(user: Any) -> list[dict[str, Any]]:
    ids = selectors.scope_site_ids(user)
    matters = Matter.objects.filter(is_active=True)
    if ids is not None:
        offered = matters.filter(site_matters__site_id__in=ids).distinct()
        if offered.exists():
            matters = offered
    labels = dict(Matter.Category.choices)
    return [
        {
            "code": m.code,
            "name": m.name,
            "category": m.category,
            "category_label": labels.get(m.category, m.category),
            "materials": list(m.materials or []),
            "time_limit_days": m.time_limit_days,
        }
        for m in matters.order_by("sort_order", "code")
    ]


def field_labels() -> dict[str, str]:
    """The Chinese label of every field the intake API may refuse, so a refused queued request reads
    "居民手机号：请输入有效的手机号码…", not "resident_phone：…": the 新建 form's own labels, then the case's."""
    labels = {name: str(field.label) for name, field in CaseCreateForm.base_fields.items()}
    for name in list(CaseCreateInput().fields.keys()):
        labels.setdefault(name, model_field_label(Case, name))
    return labels


def offline_bundle(*, user: Any) -> dict[str, Any]:
    """Everything the offline app shell needs, as JSON-ready data."""
    agent = selectors.actor_agent(user)
    mine = Q(created_by=user)
    if agent is not None:
        mine |= Q(assigned_agent=agent)
    visible = selectors.cases_visible_to(user).filter(mine)
    open_cases = list(
        visible.filter(status__in=sorted(Case.Status.OPEN)).order_by("due_at", "id")[:MAX_CASES]  # type: ignore[attr-defined]
    )
    # a 一件事 parent shows the status its members give it, as on its pages (a read, no writes)
    bundles = bundle_views([c.pk for c in open_cases])
    # The bundle sits in the phone's cache for days, so it carries no full name or home address.
    # The list needs only enough to recognise a case (masked name, 村/组 part of the address; the case page,
    # online, has the rest). The offline auto-fill history is empty: names and addresses keyed by a hash of an
    # 11-digit phone could be brute-forced out of a lost phone's cache. Online, /m/prefill/ still fills them.
    history: dict[str, dict[str, Any]] = {}
    return {
        "user": user.get_username(),
        "generated_at": timezone.now().isoformat(),
        "sites": _sites(user),
        "matters": _matters(user),
        "cases": [
            {
                "case_no": c.case_no,
                "url": reverse("workflows:m-case", args=[c.case_no]),
                "matter": c.matter.name,
                "status": bundles[c.pk]["status"] if c.pk in bundles else c.status,
                "status_label": bundles[c.pk]["status_label"] if c.pk in bundles else c.get_status_display(),
                "resident_name": mask_name(c.resident_name),
                "resident_phone": mask_phone(c.resident_phone),
                "address": mask_address(c.address),
                "due_at": c.due_at.isoformat() if c.due_at else None,
            }
            for c in open_cases
        ],
        "history": history,
        "field_labels": field_labels(),
    }


SPECIAL_GROUP_CHOICES = list(Case.SpecialGroup.choices)
