"""The in-app notifications page (``/notifications/``): works without JavaScript."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from notifications import selectors, services


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.inapp_for_user(request.user), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread": selectors.unread_count(request.user)},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.notification_mark_read(user=request.user, notification_id=pk)
    except ApplicationError:
        return HttpResponse("通知不存在", status=404)
    return HttpResponseRedirect(reverse("notifications"))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=request.user)
    return HttpResponseRedirect(reverse("notifications"))
