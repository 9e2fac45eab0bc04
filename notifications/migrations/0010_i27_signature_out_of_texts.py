"""Issue 27: the signature leaves the message texts (the deployment's ``SMS_SIGNATURE`` is put in front at send
time); the station that was the bracketed signature becomes the first variable of the text."""

from django.db import migrations

OLD = "【{site_name}】"
NEW = "{site_name}："


def forwards(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for row in MessageTemplate.objects.filter(text__startswith=OLD):
        # a login code names no station: the signature alone stands in front of it (a 验证码 template)
        row.text = ("" if row.code == "otp_code" else NEW) + row.text[len(OLD) :]
        row.save(update_fields=["text"])


def backwards(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for row in MessageTemplate.objects.filter(text__startswith=NEW):
        row.text = OLD + row.text[len(NEW) :]
        row.save(update_fields=["text"])


class Migration(migrations.Migration):
    # after 0010_i26 (it recognises the unedited result_ready text by its old bracketed form)
    dependencies = [
        ("notifications", "0009_i27_sms_receipts"),
        ("notifications", "0010_i26_result_ready_delivery"),
        ("notifications", "0009_i33_no_resident_text_in_sms"),  # it recognises the old bracketed texts too
    ]

    operations = [migrations.RunPython(forwards, backwards)]
