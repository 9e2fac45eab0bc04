"""Forms of the training pages (input parsing only; the services validate and write)."""

from __future__ import annotations

from typing import Any

from django import forms

from agency.models import Matter
from training.models import TrainingEvent


class EventForm(forms.Form):
    site = forms.ChoiceField(label="登记站点")
    kind = forms.ChoiceField(label="形式", choices=TrainingEvent.Kind.choices)
    title = forms.CharField(label="主题", max_length=128)
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(label="学时", min_value=0.5, max_value=200, decimal_places=1)
    organiser = forms.CharField(label="组织单位", max_length=128)
    categories = forms.MultipleChoiceField(
        label="涉及事项类别",
        choices=Matter.Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    grants_qualification = forms.BooleanField(
        label="计入事项资格（参加且未判定不合格即取得所涉类别资格）", required=False, initial=True
    )
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, sites: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = sites  # type: ignore[attr-defined]


class AttendanceImportForm(forms.Form):
    file = forms.FileField(label="参训名单（CSV 或 XLSX）")
    dry_run = forms.BooleanField(label="只校验，不导入", required=False)
