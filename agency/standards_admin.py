"""Admin for the construction-standard tables and site profiles (loaded from ``agency/admin.py``).

Criteria are edited here (a new policy edition is a data change). Profiles are read-only here: they are
edited on ``/standards/<code>/`` so that every change writes a history row through the service.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from agency.standards_models import SiteProfile, SiteProfileChange, StandardCriterion

__all__: list[str] = []  # imported for its registrations only


@admin.register(StandardCriterion)
class StandardCriterionAdmin(admin.ModelAdmin):
    list_display = ("site_kind", "key", "tier", "min_value", "unit", "required_items", "source", "is_active")
    list_filter = ("site_kind", "tier", "key", "is_active")
    list_editable = ("min_value", "is_active")
    ordering = ("site_kind", "sort_order", "key", "tier")


class SiteProfileChangeInline(admin.TabularInline):
    model = SiteProfileChange
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "changes", "note")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SiteProfile)
class SiteProfileAdmin(admin.ModelAdmin):
    list_display = ("site", "area_m2", "windows", "seats", "staffing", "updated_at", "updated_by")
    search_fields = ("site__name", "site__code")
    inlines = [SiteProfileChangeInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
