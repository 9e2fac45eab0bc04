"""The one staff-message builder (``notifications.staff``) and its one key shape, for the sweeps and for the
residents' alerts; and migration 0009, which gave the residents' alert rows of before that shape."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from agency.models import Agent
from agency.tests.factories import AgentFactory, StationFactory
from notifications.models import Notification
from notifications.staff import staff_messages
from residents.staff_alerts import notify_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def agents() -> tuple[Agent, Agent]:
    site = StationFactory()
    with_phone = AgentFactory(kind=Agent.Kind.STATION_STAFF, phone="+8613900000011", sites=[site])
    without_phone = AgentFactory(kind=Agent.Kind.STATION_STAFF, phone="", sites=[site])
    return with_phone, without_phone


def test_one_key_shape_per_agent_and_channel(agents) -> None:
    with_phone, without_phone = agents
    messages = staff_messages(agents, key="case:BB1:overdue", template="overdue", context={"case_no": "BB1"})
    assert {(m.dedupe_key, m.channel, m.recipient_phone) for m in messages} == {
        (f"case:BB1:overdue:agent:{with_phone.pk}:sms", "sms", "+8613900000011"),
        (f"case:BB1:overdue:agent:{with_phone.pk}:inapp", "inapp", ""),
        (f"case:BB1:overdue:agent:{without_phone.pk}:inapp", "inapp", ""),  # no mobile: in-app only
    }
    assert all(m.audience == "staff" for m in messages)
    only_sms = staff_messages(agents, key="k", template="overdue", context={}, channels=("sms",))
    assert [m.dedupe_key for m in only_sms] == [f"k:agent:{with_phone.pk}:sms"]
    with pytest.raises(ValueError):
        staff_messages(agents, key="k", template="overdue", context={}, channels=("fax",))


def test_residents_alerts_use_the_shape_and_stay_deduplicated(agents) -> None:
    with_phone, _ = agents
    context = {"site_name": "王庄村便民服务站", "phone_tail": "8000"}
    for _ in range(2):  # the same alert twice: one row
        notify_staff(
            agents=list(agents), dedupe_prefix="doorstep:7", template="doorstep_request", context=context
        )
    rows = Notification.objects.filter(dedupe_key__startswith="doorstep:7:")
    assert [(r.dedupe_key, r.channel, r.recipient_user_id) for r in rows] == [
        (f"doorstep:7:agent:{with_phone.pk}:sms", "sms", with_phone.user_id)
    ]


def test_migration_0009_gives_old_alert_keys_the_new_shape(agents) -> None:
    with_phone, _ = agents
    migration = importlib.import_module("notifications.migrations.0009_i25_staff_alert_keys")

    def row(key: str, **kw) -> Notification:
        values = {"template": "bad_rating", "text": "差评", "audience": "staff", "channel": "sms", **kw}
        values.setdefault("send_after", timezone.now())
        return Notification.objects.create(dedupe_key=key, recipient_phone="+8613900000011", **values)

    old = row(f"rating:5:bad:agent:{with_phone.pk}")
    late = row(f"rating:5:callback-late:agent:{with_phone.pk}")
    appt = row(f"appt:YY0001:requested:agent:{with_phone.pk}", template="appointment_requested")
    sweep = row(f"case:BB1:overdue:agent:{with_phone.pk}:sms", template="overdue")  # already the shape
    resident = row("case:BB1:rectified:5", audience="resident", template="rectification_done")
    migration.add_channel(django_apps, None)
    keys = dict(Notification.objects.values_list("pk", "dedupe_key"))
    assert keys[old.pk] == f"rating:5:bad:agent:{with_phone.pk}:sms"
    assert keys[late.pk] == f"rating:5:callback-late:agent:{with_phone.pk}:sms"
    assert keys[appt.pk] == f"appt:YY0001:requested:agent:{with_phone.pk}:sms"
    assert keys[sweep.pk] == sweep.dedupe_key and keys[resident.pk] == resident.dedupe_key
    migration.add_channel(django_apps, None)  # twice: nothing more
    assert dict(Notification.objects.values_list("pk", "dedupe_key")) == keys
    # the alert of before is still the gate: asking again queues nothing
    notify_staff(agents=[with_phone], dedupe_prefix="rating:5:bad", template="bad_rating", context={})
    assert Notification.objects.filter(dedupe_key__startswith="rating:5:bad:").count() == 1
    migration.remove_channel(django_apps, None)
    assert Notification.objects.get(pk=old.pk).dedupe_key == f"rating:5:bad:agent:{with_phone.pk}"
    assert Notification.objects.get(pk=sweep.pk).dedupe_key == sweep.dedupe_key
