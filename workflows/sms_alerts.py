"""Case workers hear about a resident SMS that did not arrive (issue 27).

``notifications.receipts`` knows the outbox, not cases: at startup this app registers ``case_sms_undelivered``
with it, and it finds the case of the message (its ``case_no``; for a login code the phone's latest open
case) and queues one in-app alert for the case's agent, or for the station's staff when no agent is
assigned: "居民短信未送达（原因），请电话联系". Deduplicated per outbox row: a repeated report alerts nobody twice.
"""

from __future__ import annotations

from typing import Any

from agency.models import Agent
from core.masking import mask_phone
from notifications.models import Notification
from notifications.services import notification_enqueue
from workflows.models import Case

_TEMPLATE_LABELS = {
    "case_received": "受理通知",
    "result_ready": "办结通知",
    "rectification_done": "整改结果",
    "otp_code": "查询验证码",
}


def _case_for(row: Notification) -> Case | None:
    cases = Case.objects.select_related("assigned_agent", "matter", "site")
    case_no = str((row.context or {}).get("case_no") or "")
    if case_no:
        return cases.filter(case_no=case_no).first()
    if row.recipient_phone:
        return cases.filter(resident_phone=row.recipient_phone).order_by("-created_at").first()
    return None


def _recipients(case: Case) -> list[int]:
    agent = case.assigned_agent
    if agent is not None and agent.user_id:
        return [agent.user_id]
    return list(  # no agent yet: the station's staff
        Agent.objects.filter(sites=case.site, kind=Agent.Kind.STATION_STAFF, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )


def case_sms_undelivered(row: Notification, reason: str) -> None:
    """One in-app alert per undelivered outbox row to whoever looks after its case."""
    case = _case_for(row)
    if case is None:
        return
    context: dict[str, Any] = {
        "reason": reason,
        "case_no": case.case_no,
        "matter": case.matter.name,
        "phone_tail": mask_phone(str(case.resident_phone))[-4:],
        "message": _TEMPLATE_LABELS.get(row.template, row.template),
        "site_name": case.site.name,
    }
    for user_id in _recipients(case):
        notification_enqueue(
            dedupe_key=f"sms-undelivered:{row.pk}:{user_id}",
            template="sms_undelivered",
            context=context,
            recipient_user_id=user_id,
            channel="inapp",
            audience="staff",
        )
