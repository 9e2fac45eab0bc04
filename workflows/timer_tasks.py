"""The Viewflow timer tick: ``flow.Timer`` tasks of the case flow fire from here, every minute (Celery beat).

It lived in ``notifications.tasks`` before issue 19; it belongs to the case process, so it moved here. The
task keeps its registered name ``notifications.tasks.fire_workflow_timers``: that name is the beat entry
``workflows-fire-timers`` and the name of any message already queued by a beat still running the old code, so
renaming it would leave those ticks unregistered during a deploy. Registered with the worker through the
import at the top of ``workflows.tasks`` (Celery's autodiscovery imports ``<app>.tasks`` only).
"""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger("notifications.tasks")  # where operators have always seen "workflow timers fired"


@shared_task(
    name="notifications.tasks.fire_workflow_timers",
    acks_late=True,
    soft_time_limit=50,
    time_limit=58,
    ignore_result=True,
)
def fire_workflow_timers() -> int:
    """Every minute: fire due Viewflow ``flow.Timer`` tasks (safe to run concurrently, see viewflow)."""
    from viewflow.workflow.timers import fire_due_timers

    fired = fire_due_timers()
    if fired:
        logger.info("workflow timers fired: %s", fired)
    return int(fired)
