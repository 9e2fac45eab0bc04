"""Admin for Open311 keys, export jobs and appointments (loaded from ``workflows/admin.py``)."""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from workflows.oversight_models import Appointment, ExportJob, Open311Key

__all__: list[str] = []  # imported for its registrations only


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    """A new key is generated on save and shown once; only its SHA-256 is stored."""

    list_display = ("name", "key_prefix", "actor", "is_active", "created_at", "last_used_at")
    fields = ("name", "actor", "is_active")
    raw_id_fields = ("actor",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            raw = Open311Key.generate()
            obj.key_digest = Open311Key.digest(raw)
            obj.key_prefix = raw[:6]
            messages.warning(request, f"新密钥（只显示这一次，请妥善转交接入方）：{raw}")
        super().save_model(request, obj, form, change)


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ("id", "requested_by", "status", "total", "done", "unmasked", "created_at", "finished_at")
    list_filter = ("status", "unmasked")
    readonly_fields = [f.name for f in ExportJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("ref", "date", "half_day", "site", "matter", "status", "case")
    list_filter = ("status", "half_day", "site")
    search_fields = ("ref",)
    raw_id_fields = ("case", "decided_by")
