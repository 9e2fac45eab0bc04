"""Celery sweeps of the residents' side (beat entries in ``config/settings/base.py``, "Residents" block).

The task names keep their ``workflows.tasks.*`` spelling from before issue 19 moved them here: the beat
schedule and any message already queued under the old name still find them.

Each sweep selects only due rows through an index, handles each row in its own transaction through a
service, and is safe to run twice at once: every step is guarded by a state check under a row lock and
every message has a dedupe key.
"""

import logging

from celery import shared_task
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from residents import services as resident_services
from residents.models import Callback, Rating, Rectification, bad_rating_q
from workflows.models import Case
from workflows.tasks import BATCH, SWEEP_TASK_OPTIONS

logger = logging.getLogger(__name__)


@shared_task(
    name="workflows.tasks.bad_rating_sweep",
    **SWEEP_TASK_OPTIONS,
)
def bad_rating_sweep() -> int:
    """Escalate 差评 whose call-back (1 working day) or rectification report (5 working days) is late.

    Also records rectifications done through the case's ``rectify`` action. Returns the escalation count.
    """
    now = timezone.now()
    due = (
        Rating.objects.filter(bad_rating_q(), excluded=False)
        .annotate(
            has_callback=Exists(Callback.objects.filter(rating=OuterRef("pk"))),
            has_rect=Exists(Rectification.objects.filter(rating=OuterRef("pk"))),
        )
        .filter(has_rect=False)
        .filter(
            Q(callback_due_at__lt=now, callback_escalated_at__isnull=True, has_callback=False)
            | Q(rectify_due_at__lt=now, rectify_escalated_at__isnull=True)
            | Q(case__isnull=False, case__status=Case.Status.COMPLETED)
        )
        .order_by("id")
        .values_list("id", flat=True)[:BATCH]
    )
    steps = 0
    for rating_id in list(due):
        try:
            steps += len(resident_services.bad_rating_escalate(rating_id=rating_id, now=now))
        except Exception:  # one bad row must not stop the sweep; the next run retries it
            logger.exception("bad_rating_sweep: rating %s failed", rating_id)
    return steps


@shared_task(
    name="workflows.tasks.feedback_autoclose_sweep",
    **SWEEP_TASK_OPTIONS,
)
def feedback_autoclose_sweep() -> int:
    """Close completed cases whose feedback window ended without a pending follow-up (case workflow's
    ``case_autoclose`` records "评价期满，系统自动关闭" on the timeline). Returns how many closed."""
    now = timezone.now()
    ids = list(
        Case.objects.filter(status=Case.Status.COMPLETED)
        .filter(resident_services.autoclose_candidates_q(now))
        .order_by("id")
        .values_list("id", flat=True)[:BATCH]
    )
    closed = 0
    for case_id in ids:
        try:
            closed += int(resident_services.case_autoclose_if_due(case_id=case_id, now=now))
        except Exception:
            logger.exception("feedback_autoclose_sweep: case %s failed", case_id)
    return closed


@shared_task(
    name="workflows.tasks.resident_records_purge",
    acks_late=True,
    soft_time_limit=100,
    time_limit=120,
    ignore_result=True,
)
def resident_records_purge() -> int:
    """Daily: drop expired SMS codes and resident tokens (hashes only, but no reason to keep them)."""
    return resident_services.resident_records_purge()
