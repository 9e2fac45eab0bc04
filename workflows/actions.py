"""The actions people take on a case, in one table shared by the pages and the API.

Each row names the action and gives: its label on the page (and in the success message), the page form
(``workflows.forms``, built for the case by ``for_case()``), the API input serializer, the service that does it
and the API's one-line description. The page (``/m/…`` and ``/staff/cases/<no>/<action>/``) and the API
(``POST /api/v1/cases/<no>/<action>/``) both dispatch through ``CASE_ACTIONS``; the table's order is the order
of the forms on the case page (the step a person most likely takes next first).

Who may take an action and in which statuses is ``workflows.permissions.RULES`` (``CaseAction.rule``): the
selectors read it without importing the services, so it stays there; this module checks at import that this
table lists the case process's own rows of it (``permissions.ACTIONS``; the apps built on cases register
theirs, with their own pages). Adding an action: a service, a form and an input serializer, then one row
here and its rule there.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rest_framework import serializers

from workflows import case_closing, case_steps, forms, permissions, services
from workflows.api import serializers as api_inputs
from workflows.models import Case
from workflows.selectors import CasePermit


@dataclass(frozen=True)
class CaseAction:
    name: str
    label: str
    form: type[forms._ActionForm]
    api_input: type[serializers.Serializer]
    service: Callable[..., Case]
    doc: str
    danger: bool = False  # shown as a destructive step (the resident's request ends)

    @property
    def rule(self) -> permissions.Rule:
        """Who may take the action and in which statuses."""
        return permissions.RULES[self.name]

    def run(self, *, actor: Any, case: Case, permit: CasePermit | None = None, **kwargs: Any) -> Case:
        """Do the action; ``permit``: the one the request already evaluated and checked, passed along to the
        service (every row's service takes it; None: the service evaluates one)."""
        return self.service(actor=actor, case=case, permit=permit, **kwargs)


_ROWS = (
    CaseAction("assign", "分派代办员", forms.AssignForm, api_inputs.AssignInput, services.case_assign,
               "分派帮办员（站点工作人员）。"),
    CaseAction("visit", "上门服务", forms.VisitForm, api_inputs.VisitInput, case_steps.case_visit,
               "上门服务；缺材料一次性告知。"),
    CaseAction("schedule_visit", "预约上门", forms.ScheduleVisitForm, api_inputs.ScheduleVisitInput,
               case_steps.case_schedule_visit, "预约上门时间（帮办员或站点工作人员）。"),
    CaseAction("submit", "代为报送", forms.SubmitForm, api_inputs.SubmitInput, case_steps.case_submit,
               "代为报送部门。"),
    CaseAction("progress", "更新进度", forms.ProgressForm, api_inputs.ProgressInput, case_steps.case_progress,
               "进度更新；notify_resident=true 时短信告知群众。"),
    CaseAction("complete", "办结送达", forms.CompleteForm, api_inputs.CompleteInput, case_steps.case_complete,
               "办结并送达结果。"),
    CaseAction("answer", "咨询答复", forms.AnswerForm, api_inputs.AnswerInput, case_steps.case_answer,
               "政策咨询答复并办结。"),
    CaseAction("close", "关闭案件", forms.CloseForm, api_inputs.OptionalNoteInput, case_closing.case_close,
               "评价后或评价期满后关闭。"),
    CaseAction("rectify", "提交整改报告", forms.RectifyForm, api_inputs.NoteInput, case_closing.case_rectify,
               "差评整改报告。"),
    CaseAction("transfer", "转办", forms.TransferForm, api_inputs.TransferInput, services.case_transfer,
               "转办至其他站点或帮办员。"),
    CaseAction("withdraw", "居民撤回", forms.WithdrawForm, api_inputs.ReasonInput, case_closing.case_withdraw,
               "群众申请撤回。", danger=True),
    CaseAction("reject", "不予受理", forms.RejectForm, api_inputs.ReasonInput, case_closing.case_reject,
               "不予受理（须说明理由）。", danger=True),
)  # fmt: skip

CASE_ACTIONS: dict[str, CaseAction] = {row.name: row for row in _ROWS}

if set(CASE_ACTIONS) != set(permissions.ACTIONS):  # pragma: no cover - a programming error, caught at import
    raise RuntimeError(
        f"workflows.actions and workflows.permissions.ACTIONS disagree: {set(CASE_ACTIONS) ^ set(permissions.ACTIONS)}"
    )
