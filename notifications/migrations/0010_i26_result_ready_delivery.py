"""``result_ready`` names how the result reaches the resident (送达方式) and the tracking number (单号).

Only a text still equal to the old default is updated: a text staff edited in the admin is theirs.
"""

from django.db import migrations

OLD = "【{site_name}】{matter}({case_no})已办结：{result}。查询{track_url}"
NEW = "【{site_name}】{matter}({case_no})已办结：{result}{delivery_note}。查询{track_url}"


def forward(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    MessageTemplate.objects.filter(code="result_ready", text=OLD).update(text=NEW)


def backward(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    MessageTemplate.objects.filter(code="result_ready", text=NEW).update(text=OLD)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0009_i25_staff_alert_keys")]

    operations = [migrations.RunPython(forward, backward)]
