import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from agency.tests.factories import UserFactory
from notifications.models import MessageTemplate, Notification
from notifications.rendering import prepare_context, render, render_template, template_text
from notifications.services import notification_enqueue, notifications_cancel
from notifications.sms_text import compose, fit_context
from notifications.templates_registry import DEFAULT_TEMPLATES

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
PHONE = "+8613800138000"


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def enqueue(key: str = "case:BB1:received", **kw):
    kw.setdefault("template", "case_received")
    kw.setdefault("context", {"case_no": "BB1", "matter": "居住证明", "site_name": "王庄村便民服务站"})
    kw.setdefault("recipient_phone", PHONE)
    return notification_enqueue(dedupe_key=key, **kw)


# --- templates & rendering ------------------------------------------------------------------------


def test_every_issue_message_is_seeded_signed_and_renders():
    codes = set(MessageTemplate.objects.values_list("code", flat=True))
    wanted = {
        "case_received", "visit_scheduled_day_before", "visit_scheduled_2h", "materials_missing",
        "case_submitted", "result_ready", "feedback_request", "feedback_followup", "otp_code",
        "case_assigned", "visit_due_tomorrow", "due_soon", "overdue", "unassigned_too_long",
        "overdue_station", "bad_rating", "daily_digest", "escalation_town", "escalation_district",
    }  # fmt: skip
    assert wanted <= codes
    for tpl in DEFAULT_TEMPLATES:
        # issue 27: the deployment's signature in front, the station a variable of the text
        context = fit_context(prepare_context({"site_name": "测试站", "case_no": "BB202612030001"}))
        text = compose(tpl.code, template_text(tpl.code), context)
        assert text.startswith("【帮办代办】"), tpl.code
        assert "【测试站】" not in text and "{" not in text, tpl.code


def test_render_missing_placeholder_renders_empty_and_logs(caplog):
    with caplog.at_level(logging.WARNING, logger="notifications.services"):
        assert (
            render("【{site_name}】{case_no}号{nope}", {"site_name": "站", "case_no": "B1"}) == "【站】B1号"
        )
    assert "nope" in caplog.text


def test_render_does_not_allow_attribute_access():
    assert render("{site_name.__class__}", {"site_name": "x"}) == "{site_name.__class__}"


def test_admin_edited_text_wins_and_unknown_code_falls_back():
    MessageTemplate.objects.filter(code="due_soon").update(text="{site_name}：改过的{case_no}")
    assert render_template("due_soon", {"case_no": "B9"}) == "帮办代办：改过的B9"
    MessageTemplate.objects.filter(code="overdue").delete()
    assert "超期" in render_template("overdue", {"case_no": "B9"})  # built-in default
    assert render_template("no_such_code", {}).startswith("帮办代办：")


@pytest.fixture
def template_cache(settings):
    from notifications.rendering import template_cache_clear

    settings.NOTIFICATIONS_TEMPLATE_CACHE_SECONDS = 60
    template_cache_clear()
    yield
    template_cache_clear()


def test_template_text_is_reused_for_a_while_then_read_again(template_cache, django_assert_num_queries):
    from notifications.rendering import template_text

    with django_assert_num_queries(1):
        first = template_text("due_soon")
        assert template_text("due_soon") == first  # the second read is this process's copy
    MessageTemplate.objects.filter(code="due_soon").update(text="新的文字")  # an edit elsewhere
    assert template_text("due_soon") == first  # not seen yet: within the reuse time
    import notifications.rendering as ns

    read_at, text = ns._template_cache["due_soon"]
    ns._template_cache["due_soon"] = (read_at - 61, text)  # as if read 61 s ago (the cache's monotonic clock)
    assert template_text("due_soon") == "新的文字"


def test_an_admin_edit_clears_the_cache_on_commit(
    template_cache, admin_client, django_capture_on_commit_callbacks
):
    from notifications.rendering import template_text

    assert template_text("due_soon") != "改过的文字"
    row = MessageTemplate.objects.get(code="due_soon")
    with django_capture_on_commit_callbacks(execute=True):
        res = admin_client.post(
            f"/admin/notifications/messagetemplate/{row.pk}/change/",
            {"code": row.code, "name": row.name, "audience": row.audience, "text": "改过的文字"},
        )
    assert res.status_code == 302, res.content.decode()[:2000]
    assert template_text("due_soon") == "改过的文字"


def test_template_cache_off_reads_every_time(settings, django_assert_num_queries):
    from notifications.rendering import template_text

    settings.NOTIFICATIONS_TEMPLATE_CACHE_SECONDS = 0
    with django_assert_num_queries(2):
        template_text("due_soon")
        template_text("due_soon")


