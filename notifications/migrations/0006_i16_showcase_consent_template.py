"""Seed the 典型案例 consent message (showcase app)."""

from django.db import migrations


def seed(apps, schema_editor):
    from notifications.templates_registry import DEFAULTS_BY_CODE

    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    tpl = DEFAULTS_BY_CODE["showcase_consent"]
    MessageTemplate.objects.get_or_create(
        code=tpl.code, defaults={"name": tpl.name, "audience": tpl.audience, "text": tpl.text}
    )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_i20_event_templates")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
