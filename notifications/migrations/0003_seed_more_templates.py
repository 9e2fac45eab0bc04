"""Seed the templates added for the workflows' messages (rejection, doorstep requests, rating escalations)."""

from django.db import migrations


def seed(apps, schema_editor):
    from notifications.templates_registry import DEFAULT_TEMPLATES

    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for tpl in DEFAULT_TEMPLATES:
        MessageTemplate.objects.get_or_create(
            code=tpl.code, defaults={"name": tpl.name, "audience": tpl.audience, "text": tpl.text}
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_seed_message_templates")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
