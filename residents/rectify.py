"""The rectification (整改) of a 差评: one service behind both doors.

The case action ``POST /api/v1/cases/{no}/rectify/ {note}`` (and the staff case page's 提交整改报告 form) and the
rating's own ``POST /api/v1/ratings/{id}/rectify/ {report}`` (and the 差评整改 page) all end in
``rectification_report``, so they have the same effects, in one transaction under the case's row lock:

- the case goes back from ``rectifying`` to ``completed`` with a new feedback window (``case_rectify_apply``);
- the ``Rectification`` record of the bad rating being answered (what opens the one follow-up rating, 追评);
- one ``rectified`` timeline row;
- the resident's ``rectification_done`` SMS through the outbox (dedupe key per rating, quiet hours as for every
  resident message) with the signed link to the follow-up rating.
"""

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.services import audit_log
from core.text import clean_text
from notifications.services import notification_enqueue
from residents.models import Rating, Rectification, bad_rating_q
from residents.rating_events import rating_record_written
from residents.staff_scope import require_staff_scope
from workflows import case_closing
from workflows.feedback_links import feedback_link_url
from workflows.models import Case
from workflows.selectors import CasePermit

logger = logging.getLogger(__name__)


def _open_bad_rating(case: Case) -> Rating | None:
    """The bad rating that put ``case`` into rectification: the latest 差评 without a report yet."""
    return (
        Rating.objects.filter(bad_rating_q(), case=case, rectification__isnull=True)
        .select_related("site")
        .order_by("-created_at", "-id")
        .first()
    )


def _tell_resident(*, case: Case, rating: Rating, rectification: Rectification) -> None:
    """Queue the ``rectification_done`` SMS. A rectified first rating carries the signed follow-up (追评) link;
    a rectified follow-up (no further rating) points at /track/, where the report shows on the timeline."""
    if rating.is_followup:
        invite, link = "详情", f"{settings.SITE_URL}/track/"
    else:
        invite, link = "请追评", feedback_link_url(case=case, followup=True)
    notification_enqueue(
        dedupe_key=f"case:{case.case_no}:rectified:{rating.pk}",
        template="rectification_done",
        context={
            "site_name": case.site.name,
            "case_no": case.case_no,
            "matter": case.matter.name,
            "invite": invite,
            "track_url": link,
        },
        recipient_phone=str(case.resident_phone),
        audience="resident",
    )
    rectification.resident_notified_at = timezone.now()  # queued for the resident (sent by the outbox)
    rectification.save(update_fields=["resident_notified_at"])


def _record(*, actor: Any, rating: Rating | None, report: str) -> Rectification | None:
    if rating is None:
        return None
    rectification = Rectification(rating=rating, at=timezone.now(), by=actor, report=report)
    rectification.full_clean()
    rectification.save()
    rating_record_written(kind="rectification", rating=rating, record=rectification)
    audit_log(actor=actor, action="rating.rectified", target_type="rating", target_id=str(rating.pk))
    return rectification


@transaction.atomic
def rectification_report(
    *,
    actor: Any,
    note: str,
    case: Case | None = None,
    rating: Rating | None = None,
    permit: CasePermit | None = None,
) -> tuple[Case | None, Rectification | None]:
    """File the rectification report for a bad rating, from the case (``case``) or the rating (``rating``).

    From the case: the case rules decide (404 outside scope, 403 not staff, 409 not ``rectifying``) and the
    rating answered is the case's latest unrectified 差评. From the rating: the rating's scope and role first
    (404/403), 409 for a good or already rectified rating or a case not in rectification. A kiosk rating of an
    agent alone (no case) gets the record only. Returns the case (``None`` for such a rating) and the record
    (``None`` only for a case in rectification without a rating on record, e.g. data loaded in bulk).
    ``permit``: the one the case action's request evaluated and checked already (``CasePermit``), passed
    along so the case rules are evaluated once per request; None (the rating door): evaluated for the case.
    """
    if rating is not None:
        require_staff_scope(actor=actor, rating=rating)
        if not rating.is_bad:
            raise ApplicationError("只有差评需要整改。", {"rating": rating.value}, status=409)
        text = clean_text(note or "").strip()
        if not text:
            raise ApplicationError("请填写整改情况。", {"field": "report"}, status=400)
        if Rectification.objects.filter(rating=rating).exists():
            raise ApplicationError("该评价已报告整改。", {}, status=409)
        case = rating.case
        if case is None:
            return None, _record(actor=actor, rating=rating, report=text)
        if case.status != Case.Status.RECTIFYING:
            raise ApplicationError("该案件不在整改中。", {"status": case.status}, status=409)
        note = text
    if case is None:
        raise TypeError("rectification_report needs a case or a rating")
    chosen = rating
    made: list[Rectification] = []

    def record(c: Case, report: str) -> dict[str, Any]:
        # under the case's row lock: a concurrent report on the other door waits, then sees ``completed``
        target = chosen or _open_bad_rating(c)
        if target is None:
            logger.warning("Case %s rectified without a bad rating on record", c.case_no)
            return {}
        rectification = _record(actor=actor, rating=target, report=report[:4000])
        assert rectification is not None
        _tell_resident(case=c, rating=target, rectification=rectification)
        made.append(rectification)
        return {"rating_id": target.pk, "rectification_id": rectification.pk}

    updated = case_closing.case_rectify_apply(actor=actor, case=case, note=note, record=record, permit=permit)
    return updated, (made[0] if made else None)
