"""The residents' reminder: the one feedback follow-up (``residents.reminders``), run by the reminder sweep."""

import pytest
from freezegun import freeze_time

from core.workdays import add_working_days
from notifications.models import Notification
from notifications.services import notification_enqueue
from residents import reminders as resident_reminders
from residents.models import Rating
from workflows import reminders
from workflows.models import Case
from workflows.tests.test_reminders import at, end_of, keys, open_case

pytestmark = pytest.mark.django_db

# --- Resident: the one feedback follow-up --------------------------------------------------------------


def _completed(world, *, completed_at, request_sent=True):  # type: ignore[no-untyped-def]
    case = open_case(
        world,
        due_at=end_of(2026, 11, 27),
        status=Case.Status.COMPLETED,
        completed_at=completed_at,
        feedback_due_at=add_working_days(completed_at, 5),
    )
    with freeze_time(completed_at):
        row = notification_enqueue(
            dedupe_key=f"case:{case.case_no}:feedback",
            template="feedback_request",
            context={"case_no": case.case_no},
            recipient_phone=str(case.resident_phone),
        )
    if request_sent:
        Notification.objects.filter(pk=row.pk).update(status="sent", sent_at=completed_at)
    return case


def test_feedback_followup_once_two_working_days_after_completion(world):  # type: ignore[no-untyped-def]
    case = _completed(world, completed_at=at(2026, 11, 23))  # Monday
    with freeze_time(at(2026, 11, 24)):
        assert resident_reminders.reminders_feedback_followup().queued == 0
    with freeze_time(at(2026, 11, 25)):  # Tue + Wed: two working days
        assert resident_reminders.reminders_feedback_followup().queued == 1
    with freeze_time(at(2026, 11, 27)):
        assert resident_reminders.reminders_feedback_followup().queued == 0
    followup = Notification.objects.get(dedupe_key=f"case:{case.case_no}:feedback_followup")
    assert followup.recipient_phone == str(case.resident_phone) and followup.audience == "resident"
    assert "尚未评价" in followup.text and "/track/" in followup.text


def test_no_feedback_followup_when_rated_unsent_or_window_closed(world):  # type: ignore[no-untyped-def]
    rated = _completed(world, completed_at=at(2026, 11, 23))
    Rating.objects.create(case=rated, site=world.station, value=5, created_at=at(2026, 11, 24))
    unsent = _completed(world, completed_at=at(2026, 11, 23), request_sent=False)
    late = _completed(world, completed_at=at(2026, 11, 16))  # window ended 11-23
    with freeze_time(at(2026, 11, 25)):
        assert resident_reminders.reminders_feedback_followup().queued == 0
    for case in (rated, unsent, late):
        assert not keys(f"case:{case.case_no}:feedback_followup")


def test_followup_for_a_resident_is_held_in_quiet_hours(world):  # type: ignore[no-untyped-def]
    case = _completed(world, completed_at=at(2026, 11, 23))
    with freeze_time(at(2026, 11, 25, 22)):
        resident_reminders.reminders_feedback_followup()
    row = Notification.objects.get(dedupe_key=f"case:{case.case_no}:feedback_followup")
    assert row.status == "pending" and row.send_after == at(2026, 11, 26, 8)


def test_the_reminder_sweep_runs_the_follow_up(world):  # type: ignore[no-untyped-def]
    case = _completed(world, completed_at=at(2026, 11, 23))
    with freeze_time(at(2026, 11, 25)):
        result = reminders.reminder_sweep()
    assert result.by_kind.get("feedback_followup") == 1
    assert keys(f"case:{case.case_no}:feedback_followup")
