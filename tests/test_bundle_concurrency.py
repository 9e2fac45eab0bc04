"""Concurrency of 一件事 on PostgreSQL (issue 15): staff acting on sibling members at once cannot leave the
parent wrong; a parent withdrawn while a member is being completed ends consistent."""

import pytest

from agency.models import SiteMatter
from agency.tests.factories import MatterFactory
from bundles.services import MemberSpec, bundle_intake, bundle_save
from core.exceptions import ApplicationError
from tests.test_concurrency import race
from workflows import case_closing, case_steps, services
from workflows.models import Case, CaseEvent
from workflows.tests.factories import make_world
from workflows.tests.helpers import assert_flow_in_step

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def setup(with_third: bool):
    w = make_world()
    a, b, c = MatterFactory(name="甲事项"), MatterFactory(name="乙事项"), MatterFactory(name="丙事项")
    for m in (a, b, c):
        SiteMatter.objects.create(site=w.station, matter=m)
    members = [MemberSpec(matter=a), MemberSpec(matter=b)]
    if with_third:
        members.append(MemberSpec(matter=c, depends_on=[a, b]))
    bundle = bundle_save(
        code="race", name="并发一件事", life_event="测试", sites=[w.station], members=members
    )
    return w, bundle, (a, b, c)


def submitted_pair(w, bundle, a, b, phone):
    parent = bundle_intake(
        actor=w.grid_worker,
        site=w.station,
        bundle=bundle,
        resident_name="赵敏",
        resident_phone=phone,
        address="一组",
    )
    kids = []
    for m in (a, b):
        case = Case.objects.get(bundle_parent=parent, matter=m)
        case = services.case_assign(actor=w.staff, case=case, agent=w.agent_grid)
        case = case_steps.case_visit(actor=w.grid_worker, case=case, note="", materials_missing=[])
        kids.append(case_steps.case_submit(actor=w.grid_worker, case=case, department="局", reference_no=""))
    return parent, kids


def complete(w, case):
    return lambda: case_steps.case_complete(
        actor=w.grid_worker, case=Case.objects.get(pk=case.pk), result="好"
    )


def test_sibling_members_finished_at_once_start_their_dependant_once():
    w, bundle, (a, b, c) = setup(with_third=True)
    for n in range(3):  # the race must hold every round
        parent, (ka, kb) = submitted_pair(w, bundle, a, b, f"1370013700{n}")
        results = race(complete(w, ka), complete(w, kb))
        assert all(isinstance(r, Case) for r in results), results
        third = Case.objects.get(bundle_parent=parent, matter=c)
        assert third.status == "new" and third.process_id is not None
        assert CaseEvent.objects.filter(case=third, kind="created").count() == 1
        assert_flow_in_step(third)
        notes = list(CaseEvent.objects.filter(case=parent, kind="bundle").values_list("note", flat=True))
        # the second finisher saw the first's result: progress 1 then 2, never 1 twice
        assert sum("3 项中已办结 1 项" in x for x in notes) == 1, notes
        assert sum("3 项中已办结 2 项" in x for x in notes) == 1, notes
        assert sum("「丙事项」已启动" in x for x in notes) == 1, notes
        parent.refresh_from_db()
        assert parent.status == "submitted"


def test_last_two_members_finished_at_once_complete_the_parent_once():
    w, bundle, (a, b, _c) = setup(with_third=False)
    for n in range(3):
        parent, (ka, kb) = submitted_pair(w, bundle, a, b, f"1360013600{n}")
        results = race(complete(w, ka), complete(w, kb))
        assert all(isinstance(r, Case) for r in results), results
        parent.refresh_from_db()
        assert parent.status == "completed"
        assert CaseEvent.objects.filter(case=parent, kind="completed").count() == 1
        assert_flow_in_step(parent)


def test_parent_withdrawn_while_a_member_completes_ends_consistent():
    w, bundle, (a, b, _c) = setup(with_third=False)
    for n in range(3):
        parent, (ka, _kb) = submitted_pair(w, bundle, a, b, f"1350013500{n}")
        results = race(
            complete(w, ka),
            lambda p=parent: case_closing.case_withdraw(
                actor=w.staff, case=Case.objects.get(pk=p.pk), reason="不办了"
            ),
        )
        errors = [r for r in results if not isinstance(r, Case)]
        assert all(isinstance(e, ApplicationError) and e.status == 409 for e in errors), results
        parent.refresh_from_db()
        kids = list(Case.objects.filter(bundle_parent=parent))
        if parent.status == "withdrawn":
            assert all(k.status in {"completed", "withdrawn"} for k in kids)
            for k in kids:
                assert CaseEvent.objects.filter(case=k, kind="withdrawn").count() == (k.status == "withdrawn")
        else:
            assert parent.status == "submitted" and Case.objects.get(pk=ka.pk).status == "completed"
        for case in (parent, *kids):
            assert_flow_in_step(case)
