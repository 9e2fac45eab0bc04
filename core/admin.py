from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from core.models import AuditLog, CalendarDay, User

admin.site.site_header = "帮办代办 管理后台"
admin.site.site_title = "帮办代办"
admin.site.index_title = "管理"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("帮办代办", {"fields": ("display_name",)}))
    list_display = ("username", "display_name", "is_staff", "is_superuser", "is_active")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        from core.services import calendar_day_set

        calendar_day_set(day=obj.date, is_workday=obj.is_workday, name=obj.name)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "target_type", "target_id", "ip")
    list_filter = ("action",)
    search_fields = ("target_id",)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
