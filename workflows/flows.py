"""The 帮办代办 process in Viewflow.

Shape: every human step is a ``flow.Handle`` completed by ``workflows.transitions.case_transition`` (which checks
permissions, takes the lock, updates the case and writes the timeline), followed by one ``route`` switch
that picks the next step from ``Case.status`` — the status is the source of truth, Viewflow follows it::

    start ─► assign ─► route ─► visit ─► route ─┬─► visit (待补材料: loop)
                                          ├─► submit ─► route ─► handling ─► route ─┬─► handling (进度)
                                          │                                         └─► feedback
                                          └─► feedback (政策咨询: answered, no submission)
    feedback ─► route ─► end (closed) | rectify ─► route ─► feedback
    feedback ⏱ feedback_due_at ─► autoclose ─► route ─► end
    any open step ─► route ─► end (rejected / withdrawn) | assign / visit / … (transferred)

So reject, withdraw and transfer "from any open step" are the open Handle completed with the new status;
the feedback window is a timer boundary on ``feedback`` fired by
``viewflow.workflow.timers.fire_due_timers()`` (run from Celery beat),
with ``case_closing.case_autoclose`` as the sweep's fallback.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation

from workflows.case_in_hand import held_case
from workflows.models import Case

# The open Handle node expected for each status (used by services and by the test that keeps the two in step).
NODE_FOR_STATUS: dict[str, str] = {
    "new": "assign",
    "assigned": "visit",
    "awaiting_materials": "visit",
    "visited": "submit",
    "submitted": "handling",
    "handed_off": "handling",  # issue 15: the hand-off waits where a department's handling would
    "completed": "feedback",
    "rectifying": "rectify",
}


def _case(activation: Activation) -> Case:
    """The process's case: the one a service holds, else read through ``Case.process`` (unique index)."""
    process = activation.process
    held = held_case()
    if held is not None and held.pk is not None and held.process_id == process.pk:
        return held
    return Case.objects.only("id", "status", "feedback_due_at").get(process_id=process.pk)


def _status_is(*statuses: str) -> Any:
    def cond(activation: Activation) -> bool:
        return _case(activation).status in statuses

    return cond


class CaseFlow(flow.Flow):
    """帮办代办: intake → assign → visit (materials loop) → submit → progress → complete → feedback →
    close; reject / withdraw / transfer from any open step; a bad rating → rectify → feedback again."""

    process_title = _("帮办代办")
    process_description = _("群众诉求从受理、分派、上门、报送、办结到评价关闭的全过程")
    lock_impl = lock.select_for_update_lock

    # A new case is always 待分派 (``case_create`` sets ``new``): start opens ``assign`` directly, without a
    # routing decision whose answer is known (one task row, its link and an update fewer per intake).
    start = flow.StartHandle(this.start_case).Annotation(title=_("受理登记")).Next(this.assign)

    route = (
        flow.Switch()
        .Annotation(title=_("按状态流转"))
        .Case(this.assign, _status_is("new"))
        .Case(this.visit, _status_is("assigned", "awaiting_materials"))
        .Case(this.submit, _status_is("visited"))
        .Case(this.handling, _status_is("submitted", "handed_off"))
        .Case(this.feedback, _status_is("completed"))
        .Case(this.rectify, _status_is("rectifying"))
        .Default(this.end)
    )

    assign = flow.Handle(this.record_step).Annotation(title=_("分派帮办员")).Next(this.route)
    visit = flow.Handle(this.record_step).Annotation(title=_("上门服务·一次性告知")).Next(this.route)
    submit = flow.Handle(this.record_step).Annotation(title=_("代为报送")).Next(this.route)
    handling = flow.Handle(this.record_step).Annotation(title=_("部门办理·进度更新")).Next(this.route)
    feedback = (
        flow.Handle(this.record_step)
        .Annotation(title=_("评价回访期"))
        .OnTimeout(this.feedback_deadline, this.autoclose, title=_("评价期满"))
        .Next(this.route)
    )
    autoclose = flow.Function(this.autoclose_case).Annotation(title=_("期满自动关闭")).Next(this.route)
    rectify = flow.Handle(this.record_step).Annotation(title=_("差评整改")).Next(this.route)
    end = flow.End().Annotation(title=_("结束"))

    def start_case(self, activation: Activation, case: Case) -> Any:
        """Start the process of a case about to be inserted; the case links to it (``Case.process``).

        The process comes first so that the case row is written once, with its process, instead of being
        inserted and then updated (issue 7: one statement less per intake). The link is ``Case.process``
        (``process.case`` the other way), not Viewflow's generic ``artifact``, which would need the case's id
        before the case exists; processes started before carry both.
        """
        if case.status != Case.Status.NEW:  # start opens ``assign`` without routing: only a new case fits
            raise ValueError(f"case {case.case_no} starts its process as {case.status}, not new")
        activation.task.data = {"case_no": case.case_no}
        return activation.process

    def record_step(self, activation: Activation, action: str = "", actor_id: int | None = None) -> None:
        """The service already changed the case; the task only records which action completed it."""
        activation.task.data = {"action": action, "actor_id": actor_id}
        if actor_id is not None:
            activation.task.owner_id = actor_id

    def feedback_deadline(self, activation: Activation) -> Any:
        from datetime import timedelta

        from django.utils import timezone

        case = _case(activation)
        return case.feedback_due_at or (timezone.now() + timedelta(days=7))

    def autoclose_case(self, activation: Activation) -> None:
        """Timer fired: close the case unless the status already moved on (services own the change)."""
        from workflows.case_closing import case_autoclose_from_flow  # it does not import this module back

        case_id = Case.objects.filter(process_id=activation.process.pk).values_list("id", flat=True).first()
        case_autoclose_from_flow(case_id=case_id)
