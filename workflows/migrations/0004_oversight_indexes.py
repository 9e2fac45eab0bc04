"""Index for the oversight figures that count cases by completion date (办结 in a period).

Raw SQL on purpose: ``Case`` belongs to the case-workflow module, so the index is not declared in its
``Meta``; ``CREATE INDEX IF NOT EXISTS`` works on SQLite and PostgreSQL alike. If ``Case.Meta.indexes``
later declares an index on ``completed_at``, drop this one in a new migration.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("workflows", "0003_appointments")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS oversight_case_completed_idx "
            "ON workflows_case (completed_at, site_id);",
            "DROP INDEX IF EXISTS oversight_case_completed_idx;",
        ),
    ]
