"""Delivery reports: pulled from both providers through the SDKs, pushed to our callbacks; idempotent."""

from __future__ import annotations

import json

import pytest

from notifications.delivery import notification_deliver
from notifications.models import Notification
from notifications.receipts import aliyun_pull, receipt_record, tencent_pull
from notifications.tests.test_providers import _enqueue

TOKEN = "receipt-token-for-tests"


def _sent(settings, provider: str) -> Notification:
    settings.SMS_BACKEND, settings.SMS_FALLBACK_BACKEND = provider, ""
    row = _enqueue()
    assert notification_deliver(notification_id=row.pk) == "sent"
    row.refresh_from_db()
    return row


def _state(row: Notification) -> tuple:
    row.refresh_from_db()
    return (row.delivery_state, row.delivery_code, row.delivery_reason, row.delivered_at, row.receipt_at)


def test_aliyun_late_receipt_is_pulled_once(providers, no_publish, settings):
    aliyun, _ = providers
    row = _sent(settings, "aliyun")
    assert aliyun_pull(older_than=0) == 0  # no report yet (SendStatus 1: waiting)
    assert _state(row)[0] == "accepted"
    aliyun.report(row.provider_message_id, delivered=True)
    assert aliyun_pull(older_than=0) == 1
    first = _state(row)
    assert first[0] == "delivered" and first[1] == "DELIVERED" and first[4] is not None
    assert aliyun_pull(older_than=0) == 0  # a delivered row is not asked about again
    assert _state(row) == first
    assert aliyun.bad_signatures == 0


def test_tencent_receipt_is_pulled_and_a_repeat_changes_nothing(providers, no_publish, settings):
    _, tencent = providers
    row = _sent(settings, "tencent")
    tencent.report(row.provider_message_id, delivered=False, description="MN:0001")
    assert tencent_pull() == 1
    first = _state(row)
    assert first[0] == "undelivered" and first[2] == "空号"
    tencent.report(row.provider_message_id, delivered=True)  # a contradicting late repeat
    assert tencent_pull() == 0
    assert _state(row) == first
    assert tencent.bad_signatures == 0


def test_reports_twice_or_out_of_order_change_nothing(providers, no_publish, settings):
    row = _sent(settings, "aliyun")
    args = {"provider": "aliyun", "provider_message_id": row.provider_message_id}
    assert receipt_record(**args, delivered=True, code="DELIVERED") == "recorded"
    first = _state(row)
    assert receipt_record(**args, delivered=True, code="DELIVERED") == "duplicate"
    assert receipt_record(**args, delivered=False, code="MN:0001") == "duplicate"
    assert _state(row) == first
    assert receipt_record(
        provider="tencent", provider_message_id=row.provider_message_id, delivered=False
    ) == (
        "unknown"  # another provider's report never touches this row
    )
    assert _state(row) == first


def test_a_report_before_the_send_answer_is_matched_by_our_id(providers, no_publish, settings):
    row = _sent(settings, "aliyun")
    Notification.objects.filter(pk=row.pk).update(provider_message_id="")
    assert receipt_record(
        provider="aliyun", our_id=f"bb-{row.pk}", provider_message_id="9^0", delivered=True
    ) == ("recorded")
    row.refresh_from_db()
    assert row.delivery_state == "delivered" and row.provider_message_id == "9^0"


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_callback_with_a_bad_token_is_refused_and_changes_nothing(
    providers, no_publish, settings, client, provider
):
    row = _sent(settings, provider)
    before = _state(row)
    if provider == "aliyun":
        body = [{"biz_id": row.provider_message_id, "out_id": f"bb-{row.pk}", "success": True,
                 "err_code": "DELIVERED", "report_time": "2026-12-07 10:00:03"}]  # fmt: skip
    else:
        body = [{"sid": row.provider_message_id, "report_status": "SUCCESS", "errmsg": "DELIVRD",
                 "description": "用户短信送达成功", "user_receive_time": "2026-12-07 10:00:03"}]  # fmt: skip
    url = f"/sms/receipts/{provider}/"
    response = client.post(url + "wrong-token/", json.dumps(body), content_type="application/json")
    assert response.status_code == 403
    assert _state(row) == before
    settings.SMS_RECEIPT_TOKEN = ""  # no token configured: every push is refused
    assert client.post(url + "x/", json.dumps(body), content_type="application/json").status_code == 403
    settings.SMS_RECEIPT_TOKEN = TOKEN
    response = client.post(url + f"{TOKEN}/", json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    assert _state(row)[0] == "delivered"
    delivered = _state(row)
    again = client.post(url + f"{TOKEN}/", json.dumps(body), content_type="application/json")
    assert again.status_code == 200 and _state(row) == delivered
    assert client.post(url + f"{TOKEN}/", "not json", content_type="application/json").status_code == 400
