"""Material photo API: ``GET`` the case's checklist and photos, ``POST`` one photo (multipart)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.parsers import FormParser, MultiPartParser
from uploads import selectors, services
from uploads import serializers as s
from workflows import selectors as wf_selectors


class CasePhotosView(APIView):
    """Photos of a case's materials (上门收件). Outside the caller's scope: 404."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(operation_id="cases_photos_list", responses=s.PhotoListSerializer)
    def get(self, request: Request, case_no: str) -> Response:
        case = wf_selectors.case_get_for_actor(user=request.user, case_no=case_no)
        photos = list(selectors.photos_for_case(case))
        rows = selectors.materials_checklist(case, photos)
        return Response({"materials": s.checklist_out(rows), "photos": [s.photo_out(p) for p in photos]})

    @extend_schema(
        operation_id="cases_photos_create",
        request={"multipart/form-data": s.PhotoUploadInput},
        responses={201: s.PhotoSerializer, 200: s.PhotoSerializer},
        description="上传一张材料照片（JPEG/PNG/WebP，重新编码并去除 EXIF/GPS）。同一 client_id 再次上传返回 200 与原照片。",
    )
    def post(self, request: Request, case_no: str) -> Response:
        case, permit = wf_selectors.case_get_with_permit(user=request.user, case_no=case_no)
        data = s.PhotoUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        photo, created = services.material_photo_add(
            actor=request.user,
            case=case,
            permit=permit,
            upload=data.validated_data["photo"],
            material=data.validated_data["material"],
            client_id=data.validated_data["client_id"],
        )
        return Response(s.photo_out(photo), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
