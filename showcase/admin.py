"""Typical cases in the admin: read and review; the texts are edited through the staff pages (checked)."""

from django.contrib import admin

from showcase.models import TypicalCase


@admin.register(TypicalCase)
class TypicalCaseAdmin(admin.ModelAdmin):
    list_display = ("title", "town", "site", "status", "consent", "published_at")
    list_filter = ("status", "consent", "town")
    search_fields = ("title",)
    readonly_fields = (
        "case",
        "site",
        "town",
        "matter_name",
        "matter_category",
        "title",
        "story",
        "what_worked",
        "status",
        "consent",
        "consent_method",
        "consent_by",
        "consent_at",
        "consent_recorded_by",
        "proposed_by",
        "proposed_at",
        "reviewed_by",
        "review_note",
        "published_at",
    )

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
