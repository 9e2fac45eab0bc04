"""Every path of the case workflow through the services, with Viewflow kept in step after each step."""

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from freezegun import freeze_time
from viewflow.workflow.timers import fire_due_timers

from agency.models import Agent
from agency.tests.factories import AgentFactory, MatterFactory, UserFactory
from core.exceptions import ApplicationError
from workflows import case_closing, case_steps, intake_services, selectors, services, transitions
from workflows.flows import NODE_FOR_STATUS, CaseFlow
from workflows.models import Case, CaseEvent

pytestmark = pytest.mark.django_db

from workflows.tests.helpers import assert_flow_in_step, drive_to, new_case  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")


def kinds(case: Case) -> list[str]:
    return list(case.events.order_by("at", "id").values_list("kind", flat=True))


def test_happy_path_with_materials_loop(world):
    case = new_case(world)
    assert case.status == "new" and case.resident_phone == "+8613800138000"
    assert case.process.case == case and case.process.flow_class is CaseFlow
    assert_flow_in_step(case)

    case = services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    assert case.status == "assigned" and case.assigned_agent == world.agent_grid
    assert_flow_in_step(case)

    case = case_steps.case_visit(
        actor=world.grid_worker, case=case, note="", materials_missing=["户口簿", "租房合同", "户口簿"]
    )
    assert case.status == "awaiting_materials"
    assert case.materials_missing == ["户口簿", "租房合同"]
    told = case.events.get(kind="materials_requested")
    assert "户口簿" in told.note and "租房合同" in told.note and told.public
    assert_flow_in_step(case)

    case = case_steps.case_visit(actor=world.grid_worker, case=case, note="材料已补齐", materials_missing=[])
    assert case.status == "visited" and case.materials_missing == []
    assert_flow_in_step(case)

    case = case_steps.case_submit(
        actor=world.grid_worker, case=case, department="区民政局", reference_no="SD-001"
    )
    assert (case.status, case.department, case.reference_no) == ("submitted", "区民政局", "SD-001")
    assert_flow_in_step(case)

    for note in ("部门审核中", "已出件"):
        case = case_steps.case_progress(actor=world.grid_worker, case=case, note=note)
        assert case.status == "submitted"
        assert_flow_in_step(case)

    case = case_steps.case_complete(
        actor=world.grid_worker, case=case, result="已出具证明", delivery_method="mail", tracking_no="SF123"
    )
    assert case.status == "completed" and case.completed_at and case.feedback_due_at > case.completed_at
    assert (case.delivery_method, case.tracking_no) == ("mail", "SF123")
    assert_flow_in_step(case)

    with pytest.raises(ApplicationError) as exc:  # no rating yet, window still open
        case_closing.case_close(actor=world.staff, case=case)
    assert exc.value.status == 409

    CaseEvent.objects.create(case=case, kind="rating", note="5星", public=True)
    case = case_closing.case_close(actor=world.staff, case=case, note="群众满意")
    assert case.status == "closed" and case.closed_at
    assert_flow_in_step(case)
    assert kinds(case) == [
        "created",
        "assigned",
        "materials_requested",
        "visited",
        "submitted",
        "progress",
        "progress",
        "completed",
        "rating",
        "closed",
    ]
    # every event names who acted
    assert all(e.actor_name for e in case.events.exclude(kind="rating"))


def test_feedback_timer_autocloses(world):
    case = new_case(world)
    case = services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    case = case_steps.case_visit(actor=world.grid_worker, case=case, note="", materials_missing=[])
    case = case_steps.case_submit(actor=world.grid_worker, case=case, department="人社局", reference_no="")
    case = case_steps.case_complete(actor=world.grid_worker, case=case, result="已办结")
    assert fire_due_timers() == 0
    with freeze_time(case.feedback_due_at + dt.timedelta(minutes=1)):
        assert "close" in selectors.case_allowed_actions(user=world.staff, case=case)
        assert fire_due_timers() == 1
    case.refresh_from_db()
    assert case.status == "closed"
    assert kinds(case)[-1] == "closed"
    assert_flow_in_step(case)


