"""Pages of the uploads app: the case's materials checklist with photo upload (``/m/materials/<case_no>/``)
and the scope-checked photo file view (``/m/photos/<id>/``). No public media URL exists for a photo."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from core.exceptions import ApplicationError
from uploads import selectors, services
from uploads.storage import photo_response
from workflows import permissions
from workflows import selectors as wf_selectors
from workflows.models import Case
from workflows.selectors import CasePermit


def _case_or_404(request: HttpRequest, case_no: str) -> tuple[Case, CasePermit]:
    """The case and who the person is to it (evaluated once for the request, passed along); 404 outside
    the person's scope."""
    try:
        return wf_selectors.case_get_with_permit(user=request.user, case_no=case_no)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc


@require_http_methods(["GET", "POST"])
@login_required
def m_materials(request: HttpRequest, case_no: str) -> HttpResponse:
    """材料收件: which of the matter's materials have a photo, which are missing; take or choose a photo."""
    case, permit = _case_or_404(request, case_no)
    error, status = "", 200
    if request.method == "POST":
        upload = request.FILES.get("photo")
        if upload is None:
            error, status = "请先拍摄或选择一张照片。", 400
        else:
            try:
                services.material_photo_add(
                    actor=request.user,
                    case=case,
                    permit=permit,
                    upload=upload,
                    material=request.POST.get("material", "")[:128],
                    client_id=request.POST.get("client_id", "")[:128],
                )
            except ApplicationError as exc:
                if exc.status == 404:
                    raise Http404(exc.message) from exc
                error, status = exc.message, exc.status
            except DjangoValidationError as exc:
                error, status = "；".join(exc.messages), 400
            else:
                messages.success(request, "照片已保存。")
                return HttpResponseRedirect(reverse("uploads:m-materials", args=[case.case_no]))
    photos = list(selectors.photos_for_case(case))
    rows = selectors.materials_checklist(case, photos)
    role = wf_selectors.actor_role(request.user)
    return render(
        request,
        "uploads/m_materials.html",
        {
            "case": case,
            "rows": rows,
            "missing": [r for r in rows if r.material and not r.collected],
            "error": error,
            "nav": "tasks",
            "is_staff_role": role in permissions.STAFF_ROLES,
            "may_upload": not case.is_final,
        },
        status=status,
    )


class PhotoFileView(APIView):
    """The photo's bytes, only for users whose scope covers its case (404 otherwise, like an unknown id).

    A DRF view so that the API's token and the pages' session both work (an img tag on a page, a client).
    """

    @extend_schema(exclude=True)
    def get(self, request: Request, photo_id: int) -> HttpResponseBase:
        photo = selectors.photo_get_for_actor(user=request.user, photo_id=photo_id)
        ext = (photo.file.name or "").rsplit(".", 1)[-1]
        return photo_response(
            file=photo.file, content_type=photo.content_type, filename=f"photo-{photo.pk}.{ext}"
        )
