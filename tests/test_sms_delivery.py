"""Issue 27 across the apps: a case's resident SMS through the real provider SDKs (local provider servers),
what staff see when it does not arrive, the providers' flow control at the OTP endpoint, and the startup check.
"""

from __future__ import annotations

import json

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from rest_framework.test import APIClient

from notifications.delivery import notification_deliver
from notifications.models import Notification
from notifications.receipts import aliyun_pull
from notifications.services import notification_enqueue
from notifications.tasks import sweep_outbox
from workflows.tests.factories import CaseFactory, make_world

PHONE = "+8613900139000"


@pytest.fixture
def world(db):
    return make_world()


def _case_received(case) -> Notification:
    return notification_enqueue(
        dedupe_key=f"case:{case.case_no}:received",
        template="case_received",
        context={
            "case_no": case.case_no,
            "matter": case.matter.name,
            "site_name": case.site.name,
            "due_date": "2026-12-14",
            "agent_name": "网格员",
            "agent_phone": "0531-88880000",
        },
        recipient_phone=str(case.resident_phone),
        audience="resident",
    )


def _alerts() -> list[Notification]:
    return list(Notification.objects.filter(template="sms_undelivered", channel="inapp"))


def test_empty_number_is_not_retried_and_the_agent_is_alerted_once(
    providers, no_publish, world, settings, client
):
    aliyun, tencent = providers
    settings.NOTIFICATIONS_QUIET_HOURS = (0, 0)
    case = CaseFactory(
        site=world.station, matter=world.matter, resident_phone=PHONE, assigned_agent=world.agent_grid
    )
    row = _case_received(case)
    assert notification_deliver(notification_id=row.pk) == "sent"
    row.refresh_from_db()
    client.force_login(world.staff)
    page = client.get(f"/staff/cases/{case.case_no}/").content.decode()
    assert "受理通知（居民）" in page and "已提交服务商，等待回执" in page

    aliyun.report(row.provider_message_id, delivered=False, err_code="MN:0001")  # the carrier: 空号
    assert aliyun_pull(older_than=0) == 1
    row.refresh_from_db()
    assert (row.status, row.delivery_state, row.delivery_reason) == ("sent", "undelivered", "空号")
    [alert] = _alerts()
    assert alert.recipient_user_id == world.grid_worker.pk
    assert alert.text.startswith("居民短信未送达（空号），请电话联系。") and case.case_no in alert.text

    # the same report again (pull and push), a sweep: no second alert, no resend
    aliyun_pull(older_than=0)
    body = [
        {"biz_id": row.provider_message_id, "out_id": f"bb-{row.pk}", "success": False, "err_code": "MN:0001"}
    ]
    pushed = client.post(
        f"/sms/receipts/aliyun/{settings.SMS_RECEIPT_TOKEN}/",
        json.dumps(body),
        content_type="application/json",
    )
    assert pushed.status_code == 200
    sweep_outbox()
    assert len(_alerts()) == 1
    assert len(aliyun.sent) == 1 and tencent.sent == []
    row.refresh_from_db()
    assert row.attempts == 1

    page = client.get(f"/staff/cases/{case.case_no}/").content.decode()
    assert "未送达（空号）" in page


def test_a_refused_send_to_a_case_without_agent_alerts_the_station_staff(
    providers, no_publish, world, settings
):
    aliyun, _ = providers
    settings.NOTIFICATIONS_QUIET_HOURS = (0, 0)
    aliyun.script = ["invalid"]
    case = CaseFactory(site=world.station, matter=world.matter, resident_phone=PHONE)
    row = _case_received(case)
    assert notification_deliver(notification_id=row.pk) == "failed"
    [alert] = _alerts()
    assert alert.recipient_user_id == world.staff.pk and "号码无效" in alert.text


def test_otp_the_provider_would_refuse_is_refused_first_with_the_same_429(
    providers, no_publish, private_cache
):
    api = APIClient()
    first = api.post("/api/v1/track/otp/", {"phone": "13900139000"}, format="json")
    assert first.status_code == 202
    second = api.post("/api/v1/track/otp/", {"phone": "13900139000"}, format="json")
    assert second.status_code == 429  # Alibaba Cloud: 1 code per number per minute
    assert second.json()["message"] == "操作过于频繁，请稍后再试。"
    assert Notification.objects.filter(template="otp_code").count() == 1


def test_otp_without_a_provider_keeps_the_projects_own_limits(db, no_publish, private_cache, settings):
    settings.SMS_BACKEND = "console"
    api = APIClient()
    for _ in range(2):
        assert api.post("/api/v1/track/otp/", {"phone": "13900139000"}, format="json").status_code == 202


def test_a_message_without_a_template_blocks_startup_in_production(providers, settings):
    settings.DEBUG = False
    assert not [m for m in run_checks() if m.id and m.id.startswith("notifications.")]
    codes = dict(settings.SMS_TEMPLATE_CODES)
    codes["tencent"] = {k: v for k, v in codes["tencent"].items() if k != "result_ready"}
    settings.SMS_TEMPLATE_CODES = codes
    errors = [m for m in run_checks() if m.id == "notifications.E001"]
    assert len(errors) == 1 and "result_ready" in errors[0].msg and errors[0].is_serious()
    with pytest.raises(SystemCheckError):
        call_command("check")
    with pytest.raises(CommandError):
        call_command("sms_templates", "--check")
    settings.DEBUG = True  # development: a warning, the dev server still starts
    assert not [m for m in run_checks() if m.id == "notifications.E001" and m.is_serious()]


def test_sms_templates_prints_what_each_console_asks_for(providers, capsys):
    call_command("sms_templates", "--provider", "aliyun")
    out = capsys.readouterr().out
    assert "模板名称：受理通知（居民）" in out and "模板类型：通知" in out and "模板类型：验证码" in out
    assert "模板内容：${site_name}：您的${matter}已受理" in out
    assert "查询http://127.0.0.1:8000/${track_url}" in out  # the link's domain is fixed text
    assert "申请说明：" in out
    call_command("sms_templates", "--provider", "tencent")
    out = capsys.readouterr().out
    assert "模板内容：{1}：您的{2}已受理" in out and "{1}=site_name" in out
    call_command("sms_templates", "--check")
    assert "36/36 messages have a template id" in capsys.readouterr().out


def test_notifications_status_shows_each_provider(providers, no_publish, world, settings, capsys):
    aliyun, _ = providers
    settings.NOTIFICATIONS_QUIET_HOURS = (0, 0)
    case = CaseFactory(
        site=world.station, matter=world.matter, resident_phone=PHONE, assigned_agent=world.agent_grid
    )
    row = _case_received(case)
    notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    aliyun.report(row.provider_message_id, delivered=False, err_code="MK:0005")
    aliyun_pull(older_than=0)
    call_command("notifications_status")
    out = capsys.readouterr().out
    assert "provider aliyun: sent 1, delivered 0, waiting for receipt 0, failed 1 (停机 1)" in out
    assert "receipt lag avg" in out
    call_command("notifications_status", "--json")
    [stats] = json.loads(capsys.readouterr().out)["providers"]
    assert stats["failed_by_reason"] == {"停机": 1} and stats["receipt_lag_avg_seconds"] is not None
