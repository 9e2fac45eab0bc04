"""Admin for the 一件事 catalog: members inline, validated together (cycle, not offered) before saving."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from bundles.models import Bundle, BundleCase, BundleChild, BundleMember
from bundles.services import MemberSpec, bundle_check, bundle_sync_matter


class MemberFormSet(forms.BaseInlineFormSet):
    """Checks the whole member list at once (a cycle needs every row) and the sites chosen in the form."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        specs = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("matter"):
                continue
            specs.append(
                MemberSpec(
                    matter=data["matter"], depends_on=list(data.get("depends_on") or []), order=data["order"]
                )
            )
        sites = getattr(self.instance, "_pending_sites", None)
        if sites is None and self.instance.pk:
            sites = list(self.instance.sites.all())
        try:
            bundle_check(members=specs, sites=sites or [])
        except ValidationError as exc:
            raise ValidationError([m for msgs in exc.message_dict.values() for m in msgs]) from exc


class BundleMemberInline(admin.TabularInline):
    model = BundleMember
    formset = MemberFormSet
    extra = 1
    autocomplete_fields = ["matter"]
    filter_horizontal = ["depends_on"]


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "life_event", "time_limit_days", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "life_event"]
    filter_horizontal = ["sites"]
    inlines = [BundleMemberInline]

    def save_form(self, request: Any, form: Any, change: bool) -> Any:
        obj = super().save_form(request, form, change)
        obj._pending_sites = list(form.cleaned_data.get("sites") or [])  # the member formset checks them
        return obj

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        bundle_sync_matter(bundle=form.instance)  # the parent cases' matter follows the edited bundle


class BundleChildInline(admin.TabularInline):
    model = BundleChild
    extra = 0
    fields = ("case", "member", "order", "waits_for", "started_at")
    readonly_fields = ("case", "member", "order", "waits_for", "started_at")
    can_delete = False


@admin.register(BundleCase)
class BundleCaseAdmin(admin.ModelAdmin):
    list_display = ["case", "bundle", "created_at", "completed_at"]
    list_filter = ["bundle"]
    search_fields = ["case__case_no"]
    raw_id_fields = ["case"]
    inlines = [BundleChildInline]
