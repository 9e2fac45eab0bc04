"""One plan and one writer for both enqueue paths (issue 19): what a message becomes must not depend on
whether it was queued on its own (``notification_enqueue``) or in a sweep's batch (``notification_enqueue_many``).

The dedupe-key, phone and hand-off tests below failed on the code before the two paths shared
``outbox.plan_row`` and ``outbox.outbox_insert``; the quiet-hours-and-cap one guards a rule that already agreed.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from notifications import selectors
from notifications.models import Notification
from notifications.outbox import (
    NotificationRequest,
    OutboxRules,
    capped_due,
    normalize_dedupe_key,
    outbox_insert,
    plan_row,
)
from notifications.services import notification_enqueue, notification_enqueue_many

SH = ZoneInfo("Asia/Shanghai")
LONG_KEY = "case:BB202612030001:reminder:" + "x" * 300  # longer than the 191-character column
DAY = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SH)
NIGHT = dt.datetime(2026, 11, 25, 22, 0, tzinfo=SH)


def one(message: NotificationRequest) -> Notification:
    return notification_enqueue(
        dedupe_key=message.dedupe_key,
        template=message.template,
        context=message.context,
        recipient_phone=message.recipient_phone,
        recipient_user_id=message.recipient_user_id,
        channel=message.channel,
        audience=message.audience,
        send_after=message.send_after,
    )


# --- Dedupe keys ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_long_key_queued_alone_then_in_a_batch_is_one_row_under_the_same_key(no_publish):
    message = NotificationRequest(LONG_KEY, "overdue", {}, recipient_phone="+8613800138000", audience="staff")
    with freeze_time(DAY):
        first = one(message)
        assert notification_enqueue_many(messages=[message]) == 0  # deduplicated, not a second row
    assert first.dedupe_key == normalize_dedupe_key(LONG_KEY)
    assert list(Notification.objects.values_list("dedupe_key", flat=True)) == [normalize_dedupe_key(LONG_KEY)]


@pytest.mark.django_db
def test_a_long_key_queued_in_a_batch_then_alone_is_one_row_under_the_same_key(no_publish):
    message = NotificationRequest(LONG_KEY, "overdue", {}, recipient_phone="+8613800138000", audience="staff")
    with freeze_time(DAY):
        assert notification_enqueue_many(messages=[message]) == 1
        stored = Notification.objects.get()
        again = one(message)
    assert stored.dedupe_key == normalize_dedupe_key(LONG_KEY)
    assert again.pk == stored.pk and Notification.objects.count() == 1
    assert no_publish == []  # the second call queued nothing and published nothing


@pytest.mark.django_db
def test_two_long_keys_with_one_prefix_stay_two_messages_in_a_batch():
    # Cutting at 191 characters made these one key, and the second message was silently dropped.
    keys = [LONG_KEY + "a", LONG_KEY + "b"]
    messages = [
        NotificationRequest(k, "overdue", {}, recipient_phone="+8613800138000", audience="staff")
        for k in keys
    ]
    with freeze_time(DAY):
        assert notification_enqueue_many(messages=messages, publish=False) == 2
    assert set(Notification.objects.values_list("dedupe_key", flat=True)) == {
        normalize_dedupe_key(k) for k in keys
    }


# --- Phones, channels, cap and quiet hours -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_number_the_phone_parser_refuses_fails_on_both_paths(no_publish):
    # +86 154… looks like a mainland mobile (the batch path's old shortcut regex let it through) but no
    # operator issues it: the single path always marked it failed.
    bad = "+8615412345678"
    with freeze_time(DAY):
        alone = one(NotificationRequest("alone", "overdue", {}, recipient_phone=bad, audience="staff"))
        notification_enqueue_many(
            messages=[NotificationRequest("batch", "overdue", {}, recipient_phone=bad, audience="staff")],
            publish=False,
        )
    batch = Notification.objects.get(dedupe_key="batch")
    assert (
        (alone.status, alone.last_error) == (batch.status, batch.last_error) == ("failed", "无效的手机号码")
    )


@pytest.mark.django_db
def test_a_handoff_in_a_batch_is_sent_like_a_single_one(no_publish):
    # A hand-off is addressed by its context, not a user: the batch path used to fail it for lacking one.
    context = {"case_no": "BB1", "region": "外省"}
    with freeze_time(DAY):
        alone = one(
            NotificationRequest("h1", "handoff_outbound", context, channel="handoff", audience="staff")
        )
        notification_enqueue_many(
            messages=[
                NotificationRequest("h2", "handoff_outbound", context, channel="handoff", audience="staff")
            ],
            publish=False,
        )
    batch = Notification.objects.get(dedupe_key="h2")
    assert alone.status == batch.status == "pending"
    assert alone.send_after == batch.send_after and alone.text == batch.text


@pytest.mark.django_db
def test_quiet_hours_and_the_cap_hold_residents_alike_on_both_paths(settings, no_publish):
    settings.NOTIFICATIONS_SMS_PER_PHONE_PER_HOUR = 2
    later = NIGHT + dt.timedelta(days=1, hours=-10)  # 12:00 the next day: outside quiet hours
    plan = [None, None, None, later, later, later]  # three now (held to 08:00), three for noon
    alone_phone, batch_phone = "13800138011", "13800138022"
    with freeze_time(NIGHT):
        for i, at in enumerate(plan):
            one(
                NotificationRequest(
                    f"one{i}", "due_soon", {"case_no": "B"}, recipient_phone=alone_phone, send_after=at
                )
            )
        notification_enqueue_many(
            messages=[
                NotificationRequest(
                    f"many{i}", "due_soon", {"case_no": "B"}, recipient_phone=batch_phone, send_after=at
                )
                for i, at in enumerate(plan)
            ],
            publish=False,
        )

    def times(prefix: str) -> list[dt.datetime]:
        rows = Notification.objects.filter(dedupe_key__startswith=prefix).order_by("id")
        return list(rows.values_list("send_after", flat=True))

    eight = dt.datetime(2026, 11, 26, 8, 0, tzinfo=SH)
    assert times("one") == times("many")
    assert times("one") == [
        eight,
        eight,
        eight + dt.timedelta(hours=1),
        later,
        later,
        later + dt.timedelta(hours=1),
    ]


# --- The plan is pure --------------------------------------------------------------------------------------


def test_plan_row_reads_nothing_and_differs_only_in_how_the_row_is_published():
    # No database mark: any query in the plan would raise here.
    rules = OutboxRules(quiet_hours=(21, 8), per_phone_per_hour=2, sweep_grace=dt.timedelta(seconds=60))
    message = NotificationRequest(
        "k", "due_soon", {"case_no": "B1"}, recipient_phone="138 0013 8000", audience="staff"
    )
    busy = [
        DAY - dt.timedelta(minutes=30),
        DAY - dt.timedelta(minutes=10),
    ]  # two in the last hour: at the cap
    on_commit = plan_row(
        message,
        text="{case_no}",
        now=DAY,
        rules=rules,
        schedule={"+8613800138000": list(busy)},
        publish="on_commit",
    )
    sweep = plan_row(
        message,
        text="{case_no}",
        now=DAY,
        rules=rules,
        schedule={"+8613800138000": list(busy)},
        publish="sweep",
    )
    assert on_commit["recipient_phone"] == "+8613800138000" and on_commit["text"] == "【帮办代办】B1"
    assert on_commit["send_after"] == sweep["send_after"] == busy[0] + dt.timedelta(hours=1)
    assert (
        on_commit["next_attempt_at"] == sweep["next_attempt_at"] == on_commit["send_after"]
    )  # held: due later

    free = plan_row(message, text="", now=DAY, rules=rules, schedule={}, publish="on_commit")
    assert free["send_after"] == DAY and free["next_attempt_at"] == DAY + dt.timedelta(seconds=60)


def test_capped_due_counts_only_the_last_hour():
    hour = dt.timedelta(hours=1)
    assert capped_due([DAY - 2 * hour, DAY - 2 * hour], DAY, 2) == DAY
    assert capped_due([DAY - hour / 2, DAY - hour / 4], DAY, 2) == DAY + hour / 2
    assert capped_due([DAY - hour / 2, DAY - hour / 4], DAY, 0) == DAY


@pytest.mark.django_db
def test_outbox_insert_returns_the_ids_it_inserted_and_skips_queued_keys():
    rules = OutboxRules.current()
    rows = [
        plan_row(
            NotificationRequest(k, "overdue", {}, channel="inapp", recipient_user_id=None),
            text="t",
            now=DAY,
            rules=rules,
            schedule={},
            publish="sweep",
        )
        for k in ("a", "b")
    ]
    first = outbox_insert(rows[:1])
    assert set(first) == {"a"}
    second = outbox_insert(rows)
    assert set(second) == {"b"}
    assert sorted(Notification.objects.values_list("id", flat=True)) == sorted([first["a"], second["b"]])


# --- Reads for other apps ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sent_dedupe_keys_answers_in_one_query(django_assert_num_queries, no_publish):
    with freeze_time(DAY):
        for key in ("sent", "pending", "failed", LONG_KEY):
            one(NotificationRequest(key, "overdue", {}, recipient_phone="+8613800138000", audience="staff"))
    Notification.objects.filter(dedupe_key__in=["sent", normalize_dedupe_key(LONG_KEY)]).update(status="sent")
    Notification.objects.filter(dedupe_key="failed").update(status="failed")
    with django_assert_num_queries(1):
        found = selectors.sent_dedupe_keys(iter(["sent", "pending", "failed", "never", LONG_KEY]))
    assert found == {"sent", LONG_KEY}  # as the caller gave them
    with django_assert_num_queries(0):
        assert selectors.sent_dedupe_keys([]) == set()


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_large_batch_goes_through_copy_and_keeps_the_same_rules(no_publish):
    # Over COPY_THRESHOLD rows PostgreSQL takes the COPY-and-merge path: same dedupe, same keys, same ids back.
    from notifications.outbox import COPY_THRESHOLD

    with freeze_time(DAY):
        pre = one(
            NotificationRequest(LONG_KEY, "overdue", {}, recipient_phone="+8613800138000", audience="staff")
        )
        messages = [
            NotificationRequest(
                f"big{i}", "overdue", {}, recipient_phone=f"+86138001{i:05d}", audience="staff"
            )
            for i in range(COPY_THRESHOLD * 2)
        ]
        messages.append(
            NotificationRequest(LONG_KEY, "overdue", {}, recipient_phone="+8613800138000", audience="staff")
        )
        assert notification_enqueue_many(messages=messages, publish=False) == COPY_THRESHOLD * 2
        rows = [
            plan_row(m, text="t", now=DAY, rules=OutboxRules.current(), schedule={}, publish="sweep")
            for m in messages[:3]
            + [NotificationRequest("fresh", "overdue", {}, channel="inapp", recipient_user_id=None)]
            * (COPY_THRESHOLD + 1)
        ]
        inserted = outbox_insert(rows)  # "fresh" repeats: the merge keeps the first and skips the rest
    assert set(inserted) == {"fresh"} and Notification.objects.get(dedupe_key="fresh").pk == inserted["fresh"]
    assert Notification.objects.filter(dedupe_key=normalize_dedupe_key(LONG_KEY)).get().pk == pre.pk
    assert Notification.objects.count() == COPY_THRESHOLD * 2 + 2
