"""How far a 一件事 has got, from its member cases' statuses (issue 15).

Lives in ``workflows`` because the resident's track page (here) shows it for a parent case; the
``bundles`` app, which owns the catalog and the parent/child bookkeeping, uses the same words.
"""

from collections.abc import Iterable
from typing import Any

from agency.selectors import BUNDLE_MATTER_PREFIX
from core.labels import choice_label

DONE_STATUSES = frozenset({"completed", "rectifying", "closed"})
DROPPED_STATUSES = frozenset({"withdrawn", "rejected"})


def bundle_progress_label(statuses: Iterable[str]) -> str:
    """``4 项中已办结 2 项`` (plus how many were withdrawn or refused, if any)."""
    values = list(statuses)
    done = sum(1 for s in values if s in DONE_STATUSES)
    dropped = sum(1 for s in values if s in DROPPED_STATUSES)
    label = f"{len(values)} 项中已办结 {done} 项"
    if dropped:
        label += f"，{dropped} 项已撤回或不予受理"
    return label


# How far an open member has got, least advanced first. A 一件事 parent shows the least advanced open
# member's status: it is not 已报送 while its first member is still 待分派 (issue 26). 待启动 members (waiting
# for a dependency) count only when no member has started.
_STAGE_ORDER = (
    "new",
    "assigned",
    "visited",
    "awaiting_materials",
    "handed_off",
    "submitted",
    "rectifying",
)


def bundle_display_status(statuses: Iterable[str], *, own: str) -> str:
    """The status a 一件事 parent shows, derived from its members' ``statuses`` (a read: the parent's stored
    status is written by the bundle services). ``own`` (the stored one) when there are no members."""
    values = list(statuses)
    if not values:
        return own
    started = [s for s in values if s in _STAGE_ORDER]
    if started:
        return min(started, key=_STAGE_ORDER.index)
    if "waiting" in values:
        return "waiting"
    if any(s in DONE_STATUSES for s in values):
        # every member resolved and something was done: 已办结 until all are closed
        return "closed" if all(s == "closed" or s in DROPPED_STATUSES for s in values) else "completed"
    return "withdrawn" if "withdrawn" in values else "rejected"


def bundle_statuses(parents: Iterable[Any]) -> dict[int, str]:
    """For the 一件事 parents among ``parents`` (cases with their matter loaded): id → the status shown.

    A parent is told by its matter (a bundle's own matter, ``BUNDLE_MATTER_PREFIX``), so a page without one
    costs no query; with parents, one query of their members' statuses. Other rows are left out: callers show
    their stored status.
    """
    from workflows.models import Case

    own = {c.id: c.status for c in parents if c.matter.code.startswith(BUNDLE_MATTER_PREFIX)}
    if not own:
        return {}
    statuses: dict[int, list[str]] = {}
    for parent_id, status in Case.objects.filter(bundle_parent_id__in=list(own)).values_list(
        "bundle_parent_id", "status"
    ):
        statuses.setdefault(parent_id, []).append(status)
    return {pk: bundle_display_status(values, own=own[pk]) for pk, values in statuses.items()}


def bundle_views(parent_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For the resident's list: each 一件事 parent among ``parent_ids`` → its progress, members and merged
    materials. One query (two when some case is a bundle); nothing for a list of single matters."""
    from workflows.models import Case

    if not parent_ids:
        return {}
    rows = list(
        Case.objects.filter(bundle_parent_id__in=parent_ids)
        .order_by("id")
        .values_list("bundle_parent_id", "case_no", "matter__name", "status", "due_at")
    )
    if not rows:
        return {}
    members: dict[int, list[dict[str, Any]]] = {}
    for parent_id, case_no, matter, status, due_at in rows:
        members.setdefault(parent_id, []).append(
            {
                "case_no": case_no,
                "matter": matter,
                "status": status,
                "status_label": choice_label(Case.Status, status),
                "due_at": due_at,
            }
        )
    materials = dict(Case.objects.filter(pk__in=list(members)).values_list("id", "matter__materials"))
    return {
        pk: {
            "progress": bundle_progress_label(m["status"] for m in items),
            "done": sum(1 for m in items if m["status"] in DONE_STATUSES),
            "total": len(items),
            "children": items,
            "materials": [str(x) for x in (materials.get(pk) or [])],
            "status": (shown := bundle_display_status((m["status"] for m in items), own="")),
            "status_label": choice_label(Case.Status, shown),
            "is_final": shown in DONE_STATUSES or shown in DROPPED_STATUSES,
        }
        for pk, items in members.items()
    }