def test_autoclose_sweep_fallback_is_idempotent(world):
    case = new_case(world)
    case = services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    case = case_steps.case_visit(actor=world.grid_worker, case=case, note="", materials_missing=[])
    case = case_steps.case_submit(actor=world.grid_worker, case=case, department="人社局", reference_no="")
    case = case_steps.case_complete(actor=world.grid_worker, case=case, result="已办结")
    assert case_closing.case_autoclose(case=case) is False  # window still open
    with freeze_time(case.feedback_due_at + dt.timedelta(seconds=1)):
        assert case_closing.case_autoclose(case=case) is True
        assert case_closing.case_autoclose(case=case) is False
        assert fire_due_timers() == 0  # the boundary timer was cancelled with its host step
    assert_flow_in_step(case)
    assert kinds(case).count("closed") == 1


def test_consultation_answered_without_submission(world):
    case = new_case(world, matter=world.consult)
    case = services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    case = case_steps.case_answer(actor=world.grid_worker, case=case, answer="可在线办理，60岁起领取。")
    assert case.status == "completed" and case.result.startswith("可在线办理")
    assert case.department == "" and "submitted" not in kinds(case)
    assert_flow_in_step(case)


def test_answer_refused_for_ordinary_matter(world):
    case = new_case(world)
    case = services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    with pytest.raises(ApplicationError) as exc:
        case_steps.case_answer(actor=world.grid_worker, case=case, answer="x")
    assert exc.value.status == 409
    assert_flow_in_step(case)


@pytest.mark.parametrize("at", ["new", "assigned", "awaiting_materials", "visited", "submitted"])
def test_reject_from_any_open_step(world, at):
    case = drive_to(world, at)
    case = case_closing.case_reject(actor=world.staff, case=case, reason="不属于帮办代办范围")
    assert case.status == "rejected" and case.closed_at
    assert case.events.last().note == "不属于帮办代办范围"
    assert_flow_in_step(case)
    with pytest.raises(ApplicationError) as exc:
        case_closing.case_reject(actor=world.staff, case=case, reason="again")
    assert exc.value.status == 409 and exc.value.extra == {"status": "rejected"}


@pytest.mark.parametrize("at", ["new", "assigned", "visited", "submitted"])
def test_withdraw_from_any_open_step(world, at):
    case = drive_to(world, at)
    actor = world.grid_worker if case.assigned_agent_id else world.staff
    case = case_closing.case_withdraw(actor=actor, case=case, reason="群众已自行办理")
    assert case.status == "withdrawn"
    assert_flow_in_step(case)


def test_reject_requires_reason(world):
    case = new_case(world)
    with pytest.raises(ValidationError):
        case_closing.case_reject(actor=world.staff, case=case, reason="   ")
    assert Case.objects.get(pk=case.pk).status == "new"


def test_transfer_to_other_site_starts_over(world):
    case = drive_to(world, "assigned")
    case = services.case_transfer(actor=world.staff, case=case, site=world.station_b, reason="户籍在邻村")
    assert case.site == world.station_b and case.status == "new" and case.assigned_agent is None
    assert_flow_in_step(case)
    # station staff of the old site no longer see it; town staff above both still do
    assert not selectors.case_in_scope(user=world.staff, case=case)
    assert selectors.case_in_scope(user=world.town, case=case)
    ev = case.events.get(kind="transferred")
    assert "户籍在邻村" in ev.note and ev.data["from_site"] == world.station.code
    assert not ev.public  # internal reason
    public = list(selectors.case_timeline(case, public_only=True).values_list("kind", flat=True))
    assert public == ["created", "assigned"]
    assert list(selectors.case_timeline(case).values_list("kind", flat=True))[-1] == "transferred"


def test_transfer_to_other_agent_keeps_progress(world):
    case = drive_to(world, "submitted")
    case = services.case_transfer(
        actor=world.staff, case=case, agent=world.agent_grid2, reason="原帮办员调岗"
    )
    assert case.status == "submitted" and case.assigned_agent == world.agent_grid2
    assert_flow_in_step(case)
    # the new agent can carry on; the old one cannot
    case_steps.case_progress(actor=world.grid_worker2, case=case, note="接手办理")
    with pytest.raises(ApplicationError) as exc:
        case_steps.case_progress(actor=world.grid_worker, case=case, note="x")
    assert exc.value.status == 403


