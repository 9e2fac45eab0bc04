"""Admin for cases: read-mostly (state changes go through the services, not the admin form)."""

from django.contrib import admin

from core.client_ip import client_ip_or_none
from workflows.models import Case, CaseEvent


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "note", "actor_name", "public")
    readonly_fields = fields
    ordering = ("at", "id")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("case_no", "status", "site", "matter", "assigned_agent", "due_at", "created_at")
    list_filter = ("status", "channel", "site")
    search_fields = ("case_no", "reference_no")
    list_select_related = ("site", "matter", "assigned_agent")
    raw_id_fields = ("site", "grid", "matter", "assigned_agent", "created_by", "process")
    readonly_fields = (
        "case_no",
        "status",
        "process",
        "created_at",
        "updated_at",
        "completed_at",
        "closed_at",
    )
    inlines = [CaseEventInline]
    date_hierarchy = "created_at"

    def change_view(self, request, object_id, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        # the change form shows the full phone and ID number: audited like the staff page's reveal (PIPL)
        if request.method == "GET":
            from core.services import audit_log

            audit_log(
                actor=request.user,
                action="view_resident_phone",
                target_type="case",
                target_id=str(object_id),
                ip=client_ip_or_none(request),
                detail={"reason": "admin", "id_number": True},
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin):
    list_display = ("case", "at", "kind", "actor_name", "public")
    list_filter = ("kind", "public")
    search_fields = ("case__case_no",)
    raw_id_fields = ("case", "actor")
    list_select_related = ("case",)
