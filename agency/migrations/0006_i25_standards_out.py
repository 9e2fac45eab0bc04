"""Issue 25: station standards live in one app.

1. ``StandardCriterion`` leaves the agency app's state (``standards.0002_i25_criteria_from_agency`` took it,
   table and rows untouched).
2. The dead ``SiteProfile``/``SiteProfileChange`` models are removed with their tables. Nothing has written
   them since the self-assessments (``standards``) replaced them; the admin showed them read-only. Their
   rows are KEPT IN AN EXPORT, not dropped: before the tables go, every row (profiles with their site code
   and name, and their change history) is written as JSON to
   ``<BANGBAN_VAR_DIR>/migration-exports/agency_siteprofiles_<UTC time>.json``. A database without rows
   writes no file. If the file cannot be written the migration stops (the tables stay), so no row is lost
   unseen. Their content types (and so their unused permissions) are removed too.

Reversing recreates the empty tables (the export is not read back).
"""

import datetime as dt
import json
import logging
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations

logger = logging.getLogger(__name__)

PROFILE_FIELDS = (
    "id",
    "site_id",
    "site__code",
    "site__name",
    "area_m2",
    "has_unified_signage",
    "zones",
    "windows",
    "seats",
    "staffing",
    "equipment",
    "facilities",
    "network",
    "rules",
    "note",
    "updated_at",
    "updated_by_id",
)
CHANGE_FIELDS = ("id", "profile_id", "at", "actor_id", "changes", "note")


def export_dir() -> Path:
    return Path(settings.VAR_DIR) / "migration-exports"


def export_site_profiles(apps, schema_editor):
    """Write every profile and change row to a JSON file before the tables are dropped (none: no file)."""
    SiteProfile = apps.get_model("agency", "SiteProfile")
    SiteProfileChange = apps.get_model("agency", "SiteProfileChange")
    profiles = list(SiteProfile.objects.order_by("id").values(*PROFILE_FIELDS))
    changes = list(SiteProfileChange.objects.order_by("id").values(*CHANGE_FIELDS))
    if not profiles and not changes:
        return
    now = dt.datetime.now(dt.timezone.utc)
    target = export_dir() / f"agency_siteprofiles_{now:%Y%m%dT%H%M%SZ}.json"
    payload = {
        "what": "agency.SiteProfile / agency.SiteProfileChange rows, removed by agency.0006_i25_standards_out",
        "exported_at": now.isoformat(),
        "database": str(schema_editor.connection.settings_dict.get("NAME") or ""),
        "site_profiles": profiles,
        "site_profile_changes": changes,
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1), encoding="utf-8")
    logger.warning(
        "agency.0006: %s site profiles and %s changes exported to %s", len(profiles), len(changes), target
    )


def remove_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="agency", model__in=["siteprofile", "siteprofilechange"]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("agency", "0005_i13_policy_standards"),
        ("standards", "0002_i25_criteria_from_agency"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # the criteria's table now belongs to the standards app: state only, no SQL
            state_operations=[migrations.DeleteModel(name="StandardCriterion")],
            database_operations=[],
        ),
        migrations.RunPython(export_site_profiles, migrations.RunPython.noop),
        migrations.DeleteModel(name="SiteProfileChange"),
        migrations.DeleteModel(name="SiteProfile"),
        migrations.RunPython(remove_content_types, migrations.RunPython.noop),
    ]
