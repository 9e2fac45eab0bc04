"""一件事 services: catalog validation, intake, dependency order, the parent following its members."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from freezegun import freeze_time

from agency.tests.factories import MatterFactory
from bundles.models import BundleChild
from bundles.services import MemberSpec, bundle_child_add, bundle_child_drop, bundle_save
from bundles.tests.factories import PHONE, child, finish, intake, to_submitted
from core.exceptions import ApplicationError
from notifications.models import Notification
from workflows import case_closing
from workflows.models import Case, CaseEvent
from workflows.tests.helpers import assert_flow_in_step

pytestmark = pytest.mark.django_db


def test_a_dependency_cycle_is_refused_with_the_cycle_named(bw):
    with pytest.raises(ValidationError) as exc:
        bundle_save(
            code="loop",
            name="循环一件事",
            life_event="测试",
            members=[
                MemberSpec(matter=bw.hukou, depends_on=[bw.sbk]),
                MemberSpec(matter=bw.yibao, depends_on=[bw.hukou]),
                MemberSpec(matter=bw.sbk, depends_on=[bw.yibao]),
            ],
        )
    text = " ".join(exc.value.message_dict["members"])
    assert "循环" in text and bw.hukou.name in text and bw.sbk.name in text


def test_a_member_the_site_does_not_offer_is_refused(bw):
    with pytest.raises(ValidationError) as exc:
        bundle_save(
            code="birth",
            name="出生一件事",
            life_event="新生儿出生",
            sites=[bw.w.station, bw.w.station2],  # station2 offers none of them
            members=[MemberSpec(matter=bw.hukou), MemberSpec(matter=bw.yibao, depends_on=[bw.hukou])],
        )
    text = exc.value.message_dict["sites"][0]
    assert bw.w.station2.name in text and bw.hukou.name in text
    assert bw.w.station.name + "未开通" not in text


def test_a_dependency_outside_the_bundle_is_refused(bw):
    other = MatterFactory(name="居住证明")
    with pytest.raises(ValidationError, match="不是本一件事的成员"):
        bundle_save(
            code="x", name="x", life_event="x", members=[MemberSpec(matter=bw.hukou, depends_on=[other])]
        )


def test_bundle_matter_carries_merged_materials_once(bw):
    materials = bw.bundle.matter.materials
    assert materials.count("户口簿") == 1
    assert materials[:3] == ["出生医学证明", "户口簿", "父母身份证"]
    assert "近期免冠白底一寸照片" in materials
    assert bw.bundle.matter.time_limit_days == 20


def test_intake_makes_a_parent_and_children_and_starts_only_the_free_ones(bw):
    parent = intake(bw)
    assert parent.matter_id == bw.bundle.matter_id and parent.status == "submitted"
    assert_flow_in_step(parent)
    kids = {c.matter_id: c for c in Case.objects.filter(bundle_parent=parent)}
    assert set(kids) == {bw.hukou.pk, bw.yibao.pk, bw.jiaofei.pk, bw.sbk.pk}
    assert kids[bw.hukou.pk].status == "new" and kids[bw.hukou.pk].process_id is not None
    assert_flow_in_step(kids[bw.hukou.pk])
    for m in (bw.yibao, bw.jiaofei, bw.sbk):
        assert kids[m.pk].status == "waiting" and kids[m.pk].process_id is None and kids[m.pk].due_at is None
    # the parent waits in the handling step (no "unassigned" alert), due by the bundle's total limit
    assert parent.department == "一件事联办"
    # one SMS to the resident: the bundle's acceptance
    sms = Notification.objects.filter(recipient_phone=PHONE)
    assert list(sms.values_list("dedupe_key", flat=True)) == [f"case:{parent.case_no}:received"]


def test_children_start_in_dependency_order_and_due_counts_from_start(bw):
    with freeze_time("2026-12-01 02:00:00"):
        parent = intake(bw)
    with freeze_time("2026-12-08 02:00:00"):
        finish(bw, child(parent, bw.hukou))
    yibao, jiaofei, sbk = child(parent, bw.yibao), child(parent, bw.jiaofei), child(parent, bw.sbk)
    assert yibao.status == "new" and sbk.status == "new" and jiaofei.status == "waiting"
    assert yibao.due_at > dt.datetime(2026, 12, 8, tzinfo=dt.UTC)  # counted from its start, not the intake
    assert BundleChild.objects.get(case=yibao).started_at == dt.datetime(2026, 12, 8, 2, tzinfo=dt.UTC)
    assert_flow_in_step(yibao)
    finish(bw, yibao)
    assert child(parent, bw.jiaofei).status == "new"
    notes = list(CaseEvent.objects.filter(case=parent, kind="bundle").values_list("note", flat=True))
    assert any("4 项中已办结 1 项" in n for n in notes)
    assert any("4 项中已办结 2 项" in n for n in notes)


def test_parent_completes_when_every_child_is_done_or_withdrawn(bw):
    parent = intake(bw)
    finish(bw, child(parent, bw.hukou))
    bundle_child_drop(actor=bw.w.staff, child=child(parent, bw.yibao), reason="已在外地参保")
    # 医保缴费 waited for 医保参保, which is withdrawn: it no longer blocks
    jiaofei = child(parent, bw.jiaofei)
    assert jiaofei.status == "new"
    finish(bw, child(parent, bw.sbk))
    parent.refresh_from_db()
    assert parent.status == "submitted"  # one member still open
    finish(bw, jiaofei)
    parent.refresh_from_db()
    assert parent.status == "completed" and parent.completed_at is not None
    assert "4 项中已办结 3 项，1 项已撤回或不予受理" in parent.result
    assert_flow_in_step(parent)  # waiting for the resident's one rating, like any completed case
    keys = set(Notification.objects.filter(recipient_phone=PHONE).values_list("dedupe_key", flat=True))
    assert {f"case:{parent.case_no}:completed", f"case:{parent.case_no}:feedback"} <= keys
    assert all(k.startswith(f"case:{parent.case_no}:") for k in keys)  # no member streams


def test_withdrawing_the_parent_withdraws_each_open_child_exactly_once(bw):
    parent = intake(bw)
    finish(bw, child(parent, bw.hukou))
    to_submitted(bw, child(parent, bw.yibao))
    case_closing.case_withdraw(actor=bw.w.staff, case=parent, reason="群众不再办理")
    kids = list(Case.objects.filter(bundle_parent=parent))
    statuses = {c.matter_id: c.status for c in kids}
    assert statuses == {
        bw.hukou.pk: "completed",
        bw.yibao.pk: "withdrawn",
        bw.jiaofei.pk: "withdrawn",
        bw.sbk.pk: "withdrawn",
    }
    for c in kids:
        expected = 0 if c.matter_id == bw.hukou.pk else 1
        assert CaseEvent.objects.filter(case=c, kind="withdrawn").count() == expected
        if c.process_id:
            assert_flow_in_step(c)
    parent.refresh_from_db()
    assert parent.status == "withdrawn"
    assert_flow_in_step(parent)
    # withdrawing again is refused: nothing runs twice
    with pytest.raises(ApplicationError) as exc:
        case_closing.case_withdraw(actor=bw.w.staff, case=parent, reason="再次")
    assert exc.value.status == 409


def test_reject_one_started_child_keeps_the_bundle_going(bw):
    parent = intake(bw)
    hukou = child(parent, bw.hukou)
    case_closing.case_reject(actor=bw.w.staff, case=hukou, reason="材料不符")
    # everything after 户口 no longer waits for it; the parent is still open with one row per change
    assert child(parent, bw.yibao).status == "new" and child(parent, bw.sbk).status == "new"
    parent.refresh_from_db()
    assert parent.status == "submitted"
    row = CaseEvent.objects.filter(case=parent, kind="bundle", data__child=hukou.case_no).get()
    assert "不予受理" in row.note and "材料不符" in row.note
    sms = Notification.objects.get(dedupe_key=f"case:{parent.case_no}:member:{hukou.case_no}:rejected")
    assert sms.recipient_phone == PHONE and "出生一件事·新生儿出生登记" in sms.text and "材料不符" in sms.text


def test_staff_add_a_matter_the_resident_needs(bw):
    parent = intake(bw)
    extra = MatterFactory(name="居住证明")
    added = bundle_child_add(actor=bw.w.staff, parent=parent, matter=extra, reason="落户需要")
    assert added.bundle_parent_id == parent.pk and added.status == "new"
    assert_flow_in_step(added)
    assert (
        CaseEvent.objects.filter(case=parent, kind="bundle", note__contains="增加事项「居住证明」").count()
        == 1
    )
    assert CaseEvent.objects.filter(case=added, kind="created").count() == 1
    with pytest.raises(ValidationError):
        bundle_child_add(actor=bw.w.staff, parent=parent, matter=extra, reason="重复")
    with pytest.raises(ApplicationError) as exc:
        bundle_child_add(actor=bw.w.grid_worker, parent=parent, matter=MatterFactory(), reason="x")
    assert exc.value.status == 403


def test_a_waiting_child_can_be_withdrawn_by_staff_only(bw):
    parent = intake(bw)
    sbk = child(parent, bw.sbk)
    with pytest.raises(ApplicationError) as exc:
        bundle_child_drop(actor=bw.w.grid_worker, child=sbk, reason="x")
    assert exc.value.status == 403
    with pytest.raises(ApplicationError) as exc:
        bundle_child_drop(actor=bw.w.staff2, child=sbk, reason="x")
    assert exc.value.status == 404
    dropped = bundle_child_drop(actor=bw.w.staff, child=sbk, reason="已有社保卡", action="reject")
    assert dropped.status == "rejected" and dropped.process_id is None
    assert CaseEvent.objects.filter(case=parent, kind="bundle", data__child=sbk.case_no).count() == 1


def test_intake_at_a_site_without_the_bundle_is_refused(bw):
    with pytest.raises(ValidationError, match="不提供"):
        intake(bw, actor=bw.w.staff2, site=bw.w.station2)
    assert not Case.objects.filter(resident_phone=PHONE).exists()


def test_a_child_rejected_before_start_in_an_unlucky_bundle_withdraws_the_parent(bw):
    parent = intake(bw)
    for m in (bw.sbk, bw.jiaofei, bw.yibao):
        bundle_child_drop(actor=bw.w.staff, child=child(parent, m), reason="不需要")
    case_closing.case_withdraw(actor=bw.w.staff, case=child(parent, bw.hukou), reason="不需要")
    parent.refresh_from_db()
    assert parent.status == "withdrawn" and timezone.now() >= parent.closed_at
    assert_flow_in_step(parent)


def test_a_bad_rating_of_the_bundle_runs_the_rectification_loop_on_the_parent(bw):
    from residents.services import rating_create

    parent = intake(bw)
    for m in (bw.hukou, bw.yibao, bw.jiaofei, bw.sbk):
        finish(bw, child(parent, m))
    parent.refresh_from_db()
    rating = rating_create(case=parent, value=2, comment="跑了好几趟", aspects={"服务态度": 2})
    parent.refresh_from_db()
    assert rating.case_id == parent.pk and parent.status == "rectifying"
    assert_flow_in_step(parent)
    parent = case_closing.case_rectify(actor=bw.w.staff, case=parent, note="已回访并改进")
    assert parent.status == "completed"
    assert_flow_in_step(parent)
    # members were never rated and take no part in it
    assert all(c.status == "completed" for c in Case.objects.filter(bundle_parent=parent))
