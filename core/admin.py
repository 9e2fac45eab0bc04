from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from core.calendar_import import calendar_import
from core.exceptions import ApplicationError
from core.models import AuditLog, CalendarDay, User
from core.tabular import read_table

admin.site.site_header = "帮办代办 管理后台"
admin.site.site_title = "帮办代办"
admin.site.index_title = "管理"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("帮办代办", {"fields": ("display_name",)}))
    list_display = ("username", "display_name", "is_staff", "is_superuser", "is_active")


class CalendarImportForm(forms.Form):
    file = forms.FileField(label="放假安排文件（CSV 或 XLSX）", help_text="每行：日期, 休/班, 名称（可不填）")
    dry_run = forms.BooleanField(label="只校验，不导入", required=False)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
    date_hierarchy = "date"
    change_list_template = "admin/core/calendarday/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="core_calendarday_import",
            )
        ]
        return extra + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload the State Council's schedule; every bad line is listed and nothing is imported."""
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        form = CalendarImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload: Any = form.cleaned_data["file"]
            try:
                table = read_table(upload, upload.name)
            except ApplicationError as exc:
                errors = [exc.message]
            else:
                report = calendar_import(
                    table=table, dry_run=form.cleaned_data["dry_run"], actor=request.user
                )
                errors = report.lines()
                if report.ok:
                    years = "、".join(str(y) for y in report.years)
                    if report.dry_run:
                        messages.success(request, f"校验通过：{report.total} 天（{years}），未导入。")
                    else:
                        messages.success(
                            request, f"已导入 {years}：新增 {report.created} 天，更新 {report.updated} 天。"
                        )
                        return redirect("admin:core_calendarday_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "导入放假安排",
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(
            request, "admin/core/calendarday/import.html", context, status=400 if errors else 200
        )

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
