"""Issue 33: the staff alerts ``bad_rating`` and ``doorstep_request`` no longer carry the resident's text.

Rows still holding the old default are updated to the new default; a text staff edited is left alone (the
residents' side no longer passes ``comment``/``note``, so such a placeholder renders empty).
"""

from django.db import migrations

OLD = {
    "bad_rating": "【{site_name}】{case_no}({matter})收到{rating}星评价，请核实整改：{comment}",
    "doorstep_request": "【{site_name}】尾号{phone_tail}的群众申请上门服务：{note}。请尽快电话联系。",
}


def forwards(apps, schema_editor):
    from notifications.templates_registry import DEFAULTS_BY_CODE

    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for code, old in OLD.items():
        MessageTemplate.objects.filter(code=code, text=old).update(text=DEFAULTS_BY_CODE[code].text)


def backwards(apps, schema_editor):
    from notifications.templates_registry import DEFAULTS_BY_CODE

    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for code, old in OLD.items():
        MessageTemplate.objects.filter(code=code, text=DEFAULTS_BY_CODE[code].text).update(text=old)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0008_merge_i16")]

    operations = [migrations.RunPython(forwards, backwards)]
