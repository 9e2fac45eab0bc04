"""The providers' variable rules and the signature (notifications.sms_text)."""

from __future__ import annotations

import json

from notifications.delivery import notification_deliver
from notifications.sms_text import compose, fit_value, provider_params, provider_template, signature_for
from notifications.tests.test_providers import _enqueue


def test_variables_are_cut_to_their_kind_never_refused():
    address = "甲" * 40
    assert fit_value("address", address) == "甲" * 19 + "…"
    assert fit_value("resident_name", "欧阳" * 8) == "欧阳" * 4 + "欧…"
    assert fit_value("note", "乙" * 50) == "乙" * 34 + "…"
    assert fit_value("site_name", "王庄村便民服务站") == "王庄村便民服务站"
    assert (
        fit_value("note", "请看\n  https://evil.example/x 说明") == "请看 说明"
    )  # no URL in a plain variable


def test_codes_are_digits_only_and_links_keep_their_path(settings):
    assert fit_value("code", "12 34-56") == "123456"
    assert fit_value("track_url", f"{settings.SITE_URL}/rate/abc/") == "rate/abc/"
    assert fit_value("track_url", "https://elsewhere.example/rate/abc/") == "track/"
    assert fit_value("link", f"{settings.SITE_URL}/" + "x" * 120) == "track/"


def test_one_signature_per_deployment_and_the_optional_second(settings):
    settings.SMS_SIGNATURE, settings.SMS_SIGNATURE_SECONDARY = "市中区政务服务", ""
    assert signature_for("escalation_town") == signature_for("case_received") == "市中区政务服务"
    settings.SMS_SIGNATURE_SECONDARY = "市中区督查"
    assert signature_for("escalation_town") == "市中区督查"
    assert signature_for("case_received") == "市中区政务服务"
    assert (
        compose("due_soon", "{site_name}：{case_no}", {"site_name": "站", "case_no": "B1"})
        == "【市中区政务服务】站：B1"
    )


def test_provider_forms_of_one_template(settings):
    body = "{site_name}：{case_no}已办结，查询{track_url}"
    aliyun = provider_template("result_ready", body, "aliyun")
    tencent = provider_template("result_ready", body, "tencent")
    assert aliyun.text == f"${{site_name}}：${{case_no}}已办结，查询{settings.SITE_URL}/${{track_url}}"
    assert tencent.text == f"{{1}}：{{2}}已办结，查询{settings.SITE_URL}/{{3}}"
    assert aliyun.kind == "通知" and aliyun.has_link and "非营销" in aliyun.reason
    assert provider_template("otp_code", "验证码{code}", "aliyun").kind == "验证码"
    context = {"site_name": "站", "case_no": "B1", "track_url": "track/", "extra": "x"}
    assert provider_params(body, context, "aliyun") == {
        "site_name": "站",
        "case_no": "B1",
        "track_url": "track/",
    }
    assert provider_params(body, context, "tencent") == ["站", "B1", "track/"]


def test_the_file_backend_shows_what_the_provider_delivers(providers, no_publish, settings, tmp_path):
    aliyun, _ = providers
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    address = "山东省济南市市中区王庄街道王庄村村民委员会东大街一百二十八号院三号楼二单元四零一"
    via_provider = _enqueue("case_assigned", resident_name="李四", address=address)
    assert notification_deliver(notification_id=via_provider.pk) == "sent"
    settings.SMS_BACKEND, settings.SMS_FALLBACK_BACKEND = "file", ""
    via_file = _enqueue("case_assigned", resident_name="李四", address=address)
    assert notification_deliver(notification_id=via_file.pk) == "sent"
    [line] = [json.loads(raw) for raw in (tmp_path / "sms.jsonl").read_text().splitlines()]
    [(_, on_phone)] = aliyun.phone_messages
    assert line["text"] == on_phone
