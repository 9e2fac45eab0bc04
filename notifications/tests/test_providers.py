"""The real SDK clients against local servers that speak each provider's API and check its signature."""

from __future__ import annotations

import pytest

from notifications.backends import RetryableSendError
from notifications.delivery import notification_deliver
from notifications.models import Notification
from notifications.services import notification_enqueue

PHONE = "+8613800138000"


def _enqueue(template: str = "case_received", **context: str) -> Notification:
    base = {
        "site_name": "王庄村便民服务站",
        "matter": "开具居住证明",
        "case_no": "BB202612070001",
        "due_date": "2026-12-14",
        "agent_name": "张三",
        "agent_phone": "0531-88880000",
        "track_url": "http://127.0.0.1:8000/track/",
    }
    return notification_enqueue(
        dedupe_key=f"t:{template}:{len(Notification.objects.all())}",
        template=template,
        context={**base, **context},
        recipient_phone=PHONE,
        audience="staff",  # not held by quiet hours in these tests
    )


def _deliver(row: Notification) -> str:
    try:
        return notification_deliver(notification_id=row.pk)
    except RetryableSendError:
        return "retry"


def test_aliyun_sends_the_template_the_resident_reads(providers, no_publish):
    aliyun, tencent = providers
    row = _enqueue()
    assert _deliver(row) == "sent"
    row.refresh_from_db()
    assert aliyun.bad_signatures == 0
    assert aliyun.phone_messages == [("13800138000", row.text)]  # what the phone shows is the outbox text
    assert row.text.startswith("【市中区政务服务】王庄村便民服务站：您的开具居住证明已受理")
    assert "查询http://127.0.0.1:8000/track/" in row.text  # the link is fixed template text, not a variable
    sent = aliyun.sent[0]
    assert sent.params["track_url"] == "track/" and sent.our_id == f"bb-{row.pk}"
    assert (row.provider, row.provider_message_id, row.delivery_state) == (
        "aliyun",
        sent.provider_id,
        "accepted",
    )
    assert tencent.sent == []


def test_tencent_sends_the_template_the_resident_reads(providers, no_publish, settings):
    _, tencent = providers
    settings.SMS_BACKEND, settings.SMS_FALLBACK_BACKEND = "tencent", ""
    row = _enqueue()
    assert _deliver(row) == "sent"
    row.refresh_from_db()
    assert tencent.bad_signatures == 0
    assert tencent.phone_messages == [(PHONE, row.text)]
    assert tencent.sent[0].params[0] == "王庄村便民服务站"  # {1}: the station is the first variable
    assert (row.provider, row.provider_message_id) == ("tencent", tencent.sent[0].provider_id)


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_a_wrong_secret_fails_the_signature_and_nothing_is_sent(providers, no_publish, settings, provider):
    aliyun, tencent = providers
    settings.SMS_BACKEND, settings.SMS_FALLBACK_BACKEND = provider, ""
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    settings.SMS_TENCENT_SECRET_KEY = "not-the-secret"
    row = _enqueue()
    assert _deliver(row) == "failed"  # a refused signature is permanent: retrying cannot fix the key
    row.refresh_from_db()
    fake = aliyun if provider == "aliyun" else tencent
    assert fake.bad_signatures == 1 and fake.sent == []
    assert row.status == Notification.Status.FAILED


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_flow_control_is_retried_with_backoff(providers, no_publish, settings, provider):
    aliyun, tencent = providers
    settings.SMS_BACKEND, settings.SMS_FALLBACK_BACKEND = provider, ""
    fake = aliyun if provider == "aliyun" else tencent
    fake.script = ["flow"]
    row = _enqueue()
    assert _deliver(row) == "retry"
    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING and row.next_attempt_at is not None
    assert "LIMIT" in row.last_error.upper()
    assert _deliver(row) == "sent"
    assert len(fake.sent) == 1


def test_a_40_character_address_is_shortened_not_refused(providers, no_publish):
    aliyun, _ = providers
    address = "山东省济南市市中区王庄街道王庄村村民委员会东大街一百二十八号院三号楼二单元四零一"
    assert len(address) == 40
    row = _enqueue("case_assigned", resident_name="李四", address=address)
    assert _deliver(row) == "sent"
    row.refresh_from_db()
    sent = aliyun.sent[0].params["address"]
    assert len(sent) == 20 and sent.endswith("…") and address.startswith(sent[:-1])
    assert aliyun.phone_messages == [("13800138000", row.text)]


def test_provider_a_times_out_provider_b_sends_exactly_one_sms(providers, no_publish):
    aliyun, tencent = providers
    aliyun.script = ["timeout"]
    row = _enqueue()
    assert _deliver(row) == "retry"
    assert _deliver(row) == "sent"
    row.refresh_from_db()
    assert aliyun.sent == [] and len(tencent.sent) == 1
    assert "QuerySendDetails" in aliyun.requests  # A was asked before B sent
    assert row.provider == "tencent" and tencent.phone_messages == [(PHONE, row.text)]


def test_a_timeout_that_did_send_is_not_sent_again_by_the_other_provider(providers, no_publish):
    aliyun, tencent = providers
    aliyun.script = ["timeout_sent"]
    row = _enqueue()
    assert _deliver(row) == "retry"
    assert _deliver(row) == "sent"
    row.refresh_from_db()
    assert len(aliyun.sent) == 1 and tencent.sent == []
    assert row.provider == "aliyun"


def test_a_refused_number_is_not_retried(providers, no_publish):
    aliyun, tencent = providers
    aliyun.script = ["invalid"]
    row = _enqueue()
    assert _deliver(row) == "failed"
    row.refresh_from_db()
    assert row.attempts == 1 and row.delivery_state == "undelivered" and row.delivery_reason == "号码无效"
    assert _deliver(row) == "skipped"
    assert aliyun.sent == [] and tencent.sent == []


def test_a_message_without_a_template_id_is_not_sent_as_free_text(providers, no_publish, settings):
    aliyun, _ = providers
    settings.SMS_FALLBACK_BACKEND = ""
    codes = dict(settings.SMS_TEMPLATE_CODES)
    codes["aliyun"] = {k: v for k, v in codes["aliyun"].items() if k != "case_received"}
    settings.SMS_TEMPLATE_CODES = codes
    row = _enqueue()
    assert _deliver(row) == "failed"
    row.refresh_from_db()
    assert "SMS_TEMPLATE_CODES" in row.last_error and aliyun.requests == []
