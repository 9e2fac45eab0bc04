"""Reads of the agency domain. Query counts do not grow with the number of rows.

Also the one site-scope rule (``user_site_ids``: which sites a user may see and act on) and the one
request-scoped cache of per-user reads (``request_memo``, defined in the import-light ``agency.request_memo``
for the token check); every app asks these, none keeps its own copy.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from agency.models import Agent, DutyShift, Matter, Site
from agency.request_memo import request_memo as request_memo  # asked for here (defined import-light)
from agency.request_memo import request_memo_put as request_memo_put
from agency.site_links import SITE_LINKS_KEY, SiteLinks, site_link_annotations
from core.exceptions import ApplicationError
from core.models import User
from core.phones import phone_display

ROLE_DISTRICT_ADMIN = Agent.Kind.DISTRICT_ADMIN.value


def site_list_public() -> QuerySet[Site]:
    """Active sites for the public list and the map, with their parent center's code."""
    # ``standing``: the approved tier (the standards app's SiteStanding, reached by its reverse relation)
    return Site.objects.filter(is_active=True).select_related("parent", "standing").order_by("code")


def site_get_public(code: str) -> Site:
    """An active site by code, with its offered matters prefetched; 404 ``ApplicationError`` otherwise."""
    site = (
        Site.objects.filter(is_active=True, code=code)
        .select_related("parent", "area", "standing")
        .prefetch_related(
            Prefetch("matters", queryset=Matter.objects.filter(is_active=True).order_by("sort_order", "code"))
        )
        .first()
    )
    if site is None:
        raise ApplicationError("未找到该服务站点。", {"code": code}, status=404)
    return site


def agent_public_phone(agent: Agent, site: Site | None) -> str:
    """The number the public may see for ``agent`` at ``site``: the one place this rule lives.

    Personal mobile only with ``publish_mobile_consent``; otherwise the work phone; otherwise the site's
    consultation phone (empty when there is none).
    """
    if agent.publish_mobile_consent and agent.phone:
        return str(agent.phone.as_e164 if hasattr(agent.phone, "as_e164") else agent.phone)
    if agent.work_phone:
        return agent.work_phone
    return site.phone if site is not None else ""


@dataclass(frozen=True)
class RosterEntry:
    """One published agent as the public sees them."""

    name: str
    role: str
    role_label: str
    title: str
    phone: str  # E.164 or as entered: for tel: links and the API
    scopes: list[str]
    scope_names: list[str]
    scope_categories: list[str]
    on_duty: bool
    away: bool = False
    backup_name: str = ""
    agent_id: int = 0  # for per-agent template tags of other apps (e.g. qualified categories); not in the API
    phone_display: str = (
        ""  # ``186 5310 0005``, as people read it (core.phones.phone_display); not in the API
    )


def site_roster(site: Site, *, today: dt.date | None = None) -> list[RosterEntry]:
    """Published, active agents serving ``site``, each with the number the public may call."""
    agents = (
        site.agents.filter(is_active=True, is_published=True)
        .select_related("backup")
        .prefetch_related(
            Prefetch("scopes", queryset=Matter.objects.filter(is_active=True).order_by("sort_order", "code"))
        )
        .order_by("kind", "name", "id")
    )
    on_duty_ids: set[int] = set()
    if today is not None:
        on_duty_ids = set(DutyShift.objects.filter(site=site, date=today).values_list("agent_id", flat=True))
    kind_order = {value: i for i, value in enumerate(Agent.Kind.values)}
    entries = [
        RosterEntry(
            name=agent.name,
            role=agent.kind,
            role_label=str(agent.get_kind_display()),
            title=agent.title,
            phone=agent_public_phone(agent, site),
            scopes=[m.code for m in agent.scopes.all()],
            scope_names=[m.name for m in agent.scopes.all()],
            scope_categories=list(dict.fromkeys(str(m.get_category_display()) for m in agent.scopes.all())),
            on_duty=agent.pk in on_duty_ids,
            away=agent_is_away(agent, today or timezone.localdate()),
            backup_name=agent.backup.name if agent.backup else "",
            agent_id=agent.pk,
            phone_display=phone_display(agent_public_phone(agent, site)),
        )
        for agent in agents
    ]
    entries.sort(key=lambda e: (kind_order.get(e.role, 99), e.name))
    return entries


def agent_is_away(agent: Agent, today: dt.date) -> bool:
    """Whether ``agent`` is away today (AB岗). ``away_until`` is the last day away; past it they are back."""
    if not agent.is_away:
        return False
    return agent.away_until is None or agent.away_until >= today


def agent_stand_in(agent: Agent, *, today: dt.date | None = None) -> Agent:
    """Who does ``agent``'s work today: the agent, or — while they are away — their AB岗 backup.

    Follows the backup chain (A away → B away → C) but never loops; if nobody in the chain is available
    the original agent is returned, so work is never routed to nobody.
    """
    today = today or timezone.localdate()
    seen = {agent.pk}
    current = agent
    while agent_is_away(current, today) or not current.is_active:
        nxt = current.backup
        if nxt is None or nxt.pk in seen:
            return agent
        seen.add(nxt.pk)
        current = nxt
    return current


def agents_on_duty(site: Site, date: dt.date) -> list[Agent]:
    """Who is on duty at ``site`` on ``date`` (干部轮值), in rota order."""
    shifts = DutyShift.objects.filter(site=site, date=date).select_related("agent").order_by("id")
    return [s.agent for s in shifts]


