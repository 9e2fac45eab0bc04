from django.contrib import admin

from handoffs.models import Handoff, RemoteMatter


@admin.register(RemoteMatter)
class RemoteMatterAdmin(admin.ModelAdmin):
    list_display = ["matter", "scope", "region", "authority", "channel"]
    list_filter = ["scope", "channel"]
    autocomplete_fields = ["matter"]


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    """Read-only record: hand-offs change through the services (staff pages / API), never here."""

    list_display = ["case", "scope", "region", "authority", "channel", "sent_at", "reference_no", "outcome"]
    list_filter = ["scope", "channel", "outcome"]
    search_fields = ["case__case_no", "reference_no", "region", "authority"]
    readonly_fields = [f.name for f in Handoff._meta.fields]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
