"""District admin: events and attendance, qualification rules (validity) and capability plans."""

from django.contrib import admin

from agency.admin import AuditedAdmin
from training.models import Attendance, CapabilityPlan, QualificationRule, TrainingEvent


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    autocomplete_fields = ("agent",)


@admin.register(TrainingEvent)
class TrainingEventAdmin(AuditedAdmin):
    list_display = ("date", "kind", "title", "hours", "site", "grants_qualification")
    list_filter = ("kind", "grants_qualification")
    search_fields = ("title", "organiser")
    date_hierarchy = "date"
    autocomplete_fields = ("site",)
    filter_horizontal = ("matters",)
    inlines = [AttendanceInline]


@admin.register(QualificationRule)
class QualificationRuleAdmin(AuditedAdmin):
    list_display = ("category", "valid_months", "check_on_assign")


@admin.register(CapabilityPlan)
class CapabilityPlanAdmin(AuditedAdmin):
    list_display = ("kind", "required_hours", "required_categories")
