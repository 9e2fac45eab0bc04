"""Writes of material photos: add one (sanitised by ``core.images.image_sanitize``), purge expired ones."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.images import image_sanitize
from core.services import audit_log
from core.text import quote
from uploads.models import MaterialPhoto
from workflows.models import Case
from workflows.permissions import ANYONE, Rule, rule_register
from workflows.selectors import CasePermit, case_permit

logger = logging.getLogger(__name__)

CLIENT_ID_RE = re.compile(r"^[!-~]{1,128}$")
PURGE_BATCH = 200

# Adding a material photo: a row of the one case permission table (``workflows.permissions.RULES``): anyone
# with the case in scope, until the case has ended.
rule_register(
    "material_photo_add",
    Rule(
        ANYONE,
        tuple(sorted(set(Case.Status.values) - Case.Status.FINAL)),  # type: ignore[attr-defined]
        conflict="案件已结束，不能再添加材料照片。",
    ),
)


def retention_days() -> int:
    return int(getattr(settings, "MATERIAL_PHOTO_RETENTION_DAYS", 180))


def _existing(actor: Any, client_id: str, case: Case) -> MaterialPhoto | None:
    photo = MaterialPhoto.objects.filter(uploaded_by=actor, client_id=client_id).first()
    if photo is not None and photo.case_id != case.pk:
        raise ApplicationError("该照片编号已用于另一件案件。", {"client_id": client_id}, status=409)
    return photo


@transaction.atomic
def material_photo_add(
    *,
    actor: Any,
    case: Case,
    upload: IO[bytes],
    material: str = "",
    client_id: str = "",
    permit: CasePermit | None = None,
) -> tuple[MaterialPhoto, bool]:
    """Store one photo of ``material`` for ``case``; returns (photo, created).

    404 outside the actor's scope (the same answer as an unknown case), 409 on a closed case (the
    ``material_photo_add`` row; ``permit``: the request's, if it has one), 400 for a material not on the matter's list or a file that is not a usable image.
    A ``client_id`` already uploaded by this actor returns that photo (a retried offline sync), unchanged.
    """
    (permit or case_permit(user=actor, case=case)).require(case=case, action="material_photo_add")
    if material and material not in (case.matter.materials or []):
        raise ValidationError({"material": [f"{quote(material)}不在该事项的材料清单中。"]})
    if client_id:
        if not CLIENT_ID_RE.match(client_id):
            raise ValidationError({"client_id": ["照片编号无效（1-128 个可见 ASCII 字符）。"]})
        found = _existing(actor, client_id, case)
        if found is not None:
            return found, False
    clean = image_sanitize(upload=upload, field="photo")
    photo = MaterialPhoto(
        case=case,
        material=material,
        content_type=clean.content_type,
        width=clean.width,
        height=clean.height,
        size=clean.size,
        client_id=client_id,
        uploaded_by=actor,
    )
    photo.file.save(f"photo.{clean.extension}", clean.content, save=False)
    try:
        photo.full_clean(exclude=["case", "uploaded_by"], validate_unique=False, validate_constraints=False)
        with transaction.atomic():
            photo.save()
    except IntegrityError:
        # the same client id sent twice at once: the other upload won; drop our copy of the file
        photo.file.storage.delete(photo.file.name or "")
        found = _existing(actor, client_id, case)
        if found is None:
            raise
        return found, False
    except BaseException:
        photo.file.storage.delete(photo.file.name or "")
        raise
    audit_log(
        actor=actor,
        action="material_photo_add",
        target_type="case",
        target_id=case.case_no,
        detail={"photo": photo.pk, "material": material},
    )
    return photo, True


def material_photos_purge(*, now: dt.datetime | None = None) -> int:
    """Delete photos of cases that ended (closed, rejected, withdrawn) more than
    ``MATERIAL_PHOTO_RETENTION_DAYS`` ago: the file from storage, then the row. Returns how many.

    Safe to run twice at once: a file already gone is fine for every storage backend, a row already
    deleted counts once."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days())
    final = sorted(Case.Status.FINAL)  # type: ignore[attr-defined]
    total = 0
    while True:
        batch = list(
            MaterialPhoto.objects.filter(case__status__in=final, case__closed_at__lt=cutoff).order_by("id")[
                :PURGE_BATCH
            ]
        )
        if not batch:
            break
        for photo in batch:
            if photo.file.name:
                photo.file.storage.delete(photo.file.name or "")
        deleted, _ = MaterialPhoto.objects.filter(pk__in=[p.pk for p in batch]).delete()
        total += deleted
    logger.info("material photos purged: %d (retention %d days)", total, retention_days())
    return total
