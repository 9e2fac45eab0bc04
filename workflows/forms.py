"""HTML forms of the grid-worker (/m/) and station-staff (/staff/) pages.

Forms only parse and validate what a person typed; every rule about cases lives in ``workflows.services``.
Each action form is built for a case by ``for_case()`` (its choices come from ``workflows.selectors``) and its
``service_kwargs()`` maps the cleaned data to the keyword arguments of the action's service (the table in
``workflows.actions`` pairs them).
"""

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agency.models import Agent, Site
from core.exceptions import ApplicationError
from core.phones import parse_phone
from workflows import selectors
from workflows.case_rules import delivery_tracking_error
from workflows.models import Case

if TYPE_CHECKING:  # django-stubs is a dev dependency only
    from django_stubs_ext import StrOrPromise

# Widgets that bring up the numeric keypad on phones.
PHONE_WIDGET_ATTRS = {
    "type": "tel",
    "inputmode": "numeric",
    "autocomplete": "off",
    "placeholder": "例如 138 0013 8000",
}

SPECIAL_GROUP_CHOICES = Case.SpecialGroup.choices
DELIVERY_CHOICES = Case.DeliveryMethod.choices


def _text(
    label: "StrOrPromise", *, max_length: int, required: bool = True, rows: int = 0, **attrs: Any
) -> forms.CharField:
    widget: forms.Widget = (
        forms.Textarea(attrs={"rows": rows, **attrs}) if rows else forms.TextInput(attrs=attrs)
    )
    return forms.CharField(label=label, max_length=max_length, required=required, widget=widget, strip=True)


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class PhoneField(forms.CharField):
    """A resident's mobile number as people type it; cleans to E.164 (``+8613800138000``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("居民手机号"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("widget", forms.TextInput(attrs=PHONE_WIDGET_ATTRS))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value:
            return ""
        number = parse_phone(value)
        if number is None:
            raise forms.ValidationError(_("请输入正确的手机号码，例如 138 0013 8000。"), code="invalid_phone")
        return str(number.as_e164)


class PhoneLookupForm(forms.Form):
    """First step of a new request without JavaScript: the phone number, to fill in the rest from history."""

    resident_phone = PhoneField()


class CaseCreateForm(forms.Form):
    """New doorstep request (上门代办登记). ``site`` is shown only when the worker serves several sites."""

    resident_phone = PhoneField()
    resident_name = _text(_("居民姓名"), max_length=64, autocomplete="off")
    address = _text(_("住址"), max_length=255, autocomplete="off")
    description = _text(_("诉求描述"), max_length=2000, rows=4, required=False)
    special_groups = forms.MultipleChoiceField(
        label=_("特殊群体（优先办理、上门服务）"),
        choices=SPECIAL_GROUP_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    site = forms.ChoiceField(label=_("受理站点"), choices=[])

    def __init__(
        self,
        *args: Any,
        site_choices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "site").choices = site_choices
        if len(site_choices) == 1:
            self.fields["site"].widget = forms.HiddenInput()
            self.fields["site"].initial = site_choices[0][0]


def agent_label(agent: Agent) -> str:
    """``name · kind`` plus away and the suggestion's reason (set by ``workflows.extensions`` rankers)."""
    away, reason = "（外出）" if agent.is_away else "", getattr(agent, "suggestion_reason", "")
    return f"{agent.name} · {agent.get_kind_display()}{away}" + (f"（{reason}）" if reason else "")


class _ActionForm(forms.Form):
    """Base of the step forms; ``service_kwargs()`` is what the service receives besides actor and case."""

    @classmethod
    def for_case(
        cls, case: Case, data: Any = None, *, prefix: str, suggestions: list[Agent] | None = None
    ) -> "_ActionForm":
        """An unbound (``data=None``) or bound form for this step on ``case``; ``suggestions`` are the
        agents already suggested for the page (assign only), so they are not ranked twice."""
        return cls(data, prefix=prefix)

    def service_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class VisitForm(_ActionForm):
    """Home visit: what was found, and which materials are missing (told once, in full: 一次性告知)."""

    note = _text(_("上门情况"), max_length=2000, rows=3, required=False)
    materials_missing = forms.MultipleChoiceField(
        label=_("缺少的材料（勾选＝缺少）"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("勾选居民尚未备齐的材料，将一次性告知居民；全部齐全则不勾选。"),
    )

    def __init__(self, *args: Any, materials: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "materials_missing").choices = [(m, m) for m in (materials or [])]

    @classmethod
    def for_case(
        cls, case: Case, data: Any = None, *, prefix: str, suggestions: list[Agent] | None = None
    ) -> "_ActionForm":
        return cls(data, prefix=prefix, materials=list(case.matter.materials or []))

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "note": self.cleaned_data["note"],
            "materials_missing": list(self.cleaned_data["materials_missing"]),
        }


