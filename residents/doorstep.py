"""Doorstep requests (上门服务申请): a resident who cannot come asks for a visit; staff turn it into a case."""

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from agency.roles import STAFF_ROLES
from agency.selectors import sites_for_user, user_role
from core.exceptions import ApplicationError
from core.masking import phone_tail
from core.services import audit_log
from core.text import clean_text
from residents.models import (
    DoorstepRequest,
)
from residents.otp import _phone_or_400
from residents.staff_alerts import notify_staff
from workflows.feedback_links import feedback_link_case as feedback_link_case
from workflows.feedback_links import feedback_link_token as feedback_link_token
from workflows.feedback_links import feedback_link_url as feedback_link_url
from workflows.models import Case
from workflows.recipients import station_staff

logger = logging.getLogger(__name__)


@transaction.atomic
def doorstep_request_create(
    *,
    phone: str,
    contact_name: str = "",
    address: str = "",
    note: str = "",
    for_family: bool = False,
    case: Case | None = None,
    special_groups: list[str] | None = None,
) -> DoorstepRequest:
    """A resident (or family member) asks for a doorstep visit.

    The station of the case (or of their latest case) is alerted."""
    e164 = _phone_or_400(phone)
    groups = [g for g in (special_groups or []) if g in Case.SpecialGroup.values]
    site = case.site if case is not None else None
    if site is None:
        latest = (
            Case.objects.filter(resident_phone=e164).select_related("site").order_by("-created_at").first()
        )
        site = latest.site if latest else None
    request = DoorstepRequest(
        phone=e164,
        case=case,
        site=site,
        contact_name=clean_text(contact_name or "")[:64],
        address=clean_text(address or "")[:255],
        note=clean_text(note or "")[:1000],
        for_family=for_family,
        special_groups=groups,
        created_at=timezone.now(),
    )
    request.full_clean()
    request.save()
    if site is not None:
        notify_staff(
            agents=station_staff(site),
            dedupe_prefix=f"doorstep:{request.pk}",
            template="doorstep_request",
            context={
                "site_name": site.name,
                "phone_tail": phone_tail(
                    e164
                ),  # never the resident's note (issue 33): read on the staff page
            },
        )
    return request


@transaction.atomic
def doorstep_request_handle(*, actor: Any, request_id: int) -> DoorstepRequest:
    """Station staff mark a doorstep request handled (they called back / scheduled the visit)."""
    row = (
        DoorstepRequest.objects.select_for_update(of=("self",))
        .select_related("site")
        .filter(pk=request_id)
        .first()
    )
    role = user_role(actor)
    if row is None or row.site is None or row.site.code not in sites_for_user(actor) or role is None:
        raise ApplicationError("未找到该上门申请。", {}, status=404)
    if role not in STAFF_ROLES:
        raise ApplicationError("您的角色无权进行此操作。", {"role": role}, status=403)
    if row.status != DoorstepRequest.Status.NEW:
        raise ApplicationError("该申请已处理。", {"status": row.status}, status=409)
    row.status = DoorstepRequest.Status.HANDLED
    row.full_clean()
    row.save(update_fields=["status"])
    audit_log(actor=actor, action="doorstep.handled", target_type="doorstep_request", target_id=str(row.pk))
    return row
