"""Celery task names are part of the contract: the beat schedule names them, and a message already queued
under a name must still find its task after a deploy. Issue 19 moved tasks between modules and apps; each
kept its registered name (a moved task renamed by the move was the fault this test would have caught)."""

from django.conf import settings

from config.celery_app import app

# every task registered before issue 19's moves (read off the previous main)
NAMES_BEFORE_THE_MOVES = {
    "core.heartbeat",
    "handoffs.tasks.remind_overdue_handoffs",
    "notifications.tasks.calendar_coverage_alert",
    "notifications.tasks.fire_workflow_timers",
    "notifications.tasks.release_quiet_hours",
    "notifications.tasks.send_notification",
    "notifications.tasks.sweep_outbox",
    "uploads.tasks.material_photos_purge",
    "workflows.export_tasks.export_build",
    "workflows.reminder_tasks.daily_digest",
    "workflows.reminder_tasks.escalation_sweep",
    "workflows.reminder_tasks.reminder_sweep",
    "workflows.tasks.bad_rating_sweep",
    "workflows.tasks.feedback_autoclose_sweep",
    "workflows.tasks.intake_keys_purge",
    "workflows.tasks.reroute_away_agents",
    "workflows.tasks.resident_records_purge",
}


def _registered() -> set[str]:
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery of every app's tasks
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_task_keeps_its_name() -> None:
    missing = NAMES_BEFORE_THE_MOVES - _registered()
    assert not missing, f"tasks no longer registered under their names: {sorted(missing)}"


def test_every_beat_entry_names_a_registered_task() -> None:
    unknown = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} - _registered()
    assert not unknown, f"beat entries naming no task: {sorted(unknown)}"