def test_context_values_are_displayed_in_chinese():
    row = enqueue(
        context={
            "due_date": dt.date(2026, 12, 3),
            "materials": ["户口簿", "照片"],
            "case_no": "BB1",
            "matter": "低保",
        },
        template="materials_missing",
    )
    assert "户口簿、照片" in row.text
    assert row.context["due_date"] == "12月3日"


# --- enqueue: dedupe, publish on commit ------------------------------------------------------------


@freeze_time("2026-12-01 10:00:00+08:00")
def test_enqueue_dedupe_same_key_returns_existing_row(no_publish, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue()
        second = enqueue(context={"case_no": "OTHER"})
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert "OTHER" not in Notification.objects.get().text
    assert no_publish == [first.pk]  # published once, after commit


@freeze_time("2026-12-01 10:00:00+08:00")
def test_enqueue_row_rolls_back_with_callers_transaction(no_publish):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue()
        raise RuntimeError("case change failed")
    assert Notification.objects.count() == 0
    assert no_publish == []


@freeze_time("2026-12-01 10:00:00+08:00")
def test_enqueue_normalises_phone_and_sets_sweep_time(no_publish):
    row = enqueue(recipient_phone="138 0013 8000")
    assert row.recipient_phone == PHONE
    assert row.status == Notification.Status.PENDING
    assert row.send_after == local(2026, 12, 1, 10, 0)
    assert row.next_attempt_at == local(2026, 12, 1, 10, 1)  # sweep backstop one minute later


def test_invalid_phone_gives_failed_row_not_error(no_publish, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = enqueue(recipient_phone="12345")
    assert row.status == Notification.Status.FAILED
    assert "手机号" in row.last_error
    assert no_publish == []


def test_broker_down_is_swallowed_and_row_stays_pending(monkeypatch, django_capture_on_commit_callbacks):
    def boom(*a, **k):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr("notifications.tasks.send_notification.delay", boom)
    with freeze_time("2026-12-01 10:00:00+08:00"), django_capture_on_commit_callbacks(execute=True):
        row = enqueue()
    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING


# --- quiet hours ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(2026, 12, 1, 21, 30), local(2026, 12, 2, 8, 0)),
        (local(2026, 12, 1, 23, 59), local(2026, 12, 2, 8, 0)),
        (local(2026, 12, 2, 0, 10), local(2026, 12, 2, 8, 0)),
        (local(2026, 12, 2, 7, 59), local(2026, 12, 2, 8, 0)),
        (local(2026, 12, 2, 8, 0), local(2026, 12, 2, 8, 0)),
        (local(2026, 12, 2, 20, 59), local(2026, 12, 2, 20, 59)),
    ],
)
def test_quiet_hours_hold_resident_sms_until_8(no_publish, django_capture_on_commit_callbacks, now, expected):
    with freeze_time(now), django_capture_on_commit_callbacks(execute=True):
        row = enqueue()
    assert row.send_after == expected
    held = expected > now
    assert no_publish == ([] if held else [row.pk])
    if held:
        assert row.next_attempt_at == expected  # the sweep releases it at 08:00


