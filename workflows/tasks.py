"""Celery sweeps of the case process (beat entries in ``config/settings/base.py``); the residents' sweeps
(bad ratings, feedback auto-close, records purge) are in ``residents.tasks`` under their old task names.

Each sweep selects only due rows through an index, handles each row in its own transaction through a
service, and is safe to run twice at once: every step is guarded by a state check under a row lock and
every message has a dedupe key.
"""

import logging

from celery import shared_task

from core.task_options import RETRY_OPTIONS
from workflows import intake
from workflows.timer_tasks import fire_workflow_timers  # noqa: F401 - registers the timer tick with Celery

logger = logging.getLogger(__name__)

BATCH = 500

# Every sweep: acknowledged after it ran, retried with jittered exponential backoff, bounded in time.
SWEEP_TASK_OPTIONS: dict = {**RETRY_OPTIONS, "soft_time_limit": 100, "time_limit": 120}


@shared_task(
    name="workflows.tasks.reroute_away_agents",
    **SWEEP_TASK_OPTIONS,
)
def reroute_away_agents() -> int:
    """AB岗: hand the open cases of agents marked away to their named backup (timeline event per case).

    Marking an agent away happens in ``agency``, which may not import ``workflows``; this sweep closes the gap
    within minutes. Idempotent: a moved case is no longer assigned to the away agent.
    """
    from workflows.services import case_reroute_away_sweep

    moved = case_reroute_away_sweep()
    if moved:
        logger.info("AB岗 reroute moved %s cases", moved)
    return moved


@shared_task(name="workflows.tasks.intake_keys_purge", **SWEEP_TASK_OPTIONS)
def intake_keys_purge() -> int:
    """Delete intake ``Idempotency-Key`` rows older than ``INTAKE_KEY_RETENTION_DAYS`` (≥ 7; issue 14)."""
    deleted = intake.intake_keys_purge()
    logger.info("intake keys purged: %d", deleted)
    return deleted
