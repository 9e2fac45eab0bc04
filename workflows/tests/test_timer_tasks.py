"""The Viewflow timer tick (``workflows.timer_tasks``; moved from ``notifications.tasks`` in issue 19)."""

import pytest

from workflows.timer_tasks import fire_workflow_timers

pytestmark = pytest.mark.django_db


def test_fire_workflow_timers_calls_viewflow(monkeypatch):
    calls = []
    monkeypatch.setattr("viewflow.workflow.timers.fire_due_timers", lambda: calls.append(1) or 3)
    assert fire_workflow_timers.apply().get() == 3
    assert calls == [1]


def test_fire_workflow_timers_runs_against_db():
    assert fire_workflow_timers.apply().get() == 0


def test_beat_fires_timers_through_the_workflows_task(settings):
    # The worker learns the task from Celery's autodiscovery (workflows.tasks imports workflows.timer_tasks);
    # the beat entry's name must resolve to this function, or timers would silently never fire.
    from config.celery_app import app

    app.loader.import_default_modules()
    name = settings.CELERY_BEAT_SCHEDULE["workflows-fire-timers"]["task"]
    assert name == fire_workflow_timers.name
    assert app.tasks[name].run.__module__ == "workflows.timer_tasks"
