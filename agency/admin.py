"""Django admin for the agency domain (Chinese labels come from the models' verbose names).

Admin edits are recorded in the audit log; publishing, AB岗 and imports go through ``agency.services``.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from agency import services
from agency.importing import read_agent_rows
from agency.models import Agent, Area, DutyShift, Grid, Matter, Site, SiteMatter
from core.exceptions import ApplicationError
from core.masking import mask_phone
from core.services import audit_log


class AuditedAdmin(admin.ModelAdmin):
    """Adds one audit row per admin save/delete, like the services do."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_log(
            actor=request.user,  # type: ignore[arg-type]
            action=f"admin_{'change' if change else 'add'}",
            target_type=obj._meta.model_name,
            target_id=str(obj.pk),
            detail={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_log(
            actor=request.user,  # type: ignore[arg-type]
            action="admin_delete",
            target_type=obj._meta.model_name,
            target_id=str(obj.pk),
        )
        super().delete_model(request, obj)


@admin.register(Area)
class AreaAdmin(AuditedAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)


class SiteMatterInline(admin.TabularInline):
    model = SiteMatter
    extra = 1
    autocomplete_fields = ("matter",)
    verbose_name = "可办事项"
    verbose_name_plural = "可办事项"


@admin.register(Site)
class SiteAdmin(AuditedAdmin):
    list_display = ("code", "name", "kind", "tier", "parent", "phone", "is_active")
    list_filter = ("kind", "tier", "partner_type", "is_active")
    search_fields = ("code", "name", "address")
    autocomplete_fields = ("area", "parent")
    inlines = [SiteMatterInline]
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "tier", "partner_type", "area", "parent", "is_active")}),
        ("联系与位置", {"fields": ("address", "lat", "lng", "phone", "hours")}),
        ("公示内容", {"fields": ("policy_text", "capabilities")}),
    )


@admin.register(Grid)
class GridAdmin(AuditedAdmin):
    list_display = ("code", "name", "site")
    list_filter = ("site__parent",)
    search_fields = ("code", "name", "site__name")
    autocomplete_fields = ("site",)


@admin.register(Matter)
class MatterAdmin(AuditedAdmin):
    list_display = ("code", "name", "category", "time_limit_days", "doorstep", "handling_level", "is_active")
    list_filter = ("category", "handling_level", "doorstep", "is_active")
    search_fields = ("code", "name", "keywords")
    list_editable = ("is_active",)
    # the 爱山东 and video links are https only (the model's validator); typed without a scheme, assume it
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class AgentImportForm(forms.Form):
    file = forms.FileField(label="CSV 或 XLSX 文件")
    dry_run = forms.BooleanField(label="只校验，不导入", required=False)


@admin.register(Agent)
class AgentAdmin(AuditedAdmin):
    list_display = (
        "name",
        "kind",
        "title",
        "masked_phone",
        "work_phone",
        "is_published",
        "is_active",
        "is_away",
    )
    list_filter = ("kind", "sites", "is_published", "is_active", "is_away")
    search_fields = ("name", "work_phone", "user__username")
    filter_horizontal = ("sites", "grids", "scopes")
    autocomplete_fields = ("user", "backup")
    actions = ["publish", "unpublish", "mark_away", "mark_back"]
    change_list_template = "agency/admin_agent_changelist.html"
    fieldsets = (
        (None, {"fields": ("name", "kind", "title", "user", "is_active")}),
        ("联系电话", {"fields": ("phone", "work_phone", "publish_mobile_consent")}),
        ("服务", {"fields": ("sites", "grids", "scopes", "is_published")}),
        ("AB岗", {"fields": ("backup", "is_away", "away_until")}),
    )

    @admin.display(description="手机号")
    def masked_phone(self, obj: Agent) -> str:
        return mask_phone(obj.phone)

    @admin.action(description="公示所选人员")
    def publish(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        for agent in queryset:
            services.agent_publish(agent=agent, actor=request.user)  # type: ignore[arg-type]
        self.message_user(request, f"已公示 {queryset.count()} 人", messages.SUCCESS)

    @admin.action(description="取消公示所选人员")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        for agent in queryset:
            services.agent_unpublish(agent=agent, actor=request.user)  # type: ignore[arg-type]
        self.message_user(request, f"已取消公示 {queryset.count()} 人", messages.SUCCESS)

    @admin.action(description="AB岗：标记为外出（由备岗人代岗）")
    def mark_away(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        for agent in queryset:
            services.agent_set_away(agent=agent, away=True, actor=request.user)  # type: ignore[arg-type]
        self.message_user(request, f"已标记 {queryset.count()} 人外出", messages.SUCCESS)

    @admin.action(description="AB岗：标记为返岗")
    def mark_back(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        for agent in queryset:
            services.agent_set_away(agent=agent, away=False, actor=request.user)  # type: ignore[arg-type]
        self.message_user(request, f"已标记 {queryset.count()} 人返岗", messages.SUCCESS)

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path("import/", self.admin_site.admin_view(self.import_view), name="agency_agent_import"),
        ]
        return custom + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a sheet; every bad row is listed by line number and nothing is imported on error."""
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:agency_agent_changelist"))
        report = None
        form = AgentImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = read_agent_rows(upload, upload.name)
                report = services.agent_import(
                    rows=rows,
                    dry_run=form.cleaned_data["dry_run"],
                    actor=request.user,  # type: ignore[arg-type]
                )
            except ApplicationError as exc:
                form.add_error("file", exc.message)
            else:
                if report.ok and not report.dry_run:
                    self.message_user(request, f"已导入 {report.created} 名帮办代办员", messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:agency_agent_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "批量导入帮办代办员",
            "form": form,
            "report": report,
            "columns": services.IMPORT_COLUMNS,
        }
        return TemplateResponse(request, "agency/admin_import.html", context)


@admin.register(DutyShift)
class DutyShiftAdmin(AuditedAdmin):
    list_display = ("date", "site", "agent", "note")
    list_filter = ("site",)
    date_hierarchy = "date"
    autocomplete_fields = ("site", "agent")
