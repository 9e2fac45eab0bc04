"""Material photos taken at the door (上门收件), linked to the case and to one item of its matter's materials.

Files live in the storage named by ``MATERIAL_PHOTO_STORAGE`` (a ``STORAGES`` alias) under random names; they
are never given a public URL — ``uploads.views.photo_file`` serves them after the case scope check.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def photo_storage() -> Storage:
    """The storage photos go to: a proxy of ``MATERIAL_PHOTO_STORAGE`` read on each use (``uploads.storage``),
    so tests and deployments swap the backend by setting."""
    from uploads.storage import PhotoStorage

    return PhotoStorage()  # type: ignore[return-value]


def photo_upload_to(instance: Any, filename: str) -> str:
    # a random name: neither the resident nor the case number can be read from a storage listing
    ext = filename.rsplit(".", 1)[-1] if "." in filename else "jpg"
    return f"material-photos/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class MaterialPhoto(models.Model):
    """One photo of one material (身份证, 户口簿 page, 证明…) of a case.

    ``material`` is one of the case's ``matter.materials`` (or blank: 其他材料). ``client_id`` is the id the
    phone gave the photo while offline: a second upload of it (a retried sync) returns the first photo.
    """

    case = models.ForeignKey("workflows.Case", on_delete=models.CASCADE, related_name="material_photos")
    material = models.CharField(_("材料"), max_length=128, blank=True)
    file = models.FileField(_("文件"), storage=photo_storage, upload_to=photo_upload_to, max_length=255)
    content_type = models.CharField(_("类型"), max_length=32)
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    size = models.PositiveIntegerField(_("字节数"))
    client_id = models.CharField(_("客户端编号"), max_length=128, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("材料照片")
        verbose_name_plural = _("材料照片")
        indexes = [models.Index(fields=["case", "created_at"], name="photo_case_created_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["uploaded_by", "client_id"], condition=~Q(client_id=""), name="photo_user_client_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.material or '其他'}"