def test_equal_quiet_hours_bounds_mean_no_quiet_hours(
    settings, no_publish, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_QUIET_HOURS = (0, 0)
    now = local(2026, 12, 1, 23, 30)
    with freeze_time(now), django_capture_on_commit_callbacks(execute=True):
        row = enqueue()
    assert row.send_after == now and no_publish == [row.pk]


@pytest.mark.parametrize("audience", ["otp", "staff"])
def test_quiet_hours_do_not_hold_otp_or_staff(no_publish, django_capture_on_commit_callbacks, audience):
    now = local(2026, 12, 1, 23, 0)
    with freeze_time(now), django_capture_on_commit_callbacks(execute=True):
        row = enqueue(template="otp_code", audience=audience, context={"code": "123456"})
    assert row.send_after == now
    assert no_publish == [row.pk]


def test_send_after_in_future_is_not_published_now(no_publish, django_capture_on_commit_callbacks):
    now = local(2026, 12, 1, 10, 0)
    with freeze_time(now), django_capture_on_commit_callbacks(execute=True):
        row = enqueue(send_after=local(2026, 12, 1, 15, 0), template="visit_scheduled_2h")
    assert row.send_after == local(2026, 12, 1, 15, 0)
    assert row.next_attempt_at == local(2026, 12, 1, 15, 0)
    assert no_publish == []


def test_send_after_landing_in_quiet_hours_moves_to_8(no_publish):
    with freeze_time(local(2026, 12, 1, 10, 0)):
        row = enqueue(send_after=local(2026, 12, 1, 22, 0))
    assert row.send_after == local(2026, 12, 2, 8, 0)


# --- rate cap ------------------------------------------------------------------------------------


def test_rate_cap_pushes_the_sixth_sms_by_an_hour(no_publish, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR = 5
    now = local(2026, 12, 1, 10, 0)
    with freeze_time(now), django_capture_on_commit_callbacks(execute=True):
        rows = [enqueue(f"k{i}") for i in range(7)]
    assert [r.send_after for r in rows[:5]] == [now] * 5
    assert rows[5].send_after == now + dt.timedelta(hours=1)
    assert rows[6].send_after == now + dt.timedelta(hours=1)
    assert no_publish == [r.pk for r in rows[:5]]


def test_rate_cap_ignores_otp_and_other_phones(no_publish, settings):
    settings.NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR = 2
    now = local(2026, 12, 1, 10, 0)
    with freeze_time(now):
        for i in range(3):
            enqueue(f"otp{i}", audience="otp", template="otp_code")
        a = enqueue("a")
        b = enqueue("b")
        other = enqueue("c", recipient_phone="+8613900139000")
        otp_late = enqueue("otp9", audience="otp", template="otp_code")
        capped = enqueue("d")
    assert a.send_after == b.send_after == other.send_after == otp_late.send_after == now
    assert capped.send_after == now + dt.timedelta(hours=1)


def test_rate_cap_window_slides(no_publish, settings):
    settings.NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR = 1
    with freeze_time(local(2026, 12, 1, 10, 0)):
        enqueue("a")
    with freeze_time(local(2026, 12, 1, 11, 1)):
        later = enqueue("b")
    assert later.send_after == local(2026, 12, 1, 11, 1)


# --- in-app and cancel ---------------------------------------------------------------------------


def test_inapp_row_is_delivered_at_once(no_publish):
    user = UserFactory()
    row = enqueue("u1", channel="inapp", recipient_user_id=user.pk, recipient_phone="", audience="staff")
    assert row.status == Notification.Status.SENT
    assert row.read_at is None
    assert no_publish == []


def test_inapp_without_user_fails_cleanly(no_publish):
    row = enqueue("u2", channel="inapp", recipient_phone="", audience="staff")
    assert row.status == Notification.Status.FAILED


def test_cancel_by_prefix_only_touches_pending(no_publish):
    with freeze_time(local(2026, 12, 1, 10, 0)):
        a = enqueue("case:BB1:due_soon:2026-12-03")
        b = enqueue("case:BB1:overdue:2026-12-04")
        c = enqueue("case:BB2:due_soon:2026-12-03")
    Notification.objects.filter(pk=b.pk).update(status="sent")
    assert notifications_cancel(dedupe_key_prefix="case:BB1:") == 1
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses == {a.pk: "cancelled", b.pk: "sent", c.pk: "pending"}


TYPICAL = {
    "site_name": "幸福村便民服务站", "matter": "居住证明", "case_no": "BB202612030001", "due_date": "12-10",
    "agent_name": "张伟", "agent_phone": "13800138000", "track_url": "http://127.0.0.1:8000/track/",
    "visit_time": "9:30", "materials": "户口簿、照片", "department": "镇民政办", "result": "已办结",
    "code": "123456", "minutes": "5", "resident_name": "李*", "address": "幸福村3组12号", "overdue_days": "2",
    "hours": "4", "rating": "1", "comment": "态度差", "date": "12月3日", "open": "12", "due_today": "2",
    "overdue": "1", "unassigned": "0", "station_name": "幸福村站", "town_name": "东关街道",
    "reason": "不属于本站受理范围", "due": "12-05", "phone_tail": "8000", "note": "上门服务",
    "new_site": "东关村便民服务站", "new_site_phone": "0531-88880000", "site_phone": "0531-88880000",
    "ref": "YY2345ABCD", "half_day": "上午", "year": "2027",
}  # fmt: skip


@pytest.mark.parametrize("tpl", DEFAULT_TEMPLATES, ids=lambda t: t.code)
def test_default_texts_fit_one_sms_segment(tpl):
    text = render(tpl.text, TYPICAL)
    limit = 134 if tpl.code == "case_received" else 70  # two 67-character segments
    assert len(text) <= limit, (len(text), text)
    assert "{" not in text


def test_overlong_dedupe_key_is_hashed_not_rejected(no_publish):
    base = "case:BB1:" + "x" * 300
    a = enqueue(base + "a")
    b = enqueue(base + "b")
    again = enqueue(base + "a")
    assert a.pk != b.pk
    assert again.pk == a.pk
    assert len(a.dedupe_key) <= 191
    assert a.dedupe_key.startswith("case:BB1:xxx")
