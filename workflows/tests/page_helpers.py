"""Shared set-up of the page tests (``test_views_mobile``, ``test_views_staff``)."""

from workflows import case_steps, intake_services, services
from workflows.models import Case
from workflows.tests.factories import World

NAUGHTY = "<script>alert(1)</script>‮ ' OR 1=1;-- 😀\u200b"


def create_case(w: World, **kw) -> Case:
    data = {
        "actor": w.grid_worker,
        "site": w.station,
        "matter": w.matter,
        "resident_name": "王秀英",
        "resident_phone": "13800138000",
        "address": "测试村3组12号",
    }
    data.update(kw)
    return intake_services.case_create(**data)


def assigned_case(w: World, **kw) -> Case:
    case = create_case(w, **kw)
    return services.case_assign(actor=w.staff, case=case, agent=w.agent_grid)


def new_form_data(w: World, **kw) -> dict:
    data = {
        "step": "create",
        "resident_phone": "138 0013 8000",
        "resident_name": "王秀英",
        "address": "测试村3组12号",
        "description": "需要开具居住证明",
        "special_groups": ["elderly"],
        "site": str(w.station.pk),
    }
    data.update(kw)
    return data


def completed_case(w: World) -> Case:
    case = assigned_case(w)
    case = case_steps.case_visit(actor=w.grid_worker, case=case, note="", materials_missing=[])
    case = case_steps.case_submit(actor=w.grid_worker, case=case, department="镇民政办", reference_no="")
    return case_steps.case_complete(actor=w.grid_worker, case=case, result="已办好")
