"""Issue 25 moved the construction-standard criteria from the agency app to standards, and removed the dead
``SiteProfile``/``SiteProfileChange`` models. A database of the previous layout must come through ``migrate``
with every criterion (and a staff edit of one), its content type and the permission grants on it, and with the
profile rows kept in the export file the migration writes before it drops their tables.

As ``tests/test_migrate_layout.py`` does for issue 19: roll the schema back to the last migrations before the
move, write rows through the models as they were then, migrate forward, read everything back. SQLite locally,
PostgreSQL with ``DATABASE_URL`` (and as an ordinary owner in ``tests/test_owner_role.py``).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from agency.tests.factories import StationFactory, UserFactory
from standards.models import StandardCriterion

BEFORE = [("agency", "0005_i13_policy_standards"), ("standards", "0001_initial")]


def _executor() -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


def _collected_sql(app: str, name: str) -> list[str]:
    executor = _executor()
    migration = executor.loader.get_migration(app, name)
    state = executor.loader.project_state((app, name), at_end=False)
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        migration.apply(state, editor, collect_sql=True)
    return [s for s in editor.collected_sql if s.strip() and not s.lstrip().startswith("--")]


@pytest.mark.django_db(transaction=True)
def test_the_criteria_move_runs_no_schema_sql_and_only_the_dead_tables_go() -> None:
    assert _collected_sql("standards", "0002_i25_criteria_from_agency") == []
    ddl = _collected_sql("agency", "0006_i25_standards_out")
    assert ddl, "the dead profile tables are dropped"
    assert all("siteprofile" in s.lower() for s in ddl), ddl
    assert not any("standardcriterion" in s.lower() for s in ddl), ddl


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_previous_layout_keeps_criteria_grants_and_profile_rows(settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path
    site = StationFactory()
    staff = UserFactory(username="standards-editor")

    executor = _executor()
    executor.migrate(BEFORE)
    executor = _executor()
    old = executor.loader.project_state(list(executor.recorder.applied_migrations())).apps
    assert not any(
        m._meta.model_name == "standardcriterion" for m in old.get_app_config("standards").get_models()
    )

    # a criterion with a staff edit, through the old model (the seeded rows may have been flushed by an
    # earlier transactional test, so the row is made here when missing)
    OldCriterion = old.get_model("agency", "StandardCriterion")
    edited, _ = OldCriterion.objects.update_or_create(
        site_kind="station",
        tier="basic",
        key="area",
        defaults={"min_value": Decimal("123.5"), "note": "本区修订"},
    )
    criteria_before = OldCriterion.objects.count()
    # the old content type, its permission and a grant of it; as before the move, none in standards yet
    ContentType = old.get_model("contenttypes", "ContentType")
    Permission = old.get_model("auth", "Permission")
    ContentType.objects.filter(app_label="standards", model="standardcriterion").delete()
    criterion_type, _ = ContentType.objects.get_or_create(app_label="agency", model="standardcriterion")
    change, _ = Permission.objects.get_or_create(
        codename="change_standardcriterion", content_type=criterion_type, defaults={"name": "Can change"}
    )
    old.get_model("core", "User").objects.get(pk=staff.pk).user_permissions.add(change)
    # a dead profile with one change row (written by hand: nothing in the code writes them any more)
    OldProfile = old.get_model("agency", "SiteProfile")
    OldChange = old.get_model("agency", "SiteProfileChange")
    profile = OldProfile.objects.create(site_id=site.pk, area_m2=Decimal("88.0"), windows=3, zones=["等候区"])
    OldChange.objects.create(profile=profile, changes={"windows": [2, 3]}, note="补录", at=timezone.now())

    executor = _executor()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert StandardCriterion.objects.count() == criteria_before
    moved = StandardCriterion.objects.get(pk=edited.pk)
    assert (moved.min_value, moved.note) == (Decimal("123.5"), "本区修订")

    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType as NewContentType

    NewContentType.objects.clear_cache()
    relabelled = NewContentType.objects.get(pk=criterion_type.pk)
    assert (relabelled.app_label, relabelled.model) == ("standards", "standardcriterion")
    assert get_user_model().objects.get(pk=staff.pk).has_perm("standards.change_standardcriterion")
    assert not NewContentType.objects.filter(app_label="agency", model__startswith="siteprofile").exists()

    tables = set(connection.introspection.table_names())
    assert "agency_standardcriterion" in tables
    assert not {"agency_siteprofile", "agency_siteprofilechange"} & tables
    exports = list((tmp_path / "migration-exports").glob("agency_siteprofiles_*.json"))
    assert len(exports) == 1
    kept = json.loads(exports[0].read_text(encoding="utf-8"))
    [row] = kept["site_profiles"]
    assert (row["id"], row["site__code"], row["windows"], row["zones"]) == (
        profile.pk,
        site.code,
        3,
        ["等候区"],
    )
    assert Decimal(row["area_m2"]) == Decimal("88.0")
    [history] = kept["site_profile_changes"]
    assert (history["profile_id"], history["changes"], history["note"]) == (
        profile.pk,
        {"windows": [2, 3]},
        "补录",
    )


@pytest.mark.django_db
def test_the_old_admin_address_of_the_criteria_redirects(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/admin/agency/standardcriterion/5/change/?x=1")
    assert response.status_code == 301
    assert response["Location"] == "/admin/standards/standardcriterion/5/change/?x=1"
