"""Reads of material photos, always through the case scope rule of ``workflows.selectors``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from core.exceptions import ApplicationError
from uploads.models import MaterialPhoto
from workflows import selectors as wf_selectors
from workflows.models import Case

OTHER = ""  # a photo of something not on the matter's list: 其他材料


@dataclass
class ChecklistRow:
    """One required material of the case's matter and the photos taken of it."""

    material: str
    photos: list[MaterialPhoto] = field(default_factory=list)

    @property
    def collected(self) -> bool:
        return bool(self.photos)

    @property
    def label(self) -> str:
        return self.material or "其他材料"


def photos_for_case(case: Case) -> QuerySet[MaterialPhoto]:
    return MaterialPhoto.objects.filter(case=case).order_by("created_at", "id")


def materials_checklist(case: Case, photos: list[MaterialPhoto]) -> list[ChecklistRow]:
    """The matter's materials in their order, each with its photos; then 其他材料 if any photo is of none."""
    rows = {m: ChecklistRow(material=m) for m in (case.matter.materials or [])}
    other = ChecklistRow(material=OTHER)
    for photo in photos:
        rows.get(photo.material, other).photos.append(photo)
    return [*rows.values(), *([other] if other.photos else [])]


def photo_get_for_actor(*, user: Any, photo_id: int) -> MaterialPhoto:
    """The photo if ``user``'s scope covers its case; ``ApplicationError`` 404 otherwise (no existence leak)."""
    photo = MaterialPhoto.objects.select_related("case").filter(pk=photo_id).first()
    if photo is None or not wf_selectors.case_in_scope(user=user, case=photo.case):
        raise ApplicationError("照片不存在或无权查看。", {"photo": photo_id}, status=404)
    return photo
