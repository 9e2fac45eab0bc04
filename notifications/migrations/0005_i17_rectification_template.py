"""Seed the resident's ``rectification_done`` template (the outcome of a 差评's rectification)."""

from django.db import migrations


def seed(apps, schema_editor):
    from notifications.templates_registry import DEFAULTS_BY_CODE

    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    tpl = DEFAULTS_BY_CODE["rectification_done"]
    MessageTemplate.objects.get_or_create(
        code=tpl.code, defaults={"name": tpl.name, "audience": tpl.audience, "text": tpl.text}
    )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_fewer_indexes")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
