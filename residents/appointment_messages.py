"""Messages about appointments, to residents and station staff.

``residents.appointments`` calls these inside its transaction, so a message commits or rolls back with the
change that causes it. Every text is a template of ``notifications.templates_registry`` (staff edit it in the
admin); residents' messages are held by quiet hours like every resident SMS (``audience="resident"``), staff
alerts are not. Dedupe keys name the event, so a retried request queues one SMS.
"""

from __future__ import annotations

from typing import Any

from core.masking import phone_tail
from notifications.services import notification_enqueue
from residents.models import Appointment

# the residents' staff alerting (bad ratings, doorstep requests): the same recipients and keys here
from residents.staff_alerts import notify_staff
from workflows.case_messages import snippet
from workflows.recipients import station_staff


def _appointment_context(appt: Appointment) -> dict[str, Any]:
    return {
        "site_name": appt.site.name,
        "site_phone": appt.site.phone or "",
        "ref": appt.ref,
        "date": f"{appt.date.month}月{appt.date.day}日",
        "half_day": str(appt.get_half_day_display()),
        "matter": appt.matter.name,
    }


def _tell_appointment_resident(appt: Appointment, template: str, **extra: str) -> None:
    notification_enqueue(
        dedupe_key=f"appt:{appt.ref}:{appt.status}",
        template=template,
        context={**_appointment_context(appt), **extra},
        recipient_phone=str(appt.resident_phone),
        audience="resident",
    )


def tell_appointment_confirmed(appt: Appointment) -> None:
    _tell_appointment_resident(appt, "appointment_confirmed", case_no=appt.case.case_no if appt.case else "")


def tell_appointment_declined(appt: Appointment) -> None:
    _tell_appointment_resident(appt, "appointment_declined", reason=snippet(appt.decline_reason))


def alert_staff_new_appointment(appt: Appointment) -> None:
    """Station staff (or, for a site without any, its town's) hear of a request to confirm."""
    notify_staff(
        agents=station_staff(appt.site),
        dedupe_prefix=f"appt:{appt.ref}:requested",
        template="appointment_requested",
        context={**_appointment_context(appt), "phone_tail": phone_tail(appt.resident_phone)},
    )
