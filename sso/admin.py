from django.contrib import admin

from sso.models import StaffIdentity


@admin.register(StaffIdentity)
class StaffIdentityAdmin(admin.ModelAdmin):
    list_display = ("agent", "value", "last_login_at")
    search_fields = ("agent__name", "value")
    autocomplete_fields = ("agent",)
    readonly_fields = ("created_at", "last_login_at")