# A 一件事 (life-event bundle, the ``bundles`` app built on agency) gets a matter row of its own for its parent
# case: it carries the bundle's merged materials and limit, and a resident reaches it only through the bundle's
# intake, never as a matter on its own. Its code starts with this prefix; agency owns the convention (bundles
# imports it) so that agency can tell those rows apart without importing the app that makes them.
BUNDLE_MATTER_PREFIX = "YJS-"


def matter_list_public() -> QuerySet[Matter]:
    """Active matters a resident can ask for on their own: the public matters list and the map's filter.

    A bundle's own matter (``BUNDLE_MATTER_PREFIX``) is left out; the bundles are listed by their own API.
    """
    return (
        Matter.objects.filter(is_active=True)
        .exclude(code__startswith=BUNDLE_MATTER_PREFIX)
        .order_by("sort_order", "code")
    )


def matter_search_public(query: str, *, site: Site | None = None) -> QuerySet[Matter]:
    """Public matters whose name, 俗称/关键词, guide text or category match every word of ``query``.

    Residents type what they call a matter (低保, 居住证明, 出生), not its catalogue name, so each word is looked
    up in the keywords the district set as well as the name; the category is matched by its label. Empty
    query: every public matter. ``site``: only the matters offered there.
    """
    matters = matter_list_public()
    if site is not None:
        matters = matters.filter(site_matters__site=site)
    labels = {str(label): value for value, label in Matter.Category.choices}
    for word in query.split()[:5]:
        word = word[:30]
        cond = Q(name__icontains=word) | Q(keywords__icontains=word) | Q(guide__icontains=word)
        categories = [value for label, value in labels.items() if word in label]
        if categories:
            cond |= Q(category__in=categories)
        matters = matters.filter(cond)
    return matters.distinct() if site is not None else matters


def site_matters_public(site: Site) -> list[Matter]:
    """Active matters offered at ``site`` (uses the prefetch of ``site_get_public``)."""
    return [m for m in site.matters.all() if m.is_active]


def _agent_of(user: User) -> Agent | None:
    try:
        return user.agent  # type: ignore[no-any-return]
    except Agent.DoesNotExist:
        return None


def user_role(user: User) -> str | None:
    """The contract's ``role`` for ``user``: their agent's kind.

    A superuser without an (active) agent profile is ``district_admin``.
    """
    if not user.is_authenticated:
        return None
    agent = _agent_of(user)
    if agent is not None and agent.is_active:
        return agent.kind
    if user.is_superuser:
        return ROLE_DISTRICT_ADMIN
    return None


def sites_for_user(user: User) -> list[str]:
    """Codes of the sites ``user`` works for (``user_site_ids`` as codes, sorted): what ``/api/v1/me/`` lists."""
    site_ids = user_site_ids(user)
    if site_ids is not None and not site_ids:
        return []
    codes = Site.objects.order_by("code").values_list("code", flat=True)
    return list(codes if site_ids is None else codes.filter(pk__in=sorted(site_ids)))


# --- the site scope: which sites a user may see and act on (the one rule) ----------------------------------


# Read on staff requests signed in by session, through the ORM: issue 19 measured a compiled (core.prepared)
# read at 0.5-0.9 ms of a ~18 ms request, not worth a second read path (PostgreSQL still prepares it server-side).
# Its columns are named apart from the token check's, so each statement is recognisable in pg_prepared_statements.
def _links_of_agent(agent_id: int) -> list[tuple[Any, Any, Any]]:
    return list(
        Agent.objects.filter(pk=agent_id)  # type: ignore[misc]  # annotated under computed names
        .annotate(**site_link_annotations(agent_id, prefix="scope"))
        .values_list("scope_direct", "scope_by_grid", "scope_under_centers")
    )


def _site_links(user: Any, agent: Agent) -> SiteLinks:
    """``agent``'s site links: as read with the token in this request, or one query."""

    def read() -> SiteLinks:
        rows = _links_of_agent(agent.pk)
        return SiteLinks.parse(*rows[0]) if rows else SiteLinks(frozenset(), frozenset(), frozenset())

    return request_memo(user, SITE_LINKS_KEY, read)


def user_site_ids(user: Any) -> set[int] | None:
    """Ids of the sites ``user`` may see and act on; ``None`` means every site. THE site-scope rule.

    - no role (anonymous, no active agent and not a superuser): no site;
    - district admin (an active district-admin agent, or a superuser without an active agent): every site;
    - town staff: the sites they serve, the stations of the grids they cover, and every site under a
      center they serve;
    - everyone else: the sites they serve and the stations of the grids they cover.

    Read once per request (``request_memo``); with the token check's links (``agency.auth``) no query at all.
    Cases add one thing on top (``workflows.selectors``): an agent also sees every case assigned to them.
    """
    return request_memo(user, "site_ids", lambda: _site_ids(user))


def _site_ids(user: Any) -> set[int] | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    role = user_role(user)
    if role is None:
        return set()
    if role == ROLE_DISTRICT_ADMIN:
        return None
    agent = _agent_of(user)
    if agent is None:  # not reached: any other role comes from an active agent
        return set()
    links = _site_links(user, agent)
    site_ids = set(links.direct | links.by_grid)
    if role == Agent.Kind.TOWN_STAFF:
        site_ids |= links.under_centers
    return site_ids


def agent_serves_site(agent: Agent, site: Site) -> bool:
    """Whether ``agent`` may be given work at ``site`` (assign, transfer): a site they serve, or one whose
    parent they serve.

    A different question from ``user_site_ids`` (what they may see): a cadre listed on a town center may be
    assigned at its stations without seeing all of them (the assigned case is theirs to see), and covering
    a grid does not make a worker assignable at its station.
    """
    served = set(agent.sites.values_list("id", flat=True))
    return site.pk in served or (site.parent_id is not None and site.parent_id in served)
