"""AB岗 page (``/staff/away/``): station staff see the open cases of agents marked away and hand them to
the named backup in one action (``services.case_reroute_for_away_agent``, one timeline row per case).

The beat sweep (``case_reroute_away_sweep``) does the same every five minutes; this page is for staff who
do not want to wait, and shows what the sweep cannot fix (an away agent without a usable backup).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from agency.models import Agent
from core.exceptions import ApplicationError
from workflows import selectors, services
from workflows.models import Case
from workflows.views import _decorate_cases, page_context, staff_required

CASES_SHOWN = 200  # per page view, over all away agents: enough to see what moves


def _away_agents(user: Any) -> list[Agent]:
    """Away agents working at a site in the user's scope (the same rule as the reroute service)."""
    qs = Agent.objects.filter(is_away=True, is_active=True).select_related("backup", "backup__user")
    site_ids = selectors.scope_site_ids(user)
    if site_ids is not None:
        qs = qs.filter(sites__in=site_ids).distinct()
    return list(qs.order_by("name", "id"))


def backup_usable(agent: Agent) -> bool:
    """The rule ``services.agent_away_reroute`` applies (``services.usable_backup``: it needs a login)."""
    return services.usable_backup(agent) is not None


@require_GET
@staff_required
def staff_away(request: HttpRequest) -> HttpResponse:
    agents = _away_agents(request.user)
    cases = _decorate_cases(
        list(
            selectors.cases_visible_to(request.user)
            .filter(assigned_agent__in=agents, status__in=sorted(Case.Status.ACTIVE))  # type: ignore[attr-defined]
            .order_by("due_at", "id")[:CASES_SHOWN]
        )
    )
    rows = [
        {
            "agent": agent,
            "backup_usable": backup_usable(agent),
            "cases": [c for c in cases if c.assigned_agent_id == agent.pk],
        }
        for agent in agents
    ]
    return render(request, "workflows/staff/away.html", page_context(request, nav="away", rows=rows))


@require_POST
@staff_required
def staff_away_reroute(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = Agent.objects.select_related("backup", "backup__user").filter(pk=agent_id).first()
    if agent is None:
        raise Http404("帮办员不存在。")
    if not agent.is_away:
        messages.error(request, f"{agent.name}未标记外出，案件不移交。")
        return redirect("workflows:staff-away")
    try:
        moved = services.case_reroute_for_away_agent(actor=request.user, agent=agent)
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
        return redirect("workflows:staff-away")
    if moved:
        assert agent.backup is not None  # moved cases imply a usable backup
        messages.success(
            request, f"已将{agent.name}的 {len(moved)} 件在办案件移交给备岗人{agent.backup.name}。"
        )
    elif not backup_usable(agent):
        messages.error(
            request, f"{agent.name}没有可用的备岗人（未设置、没有登录账号、已停用或也在外出），请逐件转办。"
        )
    else:
        messages.info(request, f"{agent.name}名下没有在办案件。")
    return redirect("workflows:staff-away")
