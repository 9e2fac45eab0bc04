"""Indexes for the oversight figures that count cases received or completed in a period, per site."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("workflows", "0003_appointments")]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["created_at", "site"], name="case_created_site_idx"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["completed_at", "site"], name="case_completed_site_idx"),
        ),
    ]
