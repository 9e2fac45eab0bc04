from django.contrib import admin
from django.http import HttpRequest

from elicence.models import CaseLicence, LicenceQuery, LicenceType, MaterialLicence


@admin.register(LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "national_code", "issuer", "is_active")
    search_fields = ("code", "name", "national_code")


@admin.register(MaterialLicence)
class MaterialLicenceAdmin(admin.ModelAdmin):
    list_display = ("matter", "material", "licence_type")
    list_filter = ("licence_type",)
    search_fields = ("matter__name", "material")
    autocomplete_fields = ("licence_type",)


class ReadOnly(admin.ModelAdmin):
    """The query log and the links are evidence: nobody edits or deletes them here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(LicenceQuery)
class LicenceQueryAdmin(ReadOnly):
    list_display = ("created_at", "case", "actor", "outcome", "detail", "duration_ms")
    list_filter = ("outcome", "consent")
    search_fields = ("case__case_no", "request_id")
    list_select_related = ("case", "actor")


@admin.register(CaseLicence)
class CaseLicenceAdmin(ReadOnly):
    list_display = ("case", "licence_type", "number_masked", "issuer", "valid_until", "linked_at")
    list_select_related = ("case", "licence_type")
