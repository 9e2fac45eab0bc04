"""Who among the staff hears about a site: the one lookup of station staff, town staff and district admins,
shared by the reminder sweeps (``workflows.reminders``, many sites at once) and the residents' alerts (a bad
rating, a doorstep request: one site)."""

from collections import defaultdict
from collections.abc import Iterable

from agency.models import Agent, Site


def staff_by_site(site_ids: Iterable[int], kind: str) -> dict[int, list[Agent]]:
    """Active agents of ``kind`` serving each of ``site_ids``, in one query (each list by agent id)."""
    ids = set(site_ids)
    out: dict[int, list[Agent]] = defaultdict(list)
    if not ids:
        return out
    through = Agent.sites.through
    rows = (
        through.objects.filter(site_id__in=ids, agent__kind=kind, agent__is_active=True)
        .select_related("agent")
        .order_by("agent_id")
    )
    for row in rows:
        out[row.site_id].append(row.agent)
    return out


def district_admins() -> list[Agent]:
    return list(Agent.objects.filter(kind=Agent.Kind.DISTRICT_ADMIN, is_active=True).order_by("id"))


def town_staff(site: Site) -> list[Agent]:
    """Town staff of the center ``site`` belongs to (the site itself when it is a center)."""
    center_id = site.parent_id or site.pk
    return staff_by_site([center_id], Agent.Kind.TOWN_STAFF).get(center_id, [])


def station_staff(site: Site) -> list[Agent]:
    """Station staff (站长/工作人员) of ``site``. A site without station staff of its own (a center, a partner
    point) falls back to its town's staff, so an alert always reaches someone."""
    return staff_by_site([site.pk], Agent.Kind.STATION_STAFF).get(site.pk, []) or town_staff(site)
