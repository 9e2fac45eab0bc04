"""Admin for the residents' records: ratings and their loop, doorstep requests, appointments."""

from django.contrib import admin

from residents.models import Appeal, Appointment, Callback, DoorstepRequest, Rating, Rectification


class _ReadOnlyAdmin(admin.ModelAdmin):
    """好差评 records are written only through the resident services (deadlines, escalation, statistics
    depend on them): the admin shows them for oversight and never edits them."""

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Rating)
class RatingAdmin(_ReadOnlyAdmin):
    list_display = ("case", "site", "value", "is_followup", "channel", "created_at", "excluded")
    list_filter = ("value", "is_followup", "channel", "excluded")
    search_fields = ("case__case_no",)
    list_select_related = ("case", "site")
    date_hierarchy = "created_at"


@admin.register(Callback)
class CallbackAdmin(_ReadOnlyAdmin):
    list_display = ("rating", "at", "by", "reached")
    list_select_related = ("rating__case", "by")


@admin.register(Rectification)
class RectificationAdmin(_ReadOnlyAdmin):
    list_display = ("rating", "at", "by", "resident_notified_at")
    list_select_related = ("rating__case", "by")


@admin.register(Appeal)
class AppealAdmin(_ReadOnlyAdmin):
    list_display = ("rating", "status", "filed_by", "filed_at", "decided_by", "decided_at")
    list_filter = ("status",)
    list_select_related = ("rating__case", "filed_by", "decided_by")


@admin.register(DoorstepRequest)
class DoorstepRequestAdmin(_ReadOnlyAdmin):
    list_display = ("id", "status", "created_at")
    list_filter = ("status",)


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("ref", "date", "half_day", "site", "matter", "status", "case")
    list_filter = ("status", "half_day", "site")
    search_fields = ("ref",)
    raw_id_fields = ("case", "decided_by")
