"""District admin: events and attendance, qualification rules (validity) and capability plans."""

from django import forms
from django.contrib import admin

from agency.admin import AuditedAdmin
from training.models import CATEGORY_CHOICES, Attendance, CapabilityPlan, QualificationRule, TrainingEvent


def _categories_field(label: str) -> forms.MultipleChoiceField:
    # the JSON list of category codes as checkboxes (no hand-typed JSON)
    return forms.MultipleChoiceField(
        label=label, choices=CATEGORY_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )


class TrainingEventForm(forms.ModelForm):
    categories = _categories_field("涉及事项类别")

    class Meta:
        model = TrainingEvent
        fields = [
            "kind", "title", "date", "hours", "organiser", "site", "categories", "matters",
            "grants_qualification", "note", "created_by",
        ]  # fmt: skip


class CapabilityPlanForm(forms.ModelForm):
    required_categories = _categories_field("须取得资格的类别")

    class Meta:
        model = CapabilityPlan
        fields = ["kind", "required_hours", "required_categories"]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    autocomplete_fields = ("agent",)


@admin.register(TrainingEvent)
class TrainingEventAdmin(AuditedAdmin):
    form = TrainingEventForm
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
    form = CapabilityPlanForm
    list_display = ("kind", "required_hours", "required_categories")
