"""Shared models: the user, the working-day calendar and the audit log."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in (staff, grid workers, agents, admins). Residents never have accounts.

    What the person *does* (role, sites, scopes) lives on ``agency.Agent``; a superuser without an agent
    profile is a district admin.
    """

    display_name = models.CharField(_("显示名称"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class CalendarDay(models.Model):
    """An exception to the plain Monday–Friday week: an official holiday or a make-up workday (调休).

    Seeded from ``chinesecalendar`` for the years it knows; staff add new years in the admin when the
    State Council publishes them. Days not listed follow the weekday rule.
    """

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("名称"), max_length=64, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日/调休")
        verbose_name_plural = _("节假日/调休")

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}"


class AuditLog(models.Model):
    """Append-only record of sensitive actions: viewing unmasked personal data, exports, admin changes."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("动作"), max_length=64)
    target_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    target_id = models.CharField(_("对象"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.target_type}:{self.target_id}"
