"""Forms of the station workbench: the table's filters (GET; a bad value drops only that filter) and the
bulk assign/transfer (POST, confirmed once)."""

from __future__ import annotations

from typing import Any

from django import forms

from workflows import workbench
from workflows.figures import FIGURE_LABELS
from workflows.models import Case

MAX_BULK = 100


def _choices(field: forms.Field) -> forms.ChoiceField:
    assert isinstance(field, forms.ChoiceField)
    return field


class WorkbenchFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=64)
    tab = forms.ChoiceField(label="分组", required=False, choices=[(k, lbl) for k, lbl, _s in workbench.TABS])
    status = forms.ChoiceField(label="状态", required=False)
    matter = forms.ChoiceField(label="事项", required=False)
    agent = forms.ChoiceField(label="帮办员", required=False)
    special = forms.ChoiceField(label="特殊群体", required=False)
    channel = forms.ChoiceField(label="渠道", required=False)
    bundle = forms.ChoiceField(
        label="一件事",
        required=False,
        choices=[("", "全部"), ("member", "一件事子件"), ("parent", "一件事主件"), ("none", "单件")],
    )
    overdue = forms.BooleanField(label="仅看超期", required=False)
    view = forms.ChoiceField(label="常用视图", required=False, choices=[("", ""), *workbench.SAVED_VIEWS])
    sort = forms.ChoiceField(
        label="排序",
        required=False,
        choices=[("", "")] + [(s, s) for k in workbench.SORTS for s in (k, f"-{k}")],
    )
    site = forms.CharField(required=False, max_length=32)
    figure = forms.ChoiceField(required=False, choices=[("", ""), *FIGURE_LABELS.items()])
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)

    def __init__(self, data: Any, *, matters: list[tuple[str, str]], agents: list[tuple[str, str]]) -> None:
        data = data.copy() if data is not None else None
        if data is not None:  # the oversight figures' parameter names
            for src, dst in (("from", "date_from"), ("to", "date_to")):
                if src in data and dst not in data:
                    data[dst] = data[src]
        super().__init__(data)
        _choices(self.fields["status"]).choices = [("", "—"), *Case.Status.choices]
        _choices(self.fields["matter"]).choices = [("", "全部"), *matters]
        _choices(self.fields["agent"]).choices = [("", "全部"), ("none", "未分派"), *agents]
        _choices(self.fields["special"]).choices = [
            ("", "全部"),
            ("any", "任一特殊群体"),
            *Case.SpecialGroup.choices,
        ]
        _choices(self.fields["channel"]).choices = [("", "全部"), *Case.Channel.choices]

    def filters(self) -> workbench.Filters:
        """The validated filters (an invalid field is dropped, the rest still apply)."""
        if not self.is_bound:
            return workbench.Filters()
        self.is_valid()
        d = self.cleaned_data
        return workbench.Filters(
            tab=d.get("tab") or "active",
            status=d.get("status") or "",
            q=(d.get("q") or "").strip(),
            matter=d.get("matter") or "",
            agent=d.get("agent") or "",
            overdue=bool(d.get("overdue")),
            special=d.get("special") or "",
            channel=d.get("channel") or "",
            bundle=d.get("bundle") or "",
            view=d.get("view") or "",
            sort=d.get("sort") or "",
            site=(d.get("site") or "").strip(),
            figure=d.get("figure") or "",
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
        )


class BulkForm(forms.Form):
    """分派 or 转办 the chosen cases; ``confirm`` marks the second (confirmed) post."""

    op = forms.ChoiceField(label="批量操作", choices=[("assign", "批量分派"), ("transfer", "批量转办")])
    agent = forms.ChoiceField(label="帮办员", required=False)
    site = forms.ChoiceField(label="转至站点", required=False)
    reason = forms.CharField(label="转办理由", required=False, max_length=2000)
    confirm = forms.BooleanField(required=False)

    def __init__(self, data: Any, *, agents: list[tuple[str, str]], sites: list[tuple[str, str]]) -> None:
        super().__init__(data)
        _choices(self.fields["agent"]).choices = [("", "—"), *agents]
        _choices(self.fields["site"]).choices = [("", "—"), *sites]
        self.case_nos: list[str] = []
        if data is not None:
            self.case_nos = list(dict.fromkeys(n.strip() for n in data.getlist("case") if n.strip()))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.case_nos:
            raise forms.ValidationError("请先勾选案件。")
        if len(self.case_nos) > MAX_BULK:
            raise forms.ValidationError(f"一次最多处理 {MAX_BULK} 件。")
        if data.get("op") == "assign" and not data.get("agent"):
            self.add_error("agent", "请选择帮办员。")
        if data.get("op") == "transfer":
            if not data.get("site") and not data.get("agent"):
                self.add_error("site", "请选择转办的站点或帮办员。")
            if not (data.get("reason") or "").strip():
                self.add_error("reason", "请填写转办理由。")
        return data
