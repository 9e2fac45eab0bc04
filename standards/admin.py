"""Admin: the construction-standard criteria are edited here (a new policy edition is a data change);
assessments and their history are read-only (they change only through the services)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from standards.models import Assessment, AssessmentEvent, Evidence, SiteStanding, StandardCriterion


@admin.register(StandardCriterion)
class StandardCriterionAdmin(admin.ModelAdmin):
    list_display = ("site_kind", "key", "tier", "min_value", "unit", "required_items", "source", "is_active")
    list_filter = ("site_kind", "tier", "key", "is_active")
    list_editable = ("min_value", "is_active")
    ordering = ("site_kind", "sort_order", "key", "tier")


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = AssessmentEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "actor", "at", "note")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Assessment)
class AssessmentAdmin(_ReadOnly):
    list_display = (
        "site",
        "status",
        "computed_tier",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
    )
    list_filter = ("status", "computed_tier")
    search_fields = ("site__name", "site__code")
    inlines = [EventInline]


@admin.register(SiteStanding)
class SiteStandingAdmin(_ReadOnly):
    list_display = ("site", "tier", "next_tier", "approved_at")
    list_filter = ("tier",)


@admin.register(Evidence)
class EvidenceAdmin(_ReadOnly):
    list_display = ("assessment", "row_key", "width", "height", "uploaded_at")
