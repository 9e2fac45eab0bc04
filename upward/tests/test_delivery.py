"""好差评 upward: every rating, 追评, call-back and rectification reaches the local endpoint exactly once."""

import datetime as dt

import pytest
from django.utils import timezone

from residents import services as resident_services
from residents.models import Rating
from residents.rectify import rectification_report
from residents.tests.track_helpers import completed_case
from tests.faults.celery_harness import broker_at
from upward import delivery
from upward.delivery import RetryableUpwardError
from upward.models import UpwardReceipt, UpwardRecord
from upward.tasks import send_upward_record, sweep_upward

pytestmark = pytest.mark.django_db


def _rate(world, value=5, **kw):
    case = completed_case(world)
    return resident_services.rating_create(
        case=case,
        value=value,
        comment=kw.pop("comment", "很好"),
        aspects={"办事效率": 5, "服务态度": 4},
        **kw,
    )


def test_rating_reported_once_with_receipt(world, endpoint, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rating = _rate(world, value=4)
    row = UpwardRecord.objects.get()
    assert row.status == "accepted" and row.attempts == 1
    assert row.receipt.outcome == "accepted"
    assert row.receipt.receipt_no == f"HCP-BB-E-{rating.pk}"
    assert row.receipt.http_status == 200
    sent = endpoint.accepted[f"BB-E-{rating.pk}"]
    assert sent["projectNo"] == rating.case.case_no
    assert sent["taskCode"] == world.matter.code and sent["taskName"] == "开具居住证明"
    assert sent["level"] == 4 and sent["levelName"] == "满意"
    assert sent["indicators"] == {"overall": 4, "efficiency": 5, "attitude": 4, "quality": None}
    assert sent["channel"] == "online" and sent["onlineOffline"] == "online"
    assert sent["siteCode"] == world.station.code
    assert sent["agent"]["id"] == str(world.agent_grid.pk)
    assert endpoint.headers[0]["Authorization"] == "Bearer t0ken"
    assert endpoint.headers[0]["X-Payload-Version"] == "1.0"
    # a duplicate task message (broker redelivery, sweep + on-commit) finds the row settled
    assert send_upward_record.apply(args=[row.pk]).get() == "skipped"
    assert len(endpoint.requests) == 1


def test_bad_rating_loop_reports_each_record(world, endpoint, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        bad = _rate(world, value=1, comment="上门太晚")
    with django_capture_on_commit_callbacks(execute=True):
        resident_services.rating_callback_log(actor=world.staff, rating=bad, note="已电话回访，群众说明情况")
    with django_capture_on_commit_callbacks(execute=True):
        rectification_report(
            actor=world.staff, rating=Rating.objects.get(pk=bad.pk), note="已约谈帮办员，重新上门办理"
        )
    case = bad.case
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        followup = resident_services.rating_create(case=case, value=5, followup=True)
    rows = list(UpwardRecord.objects.order_by("id"))
    assert [r.kind for r in rows] == ["evaluation", "callback", "rectification", "evaluation"]
    assert all(r.status == "accepted" for r in rows)
    assert UpwardReceipt.objects.count() == 4
    rect = endpoint.accepted[f"BB-E-{bad.pk}-ZG"]
    assert rect["recordType"] == "rectification" and rect["evaluationId"] == f"BB-E-{bad.pk}"
    assert rect["rectification"]["report"] == "已约谈帮办员，重新上门办理"
    assert [c["note"] for c in rect["callbacks"]] == ["已电话回访，群众说明情况"]
    first = endpoint.accepted[f"BB-E-{bad.pk}"]
    assert first["callbacks"] == [] and first["rectification"] is None  # the snapshot when it was rated
    follow = endpoint.accepted[f"BB-E-{followup.pk}"]
    assert follow["isFollowup"] is True and follow["followupOf"] == f"BB-E-{bad.pk}"
    assert follow["callbacks"] == [] and follow["rectification"] is None


def test_kiosk_rating_of_an_agent_alone(world, endpoint, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rating = resident_services.rating_create_kiosk(site=world.station, agent=world.agent_grid, value=3)
    sent = endpoint.accepted[f"BB-E-{rating.pk}"]
    assert sent["projectNo"] is None and sent["channel"] == "kiosk" and sent["onlineOffline"] == "offline"
    assert UpwardRecord.objects.get().status == "accepted"


def test_endpoint_refusal_is_final_with_reason(world, endpoint, eager, django_capture_on_commit_callbacks):
    endpoint.refuse_sites.add(world.station.code)
    with django_capture_on_commit_callbacks(execute=True):
        _rate(world)
    row = UpwardRecord.objects.get()
    assert row.status == "refused"
    assert row.receipt.outcome == "refused" and row.receipt.http_status == 422
    assert "未在省平台备案" in row.receipt.reason
    assert sweep_upward() == 0  # refused rows are never re-sent
    assert len(endpoint.requests) == 1


def test_invalid_record_is_refused_by_schema(world, endpoint):
    rating = _rate(world)
    row = UpwardRecord.objects.get()
    UpwardRecord.objects.filter(pk=row.pk).update(payload={**row.payload, "level": 7, "phone": "138"})
    assert delivery.upward_record_deliver(record_pk=row.pk) == "refused"
    reason = UpwardReceipt.objects.get(record=row).reason
    assert "评价等级无效" in reason and "不应上报个人信息 phone" in reason
    assert rating.pk and not endpoint.accepted


def test_duplicate_answer_counts_as_accepted(world, endpoint):
    _rate(world)
    row = UpwardRecord.objects.get()
    endpoint.accepted[row.record_id] = dict(row.payload)  # the province already holds it (an earlier send)
    assert delivery.upward_record_deliver(record_pk=row.pk) == "accepted"
    row.refresh_from_db()
    assert row.status == "accepted" and row.receipt.outcome == "duplicate"
    assert row.receipt.receipt_no == f"HCP-{row.record_id}"


def test_timeout_then_retry_accepted_exactly_once(world, endpoint, settings):
    settings.UPWARD_TIMEOUT = 0.3
    endpoint.sleep = 1.0  # the endpoint stores the record but answers too late
    _rate(world)
    row = UpwardRecord.objects.get()
    before = timezone.now()
    with pytest.raises(RetryableUpwardError):
        delivery.upward_record_deliver(record_pk=row.pk)
    row.refresh_from_db()
    assert row.status == "pending" and "timed out" in row.last_error.lower()
    assert row.next_attempt_at >= before + dt.timedelta(seconds=30)  # backoff, then the sweep
    assert delivery.upward_take_due() == []  # not due yet
    endpoint.sleep = 0
    assert delivery.upward_take_due(now=row.next_attempt_at) == [row.pk]
    assert delivery.upward_record_deliver(record_pk=row.pk) == "accepted"
    row.refresh_from_db()
    assert row.receipt.outcome == "duplicate" and row.attempts == 2
    assert list(endpoint.accepted) == [row.record_id]  # accepted once


def test_server_error_retries_then_succeeds(world, endpoint):
    endpoint.fail_next = 1
    _rate(world)
    row = UpwardRecord.objects.get()
    with pytest.raises(RetryableUpwardError):
        delivery.upward_record_deliver(record_pk=row.pk)
    row.refresh_from_db()
    assert row.status == "pending" and "HTTP 503" in row.last_error
    UpwardRecord.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.upward_record_deliver(record_pk=row.pk) == "accepted"
    assert UpwardReceipt.objects.get(record=row).outcome == "accepted"


def test_endpoint_down_keeps_the_row(world, endpoint, settings):
    settings.UPWARD_ENDPOINT_URL = "http://127.0.0.1:9/hcp/records"  # nothing listens there
    _rate(world)
    row = UpwardRecord.objects.get()
    with pytest.raises(RetryableUpwardError):
        delivery.upward_record_deliver(record_pk=row.pk)
    row.refresh_from_db()
    assert row.status == "pending" and "Connection refused" in row.last_error


def test_redis_down_nothing_lost(world, endpoint, eager, django_capture_on_commit_callbacks, settings):
    """The broker is unreachable when the rating commits and at the first sweep: the row waits; once the
    broker is back the sweep publishes it and it is accepted once."""
    from config.celery_app import app

    app.conf.task_always_eager = False
    with broker_at("redis://127.0.0.1:1/0"):  # no Redis there: every publish fails
        with django_capture_on_commit_callbacks(execute=True):
            _rate(world)
        row = UpwardRecord.objects.get()
        assert row.status == "pending" and row.attempts == 0
        UpwardRecord.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        assert sweep_upward() == 0
        row.refresh_from_db()
        assert row.status == "pending" and row.next_attempt_at <= timezone.now()  # released, not leased
    app.conf.task_always_eager = True
    assert sweep_upward() == 1
    row.refresh_from_db()
    assert row.status == "accepted" and len(endpoint.accepted) == 1


def test_dead_worker_claim_is_resent_safely(world, endpoint):
    _rate(world)
    row = UpwardRecord.objects.get()
    endpoint.accepted[row.record_id] = dict(row.payload)  # the dead worker's request had arrived
    past = timezone.now() - dt.timedelta(minutes=5)
    UpwardRecord.objects.filter(pk=row.pk).update(status="sending", claimed_at=past, next_attempt_at=past)
    assert delivery.upward_take_due() == [row.pk]
    assert delivery.upward_record_deliver(record_pk=row.pk) == "accepted"
    assert UpwardReceipt.objects.get(record=row).outcome == "duplicate"


def test_same_record_queued_once(world, endpoint):
    from upward.services import upward_record_enqueue

    rating = _rate(world)
    again = upward_record_enqueue(kind="evaluation", rating=rating, record=rating)
    assert again is not None and UpwardRecord.objects.count() == 1


def test_off_without_endpoint(world, settings):
    settings.UPWARD_ENDPOINT_URL = ""
    _rate(world)
    assert not UpwardRecord.objects.exists() and Rating.objects.count() == 1
