"""Qualifications derived from training, their expiry, and how suggestion and assignment use them."""

import datetime as dt

from agency.models import Matter
from agency.tests.factories import MatterFactory
from training import selectors, services
from training.models import Attendance, QualificationRule, TrainingEvent
from training.tests.factories import AttendanceFactory, TrainingEventFactory
from workflows import selectors as wf_selectors
from workflows import services as wf_services
from workflows.models import CaseEvent
from workflows.tests.helpers import new_case

CERT = Matter.Category.CERTIFICATE
TODAY = dt.date(2026, 6, 15)


def _held(agent, today=TODAY, **kw):
    return set(selectors.qualifications_for([agent.pk], today=today, **kw)[agent.pk])


def test_attending_a_qualifying_event_grants_its_categories(world):
    event = TrainingEventFactory(date=dt.date(2026, 3, 1), categories=[CERT])
    event.matters.add(MatterFactory(category=Matter.Category.MEDICAL_INSURANCE))
    AttendanceFactory(event=event, agent=world.agent_grid2)
    assert _held(world.agent_grid2) == {CERT, Matter.Category.MEDICAL_INSURANCE}
    assert _held(world.agent_volunteer) == set()


def test_failed_result_and_non_qualifying_events_grant_nothing(world):
    AttendanceFactory(
        agent=world.agent_grid2, result=Attendance.Result.FAILED, event__date=dt.date(2026, 3, 1)
    )
    AttendanceFactory(
        agent=world.agent_volunteer, event__grants_qualification=False, event__date=dt.date(2026, 3, 1)
    )
    assert _held(world.agent_grid2) == set()
    assert _held(world.agent_volunteer) == set()


def test_future_event_does_not_qualify_yet(world):
    AttendanceFactory(agent=world.agent_grid2, event__date=TODAY + dt.timedelta(days=1))
    assert _held(world.agent_grid2) == set()
    assert _held(world.agent_grid2, today=TODAY + dt.timedelta(days=1)) == {CERT}


def test_qualification_expires_after_the_districts_validity(world):
    QualificationRule.objects.create(category=CERT, valid_months=12)
    AttendanceFactory(agent=world.agent_grid2, event__date=dt.date(2025, 6, 15))
    assert _held(world.agent_grid2, today=dt.date(2026, 6, 15)) == {CERT}  # last valid day
    assert _held(world.agent_grid2, today=dt.date(2026, 6, 16)) == set()
    expired = selectors.qualifications_for(
        [world.agent_grid2.pk], today=dt.date(2026, 6, 16), include_expired=True
    )
    assert expired[world.agent_grid2.pk][CERT].expires_on == dt.date(2026, 6, 15)
    # a newer training renews it
    AttendanceFactory(agent=world.agent_grid2, event__date=dt.date(2026, 6, 1))
    assert _held(world.agent_grid2, today=dt.date(2026, 6, 16)) == {CERT}


def test_no_rule_means_no_expiry(world):
    AttendanceFactory(agent=world.agent_grid2, event__date=dt.date(2010, 1, 1))
    assert _held(world.agent_grid2) == {CERT}


def test_add_months_clamps_to_month_end():
    assert selectors.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert selectors.add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert selectors.add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)


def test_suggestions_without_qualified_agents_keep_nearby_order_and_say_so(world):
    case = new_case(world, grid=world.grid)
    suggested = wf_selectors.agent_suggestions(case=case, limit=10)
    assert suggested[0] == world.agent_grid  # same grid + scope (就近/就熟)
    assert "同网格（就近）" in suggested[0].suggestion_reason
    assert "未取得「证明出具」资格" in suggested[0].suggestion_reason


def test_suggestions_prefer_qualified_agents_and_say_why(world):
    case = new_case(world)
    before = [a.pk for a in wf_selectors.agent_suggestions(case=case, limit=10)]
    AttendanceFactory(agent=world.agent_volunteer, event__date=dt.date.today() - dt.timedelta(days=3))
    after = wf_selectors.agent_suggestions(case=case, limit=10)
    assert after[0] == world.agent_volunteer
    assert "已取得「证明出具」资格" in after[0].suggestion_reason
    # everyone else keeps the 就近/就熟 order
    assert [a.pk for a in after[1:]] == [pk for pk in before if pk != world.agent_volunteer.pk]
    # an expired qualification no longer counts
    QualificationRule.objects.create(category=CERT, valid_months=1)
    TrainingEvent.objects.filter(attendances__agent=world.agent_volunteer).update(date=dt.date(2020, 1, 1))
    assert wf_selectors.agent_suggestions(case=case, limit=10)[0] == world.agent_grid


def test_suggestion_reason_is_on_the_assign_form(client, world):
    case = new_case(world)
    AttendanceFactory(agent=world.agent_volunteer, event__date=dt.date.today() - dt.timedelta(days=3))
    client.force_login(world.staff)
    html = client.get(f"/staff/cases/{case.case_no}/").content.decode()
    assert "已取得「证明出具」资格" in html


def test_assigning_an_unqualified_agent_is_allowed_but_flagged(world):
    QualificationRule.objects.create(category=CERT, check_on_assign=True)
    case = wf_services.case_assign(actor=world.staff, case=new_case(world), agent=world.agent_grid)
    assert case.status == "assigned"
    flags = CaseEvent.objects.filter(case=case, data__flag="unqualified")
    assert flags.count() == 1
    flag = flags.get()
    assert flag.public is False  # staff see it, the resident does not
    assert world.agent_grid.name in flag.note and "证明出具" in flag.note


def test_transferring_to_an_unqualified_agent_is_flagged_too(world):
    QualificationRule.objects.create(category=CERT, check_on_assign=True)
    AttendanceFactory(agent=world.agent_grid, event__date=dt.date.today() - dt.timedelta(days=3))
    case = wf_services.case_assign(actor=world.staff, case=new_case(world), agent=world.agent_grid)
    assert not CaseEvent.objects.filter(case=case, data__flag="unqualified").exists()
    case = wf_services.case_transfer(
        actor=world.staff, case=case, reason="网格员请假", agent=world.agent_grid2
    )
    assert case.assigned_agent == world.agent_grid2
    assert CaseEvent.objects.filter(case=case, data__flag="unqualified", public=False).count() == 1


def test_assigning_a_qualified_agent_or_an_unchecked_category_is_not_flagged(world):
    AttendanceFactory(agent=world.agent_grid, event__date=dt.date.today() - dt.timedelta(days=3))
    QualificationRule.objects.create(category=CERT, check_on_assign=True)
    case = wf_services.case_assign(actor=world.staff, case=new_case(world), agent=world.agent_grid)
    assert not CaseEvent.objects.filter(case=case, data__flag="unqualified").exists()
    QualificationRule.objects.filter(category=CERT).update(check_on_assign=False)
    case = wf_services.case_assign(actor=world.staff, case=new_case(world), agent=world.agent_grid2)
    assert not CaseEvent.objects.filter(case=case, data__flag="unqualified").exists()


def test_rule_and_plan_services_validate_categories(world):
    import pytest
    from django.core.exceptions import ValidationError

    services.qualification_rule_set(actor=world.admin, category=CERT, valid_months=24)
    assert QualificationRule.objects.get(category=CERT).valid_months == 24
    with pytest.raises(ValidationError):
        services.capability_plan_set(
            actor=world.admin, kind="grid_worker", required_hours=10, required_categories=["nope"]
        )
