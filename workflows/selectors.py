"""Reads of the case workflow, already scoped to the actor. Query counts do not grow with the row count."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Case as DbCase
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from agency.models import Agent, Grid, Matter, Site
from agency.selectors import user_role, user_site_ids
from core.exceptions import ApplicationError
from core.phones import normalize_phone
from workflows import extensions, permissions
from workflows.case_numbers import is_valid_case_no, normalize_case_no
from workflows.models import Case, CaseEvent


def actor_role(user: Any) -> str | None:
    """The contract's role of ``user`` (``district_admin``, ``town_staff``, …) or None (no access)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user_role(user)


def actor_agent(user: Any) -> Agent | None:
    """The active agent profile of ``user``, if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        agent = user.agent
    except Agent.DoesNotExist:
        return None
    return agent if agent.is_active else None


# Ids of the sites ``user`` works for (None = every site): the one rule, kept for the request
# (``agency.selectors.user_site_ids``); the name stays for the case pages and services that call it.
scope_site_ids = user_site_ids


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """Cases ``user`` may see: district admin all; town staff the sites under their center(s);
    station staff and other agents their own sites; an agent also every case assigned to them."""
    base = Case.objects.select_related("site", "matter", "grid", "assigned_agent", "assigned_agent__user")
    site_ids = user_site_ids(user)
    if site_ids is None:
        return base.all()
    agent = actor_agent(user)
    if agent is None:
        return base.none()
    # The scope as a list of ids (one small query, cached for the request), not as subqueries: PostgreSQL
    # then combines the (site, status) and (agent, status) indexes instead of filtering every open case
    # through hashed subplans (a station's status filter at 1,000,000 cases: 87 ms → a few ms).
    return base.filter(Q(site_id__in=sorted(site_ids)) | Q(assigned_agent=agent))


@dataclass
class EvaluationCount:
    """How many times this process decided who a user is to a case: a scoped lookup of the case
    (``case_get_for_actor``, the query decides the scope) or a permit evaluated from scratch (``case_permit``
    without ``in_scope``). One request acting on one case adds one, unless the case moved to another site or
    agent meanwhile (``CasePermit.for_case`` then evaluates afresh). Exact within one thread (what the tests
    read around a request made through the test client); across threads only a rough figure."""

    value: int = 0


permit_evaluations = EvaluationCount()


@dataclass(frozen=True)
class CasePermit:
    """Who ``user`` is to one case — in scope, role, assigned agent — evaluated once per request
    (``case_permit``) and passed along: the view checks an action with it before reading the input, the
    service again under the case's row lock (the status only, unless the locked row moved to another site or
    agent, which re-evaluates), and the answer lists the allowed actions from it."""

    user: Any
    case_id: int | None
    site_id: int
    agent_id: int | None
    in_scope: bool
    role: str | None
    assigned: bool

    def holds_for(self, case: Case) -> bool:
        """Whether ``case`` (e.g. re-read under its lock) is still the case this permit was evaluated on."""
        return (
            case.pk == self.case_id
            and case.site_id == self.site_id
            and case.assigned_agent_id == self.agent_id
        )

    def for_case(self, case: Case) -> "CasePermit":
        """This permit if it still holds for ``case``, else one evaluated afresh."""
        return self if self.holds_for(case) else case_permit(user=self.user, case=case)

    def may(self, action: str) -> bool:
        """In scope and the role may take ``action`` (whatever the status)."""
        return self.in_scope and permissions.role_may(
            role=self.role, is_assigned_agent=self.assigned, action=action
        )

    def require(self, *, case: Case, action: str, status: bool = True) -> None:
        """The one 404/403/409 check of a case action (``workflows.permissions.RULES``): ``ApplicationError``
        404 outside scope, 403 the role may not, 409 the status does not allow it (skipped with
        ``status=False``, for a check made before the input is read), in that order."""
        permit = self.for_case(case)
        if not permit.in_scope:
            raise ApplicationError("案件不存在或无权查看。", {"case_no": case.case_no}, status=404)
        rule = permissions.RULES[action]
        if not permissions.role_may(role=permit.role, is_assigned_agent=permit.assigned, action=action):
            raise ApplicationError(rule.denied, {"action": action}, status=403)
        if status and not permissions.status_allows(action=action, status=case.status):
            raise ApplicationError(
                rule.conflict.format(status=case.get_status_display()), {"status": case.status}, status=409
            )

    def allowed_actions(self, case: Case, events: list[CaseEvent] | None = None) -> list[str]:
        """The case process's actions (``permissions.ACTIONS``) this permit allows on ``case`` now. Pass
        loaded ``events`` to skip a query."""
        permit = self.for_case(case)
        if not permit.in_scope:
            return []
        allowed = []
        for action in permissions.ACTIONS:
            if not permissions.role_may(role=permit.role, is_assigned_agent=permit.assigned, action=action):
                continue
            if not permissions.status_allows(action=action, status=case.status):
                continue
            if action == "answer" and not case.matter.is_consultation:
                continue
            if action == "close" and not case_closable(case, events):
                continue
            allowed.append(action)
        return allowed


def case_permit(*, user: Any, case: Case, in_scope: bool | None = None) -> CasePermit:
    """Evaluate who ``user`` is to ``case`` (``in_scope`` when the caller's query already decided it)."""
    agent = actor_agent(user)
    assigned = agent is not None and case.assigned_agent_id == agent.pk
    if in_scope is None:
        permit_evaluations.value += 1
        site_ids = user_site_ids(user)
        in_scope = assigned or site_ids is None or case.site_id in site_ids
    return CasePermit(
        user=user,
        case_id=case.pk,
        site_id=case.site_id,
        agent_id=case.assigned_agent_id,
        in_scope=in_scope,
        role=actor_role(user),
        assigned=assigned,
    )


def case_in_scope(*, user: Any, case: Case) -> bool:
    """Python twin of ``cases_visible_to`` for a case already loaded: assigned to the user's agent, or at a
    site in their scope."""
    if is_assigned_agent(user=user, case=case):
        return True
    site_ids = user_site_ids(user)
    return site_ids is None or case.site_id in site_ids


def site_in_scope(*, user: Any, site: Site) -> bool:
    site_ids = user_site_ids(user)
    return site_ids is None or site.pk in site_ids


def is_assigned_agent(*, user: Any, case: Case) -> bool:
    agent = actor_agent(user)
    return agent is not None and case.assigned_agent_id == agent.pk


def case_get_for_actor(*, user: Any, case_no: str) -> Case:
    """The case ``case_no`` if ``user`` may see it; ``ApplicationError`` 404 otherwise (bad numbers too)."""
    number = normalize_case_no(case_no)
    permit_evaluations.value += 1
    case = None
    if is_valid_case_no(number):
        case = cases_visible_to(user).filter(case_no=number).first()
    if case is None:
        raise ApplicationError("案件不存在或无权查看。", {"case_no": str(case_no)[:32]}, status=404)
    return case


def case_get_with_permit(*, user: Any, case_no: str) -> tuple[Case, CasePermit]:
    """``case_get_for_actor`` and the permit of ``user`` on that case (in scope: the query decided it)."""
    case = case_get_for_actor(user=user, case_no=case_no)
    return case, case_permit(user=user, case=case, in_scope=True)


def feedback_received(case: Case, events: list[CaseEvent] | None = None) -> bool:
    """A rating arrived after the latest completion (or rectification report)."""
    if events is None:
        events = list(case.events.filter(kind__in=["completed", "answered", "rectified", "rating"]))
    last_done = None
    rated_after = False
    for event in sorted(events, key=lambda e: (e.at, e.pk or 0)):
        if event.kind in ("completed", "answered", "rectified"):
            last_done = event
            rated_after = False
        elif event.kind == "rating" and last_done is not None:
            rated_after = True
    return rated_after


def case_closable(case: Case, events: list[CaseEvent] | None = None) -> bool:
    """``close`` is allowed after the resident's feedback or once the feedback window has ended."""
    if case.status != Case.Status.COMPLETED:
        return False
    if case.feedback_due_at is not None and case.feedback_due_at <= timezone.now():
        return True
    return feedback_received(case, events)


def case_allowed_actions(*, user: Any, case: Case, events: list[CaseEvent] | None = None) -> list[str]:
    """Actions (API names) ``user`` may take on ``case`` now. Pass loaded ``events`` to skip a query."""
    return case_permit(user=user, case=case).allowed_actions(case, events)


def case_timeline(case: Case, *, public_only: bool = False) -> QuerySet[CaseEvent]:
    """The case's events, oldest first; ``public_only`` for what residents may see."""
    qs = CaseEvent.objects.filter(case=case).order_by("at", "id")
    if public_only:
        qs = qs.filter(public=True)
    return qs


def agent_suggestions(*, case: Case, limit: int = 5) -> list[Agent]:
    """Agents to suggest on assign: same grid first (就近), then matching service scope, then least open
    load (就熟); only active agents serving the case's site who are not away. Staff may pick anyone else.
    Registered rankers (``workflows.extensions``, e.g. qualifications) may re-order; each agent gets a
    ``suggestion_reason``."""
    candidates = (
        Agent.objects.filter(is_active=True, is_away=False, sites=case.site_id, user__isnull=False)
        .exclude(kind=Agent.Kind.DISTRICT_ADMIN)
        .annotate(
            same_grid=Exists(Grid.objects.filter(pk=case.grid_id or 0, agents=OuterRef("pk"))),
            in_scope=Exists(
                Agent.scopes.through.objects.filter(agent_id=OuterRef("pk"), matter_id=case.matter_id)
            ),
            open_load=Count(
                "assigned_cases",
                filter=Q(assigned_cases__status__in=sorted(Case.Status.OPEN)),  # type: ignore[attr-defined]
                distinct=True,
            ),
        )
        .order_by("-same_grid", "-in_scope", "open_load", "name", "id")
        .distinct()
    )
    # every candidate (a site's agents: tens) goes through the registered rankers (workflows.extensions)
    return extensions.rank_suggestions(case, list(candidates))[:limit]


def case_prefill(*, phone: str, user: Any = None) -> dict[str, Any]:
    """历史数据自动填充: name, address, grid id and special groups from the resident's latest case (or {}).

    With ``user``, only cases that user may see are used: a worker cannot learn a stranger's name and
    address in another town by typing a phone number.
    """
    e164 = normalize_phone(phone)
    if not e164:
        return {}
    source = Case.objects.all() if user is None else cases_visible_to(user)
    latest = (
        source.filter(resident_phone=e164)
        .order_by("-created_at", "-id")
        .values("resident_name", "address", "grid_id", "special_groups", "site_id")
        .first()
    )
    if latest is None:
        return {}
    return {
        "resident_phone": e164,
        "resident_name": latest["resident_name"],
        "address": latest["address"],
        "grid_id": latest["grid_id"],
        "site_id": latest["site_id"],
        "special_groups": list(latest["special_groups"] or []),
    }


def agent_open_cases(agent: Agent) -> QuerySet[Case]:
    """The agent's cases still needing work (for "my tasks")."""
    return (
        Case.objects.filter(assigned_agent=agent, status__in=sorted(Case.Status.ACTIVE))  # type: ignore[attr-defined]
        .select_related("site", "matter", "grid")
        .order_by("-priority", "due_at", "id")
    )


# --- lists of the staff and mobile pages and the API ------------------------------------------------------

OPEN_STATUSES: list[str] = sorted(Case.Status.OPEN)  # type: ignore[attr-defined]
ACTIVE_STATUSES: list[str] = sorted(Case.Status.ACTIVE)  # type: ignore[attr-defined]


def cases_open_first(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Open cases first, then special groups (priority), then the nearest due date."""
    return qs.annotate(
        open_rank=DbCase(
            When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("open_rank", "-priority", F("due_at").asc(nulls_last=True), "-created_at", "-id")


def cases_filtered(
    qs: QuerySet[Case],
    *,
    statuses: list[str] | None = None,
    site_code: str = "",
    matter_code: str = "",
    agent_id: str = "",
    agent_username: str = "",
    overdue: bool = False,
) -> QuerySet[Case]:
    """The list filters of the staff page and the API, on an already scoped queryset. ``None`` and empty
    values do not filter (an empty ``statuses`` list matches nothing); ``agent_id="none"`` means not yet
    assigned; ``overdue`` keeps open cases past their due date."""
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    if site_code:
        qs = qs.filter(site__code=site_code)
    if matter_code:
        qs = qs.filter(matter__code=matter_code)
    if agent_id == "none":
        qs = qs.filter(assigned_agent__isnull=True)
    elif agent_id:
        qs = qs.filter(assigned_agent_id=int(agent_id))  # a choice of the filter form: an agent's pk
    if agent_username:
        qs = qs.filter(assigned_agent__user__username=agent_username)
    if overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    return qs


def my_tasks(*, user: Any) -> QuerySet[Case]:
    """我的任务 (``/m/``): cases assigned to ``user``'s agent and those they logged, open first; a 一件事's
    members are not listed beside their parent."""
    agent = actor_agent(user)
    mine = Q(created_by=user)
    if agent is not None:
        mine |= Q(assigned_agent=agent)
    listed = cases_visible_to(user).filter(mine)
    # A 一件事 is one task: its members show inside their parent (the page adds them), not beside it; a
    # member whose parent is not on this list (someone else logged it) still shows on its own.
    return cases_open_first(listed.exclude(bundle_parent__in=listed.values("pk")))


def staff_queue(*, user: Any) -> QuerySet[Case]:
    """Unassigned new cases of the staff member's sites: special groups first, then oldest first."""
    return (
        cases_visible_to(user)
        .filter(status=Case.Status.NEW, assigned_agent__isnull=True)
        .order_by("-priority", F("due_at").asc(nulls_last=True), "created_at", "id")
    )


def staff_filter_agents(*, user: Any) -> QuerySet[Agent]:
    """Agents the staff case list can filter by: active, with a login, serving the staff member's sites."""
    agents = Agent.objects.filter(is_active=True, user__isnull=False).exclude(kind=Agent.Kind.DISTRICT_ADMIN)
    site_ids = scope_site_ids(user)
    if site_ids is not None:
        agents = agents.filter(sites__in=site_ids).distinct()
    return agents.order_by("name", "id").only("pk", "name")


def active_matters() -> QuerySet[Matter]:
    return Matter.objects.filter(is_active=True).only("code", "name")


def case_agent_choices(*, case: Case) -> QuerySet[Agent]:
    """Agents a case can be assigned or transferred to at its site (the service checks again)."""
    return (
        Agent.objects.filter(is_active=True, sites=case.site_id, user__isnull=False)
        .exclude(kind=Agent.Kind.DISTRICT_ADMIN)
        .order_by("name", "id")
    )


def transfer_sites(*, case: Case) -> QuerySet[Site]:
    """Active stations and centers a case can be transferred to (any but its own)."""
    return (
        Site.objects.filter(is_active=True, kind__in=[Site.Kind.STATION, Site.Kind.CENTER])
        .exclude(pk=case.site_id)
        .order_by("code")
    )


def intake_sites(*, user: Any) -> list[Site]:
    """Sites ``user`` may log a case for; their own sites first (the default)."""
    ids = scope_site_ids(user)
    qs = Site.objects.filter(is_active=True, kind__in=[Site.Kind.STATION, Site.Kind.CENTER])
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    agent = actor_agent(user)
    own: set[int] = set(agent.sites.values_list("pk", flat=True)) if agent else set()
    return sorted(qs.only("pk", "name", "code"), key=lambda s: (s.pk not in own, s.code))


def intake_matters(*, user: Any) -> QuerySet[Matter]:
    """Active matters offered at ``user``'s sites (every active matter when no site lists any)."""
    ids = scope_site_ids(user)
    matters = Matter.objects.filter(is_active=True)
    if ids is not None:
        offered = matters.filter(site_matters__site_id__in=ids).distinct()
        if offered.exists():
            return offered.order_by("sort_order", "code")
    return matters.order_by("sort_order", "code")


def intake_grid(*, user: Any, site: Site, phone: str) -> Grid | None:
    """The grid a new case at ``site`` belongs to: the worker's own grid there, else the resident's earlier
    one (it helps suggest a nearby agent)."""
    agent = actor_agent(user)
    if agent is not None:
        own = Grid.objects.filter(agents=agent, site=site).order_by("code").first()
        if own is not None:
            return own
    grid_id = case_prefill(phone=phone, user=user).get("grid_id")
    return Grid.objects.filter(pk=grid_id, site=site).first() if grid_id else None


def resident_phone_view_reason(*, is_staff: bool, is_assigned_agent: bool, reveal_requested: bool) -> str:
    """Why the case page shows the resident's full number (each such view is audited): ``staff_reveal``
    (staff asked for it), ``assigned_agent`` (they call the resident before the visit), or ``""`` (masked)."""
    if is_staff and reveal_requested:
        return "staff_reveal"
    if is_assigned_agent:
        return "assigned_agent"
    return ""
