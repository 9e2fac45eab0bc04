"""The resident's 办结 SMS says how the result reaches them and, for mail, the tracking number."""

import pytest

from notifications.models import Notification
from workflows import case_steps
from workflows.tests.helpers import drive_to

pytestmark = pytest.mark.django_db


def result_sms(case) -> str:
    return Notification.objects.get(dedupe_key=f"case:{case.case_no}:completed").text


def test_mail_result_sms_names_the_mode_and_the_tracking_number(world):
    case = drive_to(world, "submitted")
    case_steps.case_complete(
        actor=world.grid_worker,
        case=case,
        result="已出具证明",
        delivery_method="mail",
        tracking_no="SF1234567",
    )
    text = result_sms(case)
    assert "已办结：已出具证明，邮寄，单号SF1234567。" in text


def test_window_result_sms_names_the_mode_without_a_number(world):
    case = drive_to(world, "submitted")
    case_steps.case_complete(actor=world.grid_worker, case=case, result="已办好", delivery_method="window")
    text = result_sms(case)
    assert "已办结：已办好，窗口领取。" in text and "单号" not in text