class ScheduleVisitForm(_ActionForm):
    """预约上门: the time agreed with the resident (a plain ``datetime-local`` input, local time)."""

    visit_at = forms.DateTimeField(
        label=_("上门时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("与群众约定的时间；将提前一天和两小时短信提醒。"),
    )


class SubmitForm(_ActionForm):
    """Submitted to the department on the resident's behalf."""

    department = _text(_("报送部门"), max_length=128)
    reference_no = _text(_("平台受理编号"), max_length=64, required=False, autocomplete="off")
    note = _text(_("备注"), max_length=2000, rows=2, required=False)


class ProgressForm(_ActionForm):
    note = _text(_("进展情况"), max_length=2000, rows=3)
    notify_resident = forms.BooleanField(label=_("短信告知群众"), required=False)


class CompleteForm(_ActionForm):
    """Result delivered; a tracking number is required when it went by post."""

    result = _text(_("办理结果"), max_length=2000, rows=3)
    delivery_method = forms.ChoiceField(
        label=_("送达方式"),
        choices=DELIVERY_CHOICES,
        widget=forms.RadioSelect,
        initial=Case.DeliveryMethod.DOOR.value,
    )
    tracking_no = _text(
        _("快递单号（邮寄时填写）"), max_length=64, required=False, autocomplete="off", inputmode="latin"
    )
    note = _text(_("备注"), max_length=2000, rows=2, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        tracking_error = delivery_tracking_error(
            delivery_method=data.get("delivery_method") or "", tracking_no=data.get("tracking_no") or ""
        )
        if tracking_error:
            self.add_error("tracking_no", tracking_error)
        return data


class AnswerForm(_ActionForm):
    """Policy consultation (政策咨询): the answer closes the request without a submission."""

    answer = _text(_("答复内容"), max_length=2000, rows=4)


class WithdrawForm(_ActionForm):
    reason = _text(_("撤回原因（居民申请撤回）"), max_length=500, rows=2)


class RejectForm(_ActionForm):
    reason = _text(_("不予受理原因"), max_length=500, rows=2)


class CloseForm(_ActionForm):
    note = _text(_("办结说明"), max_length=2000, rows=2, required=False)


class RectifyForm(_ActionForm):
    note = _text(_("整改报告"), max_length=2000, rows=4)


class AssignForm(_ActionForm):
    """Pick a suggested agent, or override with anyone eligible (``agent`` wins over ``suggested``)."""

    suggested = forms.ChoiceField(label=_("推荐代办员"), required=False, widget=forms.RadioSelect)
    agent = forms.ChoiceField(label=_("或指定其他代办员"), required=False)

    def __init__(
        self,
        *args: Any,
        suggested: list[tuple[str, str]],
        others: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "suggested").choices = suggested
        if suggested:
            self.fields["suggested"].initial = suggested[0][0]
        _choice_field(self, "agent").choices = [("", "——"), *others]

    @classmethod
    def for_case(
        cls, case: Case, data: Any = None, *, prefix: str, suggestions: list[Agent] | None = None
    ) -> "_ActionForm":
        suggested = suggestions if suggestions is not None else selectors.agent_suggestions(case=case)
        suggested_ids = {a.pk for a in suggested}
        others = selectors.case_agent_choices(case=case)
        return cls(
            data,
            prefix=prefix,
            suggested=[(str(a.pk), agent_label(a)) for a in suggested],
            # every eligible agent stays a valid override, suggested or not (the suggestion list may change
            # between rendering and posting)
            others=[(str(a.pk), agent_label(a)) for a in others if a.pk not in suggested_ids]
            + [(str(a.pk), agent_label(a)) for a in suggested],
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["chosen"] = data.get("agent") or data.get("suggested") or ""
        if not data["chosen"]:
            raise forms.ValidationError(_("请选择代办员。"), code="required")
        return data

    def service_kwargs(self) -> dict[str, Any]:
        agent = Agent.objects.filter(pk=self.cleaned_data["chosen"]).first()
        if agent is None:
            raise ApplicationError("代办员不存在。", {"agent": self.cleaned_data["chosen"]}, status=400)
        return {"agent": agent}


class TransferForm(_ActionForm):
    """Move the case to another site and/or agent."""

    site = forms.ChoiceField(label=_("转至站点"), required=False)
    agent = forms.ChoiceField(label=_("转交代办员"), required=False)
    reason = _text(_("转办原因"), max_length=500, rows=2)

    def __init__(
        self, *args: Any, sites: list[tuple[str, str]], agents: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "site").choices = [("", "——"), *sites]
        _choice_field(self, "agent").choices = [("", "——"), *agents]

    @classmethod
    def for_case(
        cls, case: Case, data: Any = None, *, prefix: str, suggestions: list[Agent] | None = None
    ) -> "_ActionForm":
        return cls(
            data,
            prefix=prefix,
            sites=[(str(s.pk), s.name) for s in selectors.transfer_sites(case=case)],
            agents=[(str(a.pk), agent_label(a)) for a in selectors.case_agent_choices(case=case)],
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("site") and not data.get("agent"):
            raise forms.ValidationError(_("请选择转至的站点或代办员。"), code="required")
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        site = Site.objects.filter(pk=data["site"]).first() if data.get("site") else None
        agent = Agent.objects.filter(pk=data["agent"]).first() if data.get("agent") else None
        return {"site": site, "agent": agent, "reason": data["reason"]}
