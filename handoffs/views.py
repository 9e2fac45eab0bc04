"""``/m/handoffs/<case_no>/``: hand a visited case off, record the reference number, record the outcome.

For the station staff and the case's agent, no JavaScript (one form per step). Writes through
``handoffs.services``; the case page links here while the case is ``visited`` or ``handed_off``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from core.exceptions import ApplicationError
from handoffs import services
from handoffs.models import Channel, Handoff, RemoteMatter, Scope
from workflows import selectors
from workflows.models import Case
from workflows.selectors import CasePermit
from workflows.views import page_context


def _post(request: HttpRequest, case: Case, permit: CasePermit) -> None:
    """One step of the hand-off with the permit the page evaluated (404/403 first, like the API views; the
    service checks the status under the case's lock with that same permit)."""
    services.handoff_action_check(actor=request.user, case=case, permit=permit)
    op = request.POST.get("op")
    if op == "send":
        services.handoff_send(
            actor=request.user,
            case=case,
            permit=permit,
            region=request.POST.get("region", ""),
            authority=request.POST.get("authority", ""),
            channel=request.POST.get("channel", ""),
            scope=request.POST.get("scope", Scope.CROSS_PROVINCE),
            materials_sent=request.POST.getlist("materials_sent"),
            note=request.POST.get("note", ""),
        )
    elif op == "reference":
        services.handoff_record_reference(
            actor=request.user, case=case, permit=permit, reference_no=request.POST.get("reference_no", "")
        )
    elif op == "return":
        services.handoff_return(
            actor=request.user,
            case=case,
            permit=permit,
            outcome=request.POST.get("outcome", ""),
            result=request.POST.get("result", ""),
        )
    else:
        raise ApplicationError("未知的操作。", status=400)


@login_required
def handoff_page(request: HttpRequest, case_no: str) -> HttpResponse:
    try:
        # who the person is to the case, evaluated once for the request and passed along to the service
        case, permit = selectors.case_get_with_permit(user=request.user, case_no=case_no)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc
    status, error = 200, ""
    if request.method == "POST":
        try:
            _post(request, case, permit)
        except ApplicationError as exc:
            error, status = exc.message, exc.status
        except DjangoValidationError as exc:
            error, status = "；".join(m for msgs in exc.message_dict.values() for m in msgs), 400
        else:
            messages.success(request, "已保存。")
            return HttpResponseRedirect(request.path)
        case.refresh_from_db()
    remote = RemoteMatter.objects.filter(matter=case.matter).first()
    context = page_context(
        request,
        case=case,
        remote=remote,
        handoffs=list(Handoff.objects.filter(case=case)),
        channels=Channel.choices,
        scopes=Scope.choices,
        outcomes=Handoff.Outcome.choices,
        materials=[str(m) for m in (case.matter.materials or [])],
        error=error,
    )
    return render(request, "handoffs/page.html", context, status=status)