def test_rectify_hook_and_report(world):
    case = drive_to(world, "completed")
    case = case_closing.case_mark_rectifying(case=case, rating_id=None, note="群众反映态度差")
    assert case.status == "rectifying"
    assert_flow_in_step(case)
    with pytest.raises(ApplicationError) as exc:
        case_closing.case_mark_rectifying(case=case, rating_id=None, note="again")
    assert exc.value.status == 409
    with pytest.raises(ApplicationError) as exc:
        case_closing.case_rectify(actor=world.grid_worker, case=case, note="x")
    assert exc.value.status == 403
    old_due = case.feedback_due_at
    case = case_closing.case_rectify(actor=world.staff, case=case, note="已约谈并重新上门解释")
    assert case.status == "completed" and case.feedback_due_at >= old_due
    assert_flow_in_step(case)
    # a fresh window: not closable until the follow-up rating (or the new deadline)
    assert "close" not in selectors.case_allowed_actions(user=world.staff, case=case)
    CaseEvent.objects.create(case=case, kind="rating", note="追评 4星")
    case_closing.case_close(actor=world.staff, case=case)
    assert_flow_in_step(case)


def test_ab_post_reroute(world):
    backup = AgentFactory(
        user=UserFactory(username="w_backup"), kind=Agent.Kind.GRID_WORKER, sites=[world.station]
    )
    c1 = drive_to(world, "assigned")
    c2 = drive_to(world, "submitted")
    done = drive_to(world, "completed")
    world.agent_grid.backup = backup
    world.agent_grid.is_away = True
    world.agent_grid.save()
    with pytest.raises(ApplicationError) as exc:
        services.case_reroute_for_away_agent(actor=world.grid_worker2, agent=world.agent_grid)
    assert exc.value.status == 403
    moved = services.case_reroute_for_away_agent(actor=world.staff, agent=world.agent_grid)
    assert {c.pk for c in moved} == {c1.pk, c2.pk, done.pk}
    for c in (c1, c2, done):
        c.refresh_from_db()
        assert c.assigned_agent == backup
        assert c.events.filter(kind="reassigned_backup").count() == 1
        assert_flow_in_step(c)
    assert services.agent_away_reroute(agent=world.agent_grid) == []  # idempotent
    # the backup now works the case; the away agent no longer can
    case_steps.case_visit(actor=backup.user, case=c1, note="", materials_missing=[])
    # suggestions skip the away agent
    suggestions = selectors.agent_suggestions(case=new_case(world), limit=20)
    assert world.agent_grid not in suggestions and backup in suggestions


def test_suggestions_same_grid_then_scope_then_load(world):
    other_scope = AgentFactory(
        user=UserFactory(username="w_scope"),
        kind=Agent.Kind.CADRE,
        sites=[world.station],
        scopes=[world.matter],
    )
    case = new_case(world, grid=world.grid)
    names = [a.pk for a in selectors.agent_suggestions(case=case, limit=10)]
    assert names[0] == world.agent_grid.pk  # same grid (就近)
    assert names[1] == other_scope.pk  # matching scope (就熟)
    assert world.agent_volunteer.pk in names
    # load: give grid2 two open cases; volunteer none → volunteer before grid2
    for _ in range(2):
        services.case_assign(actor=world.staff, case=new_case(world), agent=world.agent_grid2)
    names = [a.pk for a in selectors.agent_suggestions(case=case, limit=10)]
    assert names.index(world.agent_volunteer.pk) < names.index(world.agent_grid2.pk)
    assert world.agent_grid2.pk in names


def test_prefill_from_latest_case(world):
    assert selectors.case_prefill(phone="13800138000") == {}
    new_case(world, resident_name="张三", address="旧地址")
    new_case(world, resident_name="张三丰", address="新地址", grid=world.grid, special_groups=["elderly"])
    data = selectors.case_prefill(phone="+86 138-0013-8000")
    assert data["resident_name"] == "张三丰" and data["address"] == "新地址"
    assert data["grid_id"] == world.grid.pk and data["special_groups"] == ["elderly"]
    assert selectors.case_prefill(phone="not a phone") == {}


