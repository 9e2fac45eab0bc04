"""Reads of e-licences: what the case's materials could be satisfied by, and the checklist with what is linked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from elicence.models import CaseLicence, LicenceQuery, LicenceType, MaterialLicence
from uploads import selectors as upload_selectors
from workflows.models import Case


def licence_types_by_material(case: Case) -> dict[str, list[LicenceType]]:
    """For each material of the case's matter, the active licence types that satisfy it (one query)."""
    materials = [str(m) for m in case.matter.materials or []]
    out: dict[str, list[LicenceType]] = {m: [] for m in materials}
    rows = (
        MaterialLicence.objects.filter(
            matter_id=case.matter_id, material__in=materials, licence_type__is_active=True
        )
        .select_related("licence_type")
        .order_by("licence_type__code")
    )
    for row in rows:
        out[row.material].append(row.licence_type)
    return out


def licence_types_wanted(case: Case) -> list[LicenceType]:
    """Licence types that would satisfy a material of the case not yet covered by a linked licence."""
    linked = set(CaseLicence.objects.filter(case=case).values_list("licence_type_id", flat=True))
    wanted: dict[int, LicenceType] = {}
    for types in licence_types_by_material(case).values():
        if any(t.pk in linked for t in types):
            continue
        for licence_type in types:
            wanted.setdefault(licence_type.pk, licence_type)
    return list(wanted.values())


@dataclass
class ChecklistRow:
    """One material: the linked e-licence that covers it, its photos, or neither (paper or a photo needed)."""

    material: str
    licence: CaseLicence | None = None
    photos: list[Any] = field(default_factory=list)
    licence_types: list[LicenceType] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.licence is not None:
            return "电子证照已关联"
        if self.photos:
            return "已拍照"
        return "需提供纸质材料或拍照"


def materials_checklist(case: Case) -> list[ChecklistRow]:
    by_material = licence_types_by_material(case)
    licences = {
        lic.licence_type_id: lic
        for lic in CaseLicence.objects.filter(case=case).select_related("licence_type")
    }
    photos = {
        row.material: row.photos
        for row in upload_selectors.materials_checklist(case, list(upload_selectors.photos_for_case(case)))
    }
    rows = []
    for material, types in by_material.items():
        licence = next((licences[t.pk] for t in types if t.pk in licences), None)
        rows.append(
            ChecklistRow(
                material=material, licence=licence, photos=photos.get(material, []), licence_types=types
            )
        )
    return rows


def queries_for_case(case: Case) -> QuerySet[LicenceQuery]:
    return LicenceQuery.objects.filter(case=case).select_related("actor").order_by("-created_at", "-id")
