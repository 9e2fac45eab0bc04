"""Issue 25: one staff-message builder, one dedupe-key shape, ``<key>:agent:<id>:<channel>``.

The residents' staff alerts (bad ratings ``rating:…``, doorstep requests ``doorstep:…``, appointment requests
``appt:…``) used to be keyed ``<key>:agent:<id>`` (always an SMS row). Their rows get the ``:sms`` suffix they
would have now, so a key written before the change is still the gate it was (no message twice). Only the key
changes; nothing is sent or re-sent. Reversible (the suffix is taken off again).
"""

from django.db import migrations

OLD_SHAPE = r"^(rating|doorstep|appt):.+:agent:[0-9]+$"
NEW_SHAPE = r"^(rating|doorstep|appt):.+:agent:[0-9]+:sms$"
BATCH = 2000


def _rename(apps, *, pattern: str, change) -> None:
    Notification = apps.get_model("notifications", "Notification")
    rows = Notification.objects.filter(audience="staff", channel="sms", dedupe_key__regex=pattern)
    pending = list(rows.order_by("id").values_list("id", "dedupe_key"))
    for start in range(0, len(pending), BATCH):
        chunk = pending[start : start + BATCH]
        renamed = {pk: change(key) for pk, key in chunk}
        taken = set(
            Notification.objects.filter(dedupe_key__in=list(renamed.values())).values_list("dedupe_key", flat=True)
        )
        objs = [Notification(pk=pk, dedupe_key=key) for pk, key in renamed.items() if key not in taken]
        Notification.objects.bulk_update(objs, ["dedupe_key"])


def add_channel(apps, schema_editor):
    _rename(apps, pattern=OLD_SHAPE, change=lambda key: f"{key}:sms")


def remove_channel(apps, schema_editor):
    _rename(apps, pattern=NEW_SHAPE, change=lambda key: key[: -len(":sms")])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0008_merge_i16")]

    operations = [migrations.RunPython(add_channel, remove_channel)]
