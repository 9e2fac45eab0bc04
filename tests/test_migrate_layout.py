"""Issue 19 moved the residents' and oversight models out of the workflows app. A database of the previous
layout must come through ``migrate`` with every case, rating and outbox row, and with its permission grants.

The test rolls the schema back to the last pre-move migrations, writes rows through the models as they were
then (``workflows.Rating``, ``workflows.Appointment``, ``workflows.ExportJob``, the content types and the
``view_unmasked`` grant of the old layout), migrates forward, and reads everything back through the new apps.
It runs on SQLite locally and on PostgreSQL in CI (``DATABASE_URL``).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from notifications.models import Notification
from oversight.models import ExportJob
from residents.models import Appointment, Rating
from workflows.models import Case
from workflows.tests.factories import CaseFactory, make_world

BEFORE = [("workflows", "0009_merge_i15"), ("residents", None), ("oversight", None)]
MOVE_MIGRATIONS = [
    ("residents", "0001_initial"),
    ("oversight", "0001_initial"),
    ("workflows", "0010_i19_models_to_residents_oversight"),
]


def _executor() -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


def _leaves(executor: MigrationExecutor) -> list[tuple[str, str]]:
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_the_move_runs_no_schema_sql() -> None:
    """State only: the move's migrations issue no DDL (each table stays where it is)."""
    executor = _executor()
    for app, name in MOVE_MIGRATIONS:
        migration = executor.loader.get_migration(app, name)
        state = executor.loader.project_state((app, name), at_end=False)
        with connection.schema_editor(collect_sql=True, atomic=False) as editor:
            migration.apply(state, editor, collect_sql=True)
        ddl = [s for s in editor.collected_sql if s.strip() and not s.lstrip().startswith("--")]
        assert ddl == [], f"{app}.{name} issues SQL: {ddl}"


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_previous_layout_keeps_its_rows() -> None:
    world = make_world()
    case = CaseFactory(site=world.station, matter=world.matter, status=Case.Status.COMPLETED)
    cases_before = Case.objects.count()

    executor = _executor()
    executor.migrate(BEFORE)
    executor = _executor()
    old = executor.loader.project_state(list(executor.recorder.applied_migrations())).apps
    assert not any(m._meta.app_label == "residents" for m in old.get_models())  # really the old layout

    # rows of the old layout, through its own models
    OldRating = old.get_model("workflows", "Rating")
    rating = OldRating.objects.create(
        case_id=case.pk, site_id=world.station.pk, value=1, created_at=timezone.now()
    )
    OldAppointment = old.get_model("workflows", "Appointment")
    appointment = OldAppointment.objects.create(
        ref="YY0001",
        site_id=world.station.pk,
        matter_id=world.matter.pk,
        date=dt.date(2026, 12, 8),
        half_day="am",
        resident_name="王大爷",
        resident_phone="+8613800138000",
    )
    OldExportJob = old.get_model("workflows", "ExportJob")
    job = OldExportJob.objects.create(requested_by_id=world.town.pk, params={"from": "2026-11-01"})
    OldNotification = old.get_model("notifications", "Notification")
    outbox = OldNotification.objects.create(
        dedupe_key=f"case:{case.case_no}:feedback",
        template="feedback_request",
        text="请评价",
        recipient_phone="+8613800138000",
        send_after=timezone.now(),
    )
    # the old content types, their permission and a grant of it (what an admin had set up)
    ContentType = old.get_model("contenttypes", "ContentType")
    Permission = old.get_model("auth", "Permission")
    rating_type, _ = ContentType.objects.get_or_create(app_label="workflows", model="rating")
    export_type, _ = ContentType.objects.get_or_create(app_label="workflows", model="exportjob")
    unmask, _ = Permission.objects.get_or_create(
        codename="view_unmasked", content_type=export_type, defaults={"name": "查看/导出未脱敏的个人信息"}
    )
    # as before the move: no content types of the new apps yet, and the permission not on the case
    ContentType.objects.filter(app_label__in=["residents", "oversight"]).delete()
    Permission.objects.filter(codename="view_unmasked", content_type__model="case").delete()
    old.get_model("core", "User").objects.get(pk=world.town.pk).user_permissions.add(unmask)

    executor = _executor()
    executor.migrate(_leaves(executor))

    assert Case.objects.count() == cases_before
    moved = Rating.objects.get(pk=rating.pk)
    assert (moved.case_id, moved.value) == (case.pk, 1)
    assert Appointment.objects.get(pk=appointment.pk).resident_name == "王大爷"
    assert ExportJob.objects.get(pk=job.pk).params == {"from": "2026-11-01"}
    assert Notification.objects.get(pk=outbox.pk).dedupe_key == f"case:{case.case_no}:feedback"

    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType as NewContentType

    NewContentType.objects.clear_cache()
    relabelled = NewContentType.objects.get(pk=rating_type.pk)
    assert (relabelled.app_label, relabelled.model) == ("residents", "rating")
    assert NewContentType.objects.get(pk=export_type.pk).app_label == "oversight"
    user = get_user_model().objects.get(pk=world.town.pk)
    assert user.has_perm("workflows.view_unmasked")  # the grant followed the permission to the case


@pytest.mark.django_db
def test_the_old_admin_addresses_of_moved_models_redirect(client) -> None:  # type: ignore[no-untyped-def]
    from config.urls import MOVED_ADMIN_MODELS

    for app, models in MOVED_ADMIN_MODELS.items():
        for model in models:
            response = client.get(f"/admin/workflows/{model}/7/change/?x=1")
            assert response.status_code == 301
            assert response["Location"] == f"/admin/{app}/{model}/7/change/?x=1"
    assert client.get("/admin/workflows/case/").status_code == 302  # the case admin stays (login first)
