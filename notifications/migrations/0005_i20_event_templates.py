"""Seed the issue-20 templates: transfer, withdrawal, progress note and the appointment loop, the calendar alert."""

from django.db import migrations

CODES = (
    "case_transferred",
    "case_withdrawn",
    "case_progress",
    "appointment_confirmed",
    "appointment_declined",
    "appointment_requested",
    "calendar_missing",
)


def seed(apps, schema_editor):
    from notifications.templates_registry import DEFAULTS_BY_CODE

    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for code in CODES:
        tpl = DEFAULTS_BY_CODE[code]
        MessageTemplate.objects.get_or_create(
            code=tpl.code, defaults={"name": tpl.name, "audience": tpl.audience, "text": tpl.text}
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_fewer_indexes")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
