"""Seed the message templates with the built-in Chinese texts (never overwrites a staff edit)."""

from django.db import migrations


def seed(apps, schema_editor):
    from notifications.templates_registry import DEFAULT_TEMPLATES

    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for tpl in DEFAULT_TEMPLATES:
        MessageTemplate.objects.get_or_create(
            code=tpl.code, defaults={"name": tpl.name, "audience": tpl.audience, "text": tpl.text}
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
