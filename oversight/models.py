"""Oversight models: Open311 API keys and background XLSX export jobs.

Moved here from the workflows app (issue 19): each keeps its ``workflows_*`` table (``db_table``), so the move
was a state-only migration and no row was copied.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["ExportJob", "Open311Key"]


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class Open311Key(models.Model):
    """An integrator's key for ``POST /open311/v2/requests.json``. Only the SHA-256 of the key is stored.

    Cases are created as ``actor`` (an account whose scope covers the sites the integrator files for).
    """

    name = models.CharField(_("接入方"), max_length=64)
    key_digest = models.CharField(_("密钥摘要"), max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("密钥前缀"), max_length=8, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记账号")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        db_table = "workflows_open311key"
        ordering = ["name"]
        verbose_name = _("Open311 接入密钥")
        verbose_name_plural = _("Open311 接入密钥")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def digest(raw: str) -> str:
        return _digest(raw)

    @staticmethod
    def generate() -> str:
        return secrets.token_urlsafe(24)


class ExportJob(models.Model):
    """One XLSX export of a period's cases, built by a Celery task; the file is kept under MEDIA_ROOT."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("导出人")
    )
    params = models.JSONField(_("导出条件"), default=dict)
    unmasked = models.BooleanField(_("含完整个人信息"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    file = models.FileField(_("文件"), upload_to="exports/", blank=True)
    error = models.CharField(_("错误"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        db_table = "workflows_exportjob"
        ordering = ["-created_at", "-id"]
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")

    def __str__(self) -> str:
        return f"导出 #{self.pk} {self.status}"

    @property
    def progress(self) -> int:
        """Percent done (0–100)."""
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
