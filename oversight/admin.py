"""Admin for Open311 keys and export jobs."""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from oversight.models import ExportJob, Open311Key


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
