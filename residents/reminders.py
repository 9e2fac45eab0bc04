"""The residents' reminder: one feedback follow-up (``feedback_followup``) to a resident who has not rated.

Sent once, ``FEEDBACK_FOLLOWUP_WORKING_DAYS`` after completion, if the feedback request really went out, no
rating came and the feedback window is still open. It runs inside ``workflows.reminders.reminder_sweep`` (one
beat task), registered through ``workflows.extensions`` by ``residents.hooks``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from notifications.outbox import NotificationRequest
from notifications.selectors import sent_dedupe_keys
from residents.models import Rating
from workflows.models import Case
from workflows.reminders.base import (
    DueCase,
    SweepResult,
    all_site_ids,
    case_context,
    lookback,
    overdue_cutoff,
    reminder_setting,
    run_batches,
    to_local,
)


def feedback_followup_cases(now: dt.datetime) -> QuerySet[Case]:
    """Completed, unrated cases completed N working days ago whose feedback window is still open."""
    cutoff = overdue_cutoff(now, int(reminder_setting("FEEDBACK_FOLLOWUP_WORKING_DAYS")))
    return (
        Case.objects.filter(
            site_id__in=all_site_ids(),
            status=Case.Status.COMPLETED,
            completed_at__lt=cutoff,
            completed_at__gte=cutoff - lookback(now),
            feedback_due_at__gt=now,
        )
        .annotate(rated=Exists(Rating.objects.filter(case=OuterRef("pk"))))
        .filter(rated=False)
    )


def _build_feedback_followup(now: dt.datetime) -> Callable[[list[DueCase]], list[NotificationRequest]]:
    def build(cases: list[DueCase]) -> list[NotificationRequest]:
        # Follow up only on a request that really went out (one query per batch).
        requested = sent_dedupe_keys([f"case:{c.case_no}:feedback" for c in cases])
        out: list[NotificationRequest] = []
        for case in cases:
            if f"case:{case.case_no}:feedback" not in requested:
                continue
            context = case_context(case)
            context["feedback_due"] = (
                to_local(case.feedback_due_at).strftime("%Y-%m-%d") if case.feedback_due_at else ""
            )
            out.append(
                NotificationRequest(
                    dedupe_key=f"case:{case.case_no}:feedback_followup",
                    template="feedback_followup",
                    context=context,
                    recipient_phone=case.resident_phone,
                    channel="sms",
                    audience="resident",
                )
            )
        return out

    return build


def reminders_feedback_followup(
    *, now: dt.datetime | None = None, batch_size: int | None = None
) -> SweepResult:
    """Resident: the one feedback follow-up (key ``case:<no>:feedback_followup``, never a second one)."""
    now = now or timezone.now()
    return run_batches(
        name="feedback_followup",
        due=feedback_followup_cases(now),
        build=_build_feedback_followup(now),
        batch_size=batch_size,
    )
