"""``/m/licences/<case_no>/``: the materials checklist with e-licences; ask the e-licence service with
the resident's consent. Thin: the service decides, the page shows."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from agency.models import Agent
from core.exceptions import ApplicationError
from elicence import client, selectors, services
from workflows import selectors as wf_selectors


@require_http_methods(["GET", "POST"])
@login_required
def case_licences(request: HttpRequest, case_no: str) -> HttpResponse:
    try:
        case = wf_selectors.case_get_for_actor(user=request.user, case_no=case_no)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc
    error, status = "", 200
    if request.method == "POST":
        channel = "grid" if wf_selectors.actor_role(request.user) == Agent.Kind.GRID_WORKER else "staff"
        try:
            query = services.case_licences_query(
                actor=request.user, case=case, consent=request.POST.get("consent") == "1", channel=channel
            )
        except ApplicationError as exc:
            if exc.status == 404:
                raise Http404(exc.message) from exc
            error, status = exc.message, exc.status
        else:
            messages.info(request, f"电子证照查询：{query.get_outcome_display()}（{query.detail}）")
            return HttpResponseRedirect(reverse("elicence:case", args=[case.case_no]))
    rows = selectors.materials_checklist(case)
    return render(
        request,
        "elicence/case.html",
        {
            "case": case,
            "rows": rows,
            "wanted": selectors.licence_types_wanted(case),
            "queries": list(selectors.queries_for_case(case)[:5]),
            "configured": client.configured(),
            "error": error,
            "nav": "tasks",
        },
        status=status,
    )