def test_prefill_is_scoped_to_what_the_worker_may_see(world):
    new_case(world, resident_name="张三丰", address="新地址")
    assert selectors.case_prefill(phone="13800138000", user=world.grid_worker)["resident_name"] == "张三丰"
    # staff2 works in another town: typing the phone must not reveal the resident's name and address.
    assert selectors.case_prefill(phone="13800138000", user=world.staff2) == {}


def test_special_groups_force_doorstep_and_priority(world):
    plain = new_case(world, channel="phone")
    special = new_case(world, channel="phone", special_groups=["elderly", "living_alone"])
    assert plain.channel == "phone" and plain.priority == 0
    assert special.channel == "doorstep" and special.priority > plain.priority


def test_create_validates(world):
    with pytest.raises(ValidationError) as exc:
        new_case(world, resident_phone="12345")
    assert "resident_phone" in exc.value.message_dict
    with pytest.raises(ValidationError):
        new_case(world, special_groups=["vip"])
    with pytest.raises(ApplicationError) as exc2:
        new_case(world, actor=world.outsider)  # station2 worker, our station
    assert exc2.value.status == 403
    assert Case.objects.count() == 0


def test_case_number_clash_retries_with_a_fresh_number(world):
    """The unique index refuses a drawn number that exists: the attempt leaves nothing, the next one lands."""
    from notifications.models import Notification
    from workflows.case_numbers import generate_case_no

    taken = new_case(world).case_no
    fresh = generate_case_no()
    drawn = iter([taken, fresh])
    with mock.patch("workflows.intake_services.generate_case_no", side_effect=lambda at: next(drawn)):
        case = new_case(world, resident_phone="139 0013 9000")
    assert case.case_no == fresh != taken
    assert Case.objects.filter(case_no=taken).count() == 1 and Case.objects.count() == 2
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True)) == ["created"]
    assert Notification.objects.filter(recipient_phone="+8613900139000").count() == 1
    assert_flow_in_step(case)


def test_case_number_clash_gives_up_after_three_draws(world):
    taken = new_case(world).case_no
    with (
        mock.patch("workflows.intake_services.generate_case_no", return_value=taken) as draw,
        pytest.raises(IntegrityError),
    ):
        new_case(world, resident_phone="139 0013 9000")
    assert draw.call_count == intake_services.CASE_NO_ATTEMPTS == 3
    assert Case.objects.count() == 1


def test_due_date_skips_national_day(world):
    matter = MatterFactory(time_limit_days=5)
    with freeze_time(dt.datetime(2026, 9, 30, 10, 0, tzinfo=SH)):
        case = new_case(world, matter=matter)
    # Oct 1–7 2026 are the National Day/Mid-Autumn holiday (Oct 8 is the last holiday day too per the
    # State Council notice; chinesecalendar knows), so five working days from Sep 30 end well after Oct 7.
    due = case.due_at.astimezone(SH)
    from core.workdays import is_workday

    assert due.date() > dt.date(2026, 10, 8)
    days = [
        dt.date(2026, 10, 1) + dt.timedelta(days=i)
        for i in range((due.date() - dt.date(2026, 10, 1)).days + 1)
    ]
    assert sum(is_workday(d) for d in days) == 5
    assert not is_workday(dt.date(2026, 10, 1)) and not is_workday(dt.date(2026, 10, 5))
    assert (due.hour, due.minute) == (23, 59)


def test_due_date_never_raises_for_unknown_year(world):
    with freeze_time(dt.datetime(2027, 12, 28, 10, 0, tzinfo=SH)):
        case = new_case(world)
    assert case.due_at.astimezone(SH).date() > dt.date(2027, 12, 28)


