"""Helpers shared by workflow tests: drive a case to a status, check Viewflow is in step."""

from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from workflows import case_closing, case_steps, intake_services, services
from workflows.flows import NODE_FOR_STATUS
from workflows.models import Case


def assert_flow_in_step(case: Case) -> None:
    """Case.status is the truth; Viewflow must agree: exactly one open step of the right node, or finished."""
    case.refresh_from_db()
    process = Process.objects.get(pk=case.process_id)
    open_tasks = list(
        Task.objects.filter(process=process, status=STATUS.NEW).exclude(flow_task_type="TIMER").order_by("id")
    )
    if case.status in Case.Status.FINAL:
        assert process.status == PROCESS.DONE, case.status
        assert process.finished is not None
        assert open_tasks == []
        assert not Task.objects.filter(process=process, status=STATUS.SCHEDULED).exists()
    else:
        assert process.status == PROCESS.NEW
        assert [t.flow_task.name for t in open_tasks] == [NODE_FOR_STATUS[case.status]], case.status
        timers = Task.objects.filter(process=process, status=STATUS.SCHEDULED)
        if case.status == "completed":
            assert [t.scheduled for t in timers] == [case.feedback_due_at]
        else:
            assert not timers.exists()


def new_case(world, **kw) -> Case:
    params = {
        "actor": world.grid_worker,
        "site": world.station,
        "matter": world.matter,
        "resident_name": "王秀英",
        "resident_phone": "138 0013 8000",
        "address": "幸福村3组12号",
        "description": "需要开具居住证明",
    }
    params.update(kw)
    return intake_services.case_create(**params)


def drive_to(world, status: str) -> Case:
    """A fresh case driven through the services to ``status``."""
    case = new_case(world)
    if status == "new":
        return case
    case = services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    if status == "assigned":
        return case
    if status == "awaiting_materials":
        return case_steps.case_visit(
            actor=world.grid_worker, case=case, note="", materials_missing=["户口簿"]
        )
    case = case_steps.case_visit(actor=world.grid_worker, case=case, note="", materials_missing=[])
    if status == "visited":
        return case
    case = case_steps.case_submit(actor=world.grid_worker, case=case, department="民政局", reference_no="R-1")
    if status == "submitted":
        return case
    case = case_steps.case_complete(actor=world.grid_worker, case=case, result="已办结")
    if status == "completed":
        return case
    if status == "rectifying":
        return case_closing.case_mark_rectifying(case=case, rating_id=None, note="差评")
    raise AssertionError(status)