def test_notifications_enqueued_with_dedupe_keys(world):
    with mock.patch("workflows.transitions.notification_enqueue") as enqueue:
        case = new_case(world)
        services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    keys = [c.kwargs["dedupe_key"] for c in enqueue.call_args_list]
    templates = [c.kwargs["template"] for c in enqueue.call_args_list]
    assert keys == [f"case:{case.case_no}:received", f"case:{case.case_no}:assigned:{world.agent_grid.pk}"]
    assert templates == ["case_received", "case_assigned"]
    resident_call = enqueue.call_args_list[0].kwargs
    assert resident_call["recipient_phone"] == "+8613800138000"
    assert all(isinstance(v, str) for v in resident_call["context"].values())
    assert enqueue.call_args_list[1].kwargs["recipient_user_id"] == world.grid_worker.pk


def test_assign_validates_agent(world):
    case = new_case(world)
    outsider_agent = world.outsider.agent
    with pytest.raises(ValidationError) as exc:
        services.case_assign(actor=world.staff, case=case, agent=outsider_agent)
    assert "agent" in exc.value.message_dict
    world.agent_grid.is_away = True
    world.agent_grid.save()
    with pytest.raises(ValidationError):
        services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    assert_flow_in_step(case)


def test_second_assign_is_409(world):
    case = new_case(world)
    services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    with pytest.raises(ApplicationError) as exc:
        services.case_assign(actor=world.town, case=case, agent=world.agent_grid2)
    assert exc.value.status == 409 and exc.value.extra == {"status": "assigned"}
    assert Case.objects.get(pk=case.pk).assigned_agent == world.agent_grid
    assert CaseEvent.objects.filter(case=case, kind="assigned").count() == 1


def test_flow_is_registered_and_chartable():
    nodes = {n.name for n in CaseFlow.instance.nodes()}
    assert {"start", "route", "assign", "visit", "submit", "handling", "feedback", "rectify", "end"} <= nodes
    assert set(NODE_FOR_STATUS.values()) <= nodes


def test_reroute_sweep_moves_cases_of_away_agents(world):
    backup = AgentFactory(
        user=UserFactory(username="w_bk2"), kind=Agent.Kind.GRID_WORKER, sites=[world.station]
    )
    case = drive_to(world, "visited")
    other = services.case_assign(actor=world.staff, case=new_case(world), agent=world.agent_grid2)
    assert services.case_reroute_away_sweep() == 0
    world.agent_grid.backup = backup
    world.agent_grid.is_away = True
    world.agent_grid.save()
    from django.conf import settings

    from workflows.tasks import reroute_away_agents

    assert "workflows.tasks.reroute_away_agents" in {
        e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert reroute_away_agents.apply().get() == 1  # the beat task runs the sweep
    assert services.case_reroute_away_sweep() == 0
    case.refresh_from_db()
    other.refresh_from_db()
    assert case.assigned_agent == backup and other.assigned_agent == world.agent_grid2
    assert_flow_in_step(case)


def test_only_lock_conflicts_become_409():
    from django.db import InterfaceError, OperationalError
    from viewflow.workflow.exceptions import FlowLockFailed

    class _LockNotAvailable(Exception):
        sqlstate = "55P03"

    nowait = OperationalError("could not obtain lock on row")
    nowait.__cause__ = _LockNotAvailable()
    assert transitions.is_lock_conflict(FlowLockFailed("busy"))
    assert transitions.is_lock_conflict(nowait)
    assert transitions.is_lock_conflict(OperationalError("database is locked"))
    # A dropped connection is a server fault: it must surface as one, not as "someone else is editing".
    assert not transitions.is_lock_conflict(InterfaceError("connection already closed"))
    assert not transitions.is_lock_conflict(OperationalError("server closed the connection unexpectedly"))


def test_agent_sms_names_the_resident_masked(world):
    """The 新件分派 SMS stays on the agent's phone (and lock screen) long after the case: it carries the
    resident's name masked like the phone (``王**``), the full name is on the case page behind the login."""
    from notifications.models import Notification

    case = new_case(world)  # resident 王秀英
    services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    sms = Notification.objects.get(template="case_assigned")
    assert sms.context["resident_name"] == "王**"
    assert "王**" in sms.text and "王秀英" not in sms.text
