"""Writes of e-licences: ask the province's e-licence service for a case (with the resident's consent) and link
what it finds. Every query is logged, whatever its outcome; the network call is made outside the transaction
and bounded by ``ELICENCE_TIMEOUT_SECONDS``, so an intake never waits on it for long."""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.masking import mask_id_number
from core.services import audit_log
from elicence import client, selectors
from elicence.models import CaseLicence, LicenceQuery
from elicence.protocol import Licence
from workflows import selectors as wf_selectors
from workflows.models import Case

CHANNELS = {"staff", "grid", "online"}


def licence_number_mask(number: str) -> str:
    """A licence number as it may be stored and shown: an ID-shaped number as ID numbers are (first 6, last
    4), anything shorter keeps only its last 4."""
    number = number.strip()
    if len(number) >= 15:
        return mask_id_number(number)
    return "*" * max(len(number) - 4, 0) + number[-4:]


def _record(*, case: Case, actor: Any, types: list[str], consent: bool, outcome: str, detail: str, request_id: str,
            duration_ms: int, found: list[Licence]) -> LicenceQuery:  # fmt: skip
    query = LicenceQuery(
        case=case,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        types=types,
        consent=consent,
        outcome=outcome,
        detail=detail[:255],
        request_id=request_id,
        duration_ms=duration_ms,
    )
    query.full_clean()
    query.save()
    wanted = {t.code: t for t in selectors.licence_types_wanted(case)}
    for licence in found:
        licence_type = wanted.get(licence.type)
        if licence_type is None:
            continue  # a type we did not ask for: not kept
        row = CaseLicence(
            case=case,
            licence_type=licence_type,
            number_masked=licence_number_mask(licence.number),
            issuer=licence.issuer,
            valid_from=licence.valid_from,
            valid_until=licence.valid_until,
            query=query,
        )
        row.full_clean()
        row.save()
    audit_log(
        actor=query.actor,
        action="elicence_query",
        target_type="case",
        target_id=case.case_no,
        detail={"outcome": outcome, "types": types, "linked": [lic.type for lic in found]},
    )
    return query


def case_licences_query(*, actor: Any, case: Case, consent: bool, channel: str) -> LicenceQuery:
    """Ask for the licences that would satisfy the case's materials; link the valid ones.

    404 outside the actor's scope, 409 on a finished case or when no material can be satisfied by an
    e-licence. Without consent nothing is sent and the refusal is logged. A timeout, an unreachable or a
    misbehaving service is logged as such and the checklist says paper or a photo is still needed.
    """
    if not wf_selectors.case_in_scope(user=actor, case=case):
        raise ApplicationError("案件不存在或无权查看。", {"case_no": case.case_no}, status=404)
    if case.is_final:
        raise ApplicationError("案件已结束，不能再查询电子证照。", {"status": case.status}, status=409)
    if channel not in CHANNELS:
        raise ApplicationError("渠道无效。", {"channel": channel}, status=400)
    types = [t.code for t in selectors.licence_types_wanted(case)]
    if not types:
        raise ApplicationError("该事项的材料都已关联电子证照，或没有可用电子证照替代的材料。", {}, status=409)
    request_id = uuid.uuid4().hex
    common = {"case": case, "actor": actor, "types": types, "request_id": request_id}
    if not consent:
        with transaction.atomic():
            return _record(**common, consent=False, outcome=LicenceQuery.Outcome.CONSENT_REFUSED,
                           detail="居民未授权查询电子证照", duration_ms=0, found=[])  # fmt: skip
    if not case.id_number:
        with transaction.atomic():
            return _record(**common, consent=True, outcome=LicenceQuery.Outcome.ERROR,
                           detail="缺少居民身份证号，无法查询", duration_ms=0, found=[])  # fmt: skip
    started = time.monotonic()
    found: list[Licence] = []
    try:
        answer = client.query(
            request_id=request_id, case_no=case.case_no, id_number=case.id_number, name=case.resident_name,
            types=types, channel=channel, consent_at=timezone.now(),
        )  # fmt: skip
    except client.Unavailable as exc:
        outcome, detail = exc.outcome, exc.detail
    else:
        today = timezone.localdate()
        asked = [lic for lic in answer.licences if lic.type in types]
        found = [lic for lic in asked if lic.is_valid(today)]
        if answer.result == "consent_refused":
            outcome, detail, found = (
                LicenceQuery.Outcome.CONSENT_REFUSED,
                answer.message or "居民未在电子证照库授权",
                [],
            )
        elif found:
            outcome, detail = LicenceQuery.Outcome.FOUND, f"关联 {len(found)} 个电子证照"
        elif asked:
            outcome, detail = LicenceQuery.Outcome.EXPIRED, "电子证照已过期或失效"
        else:
            outcome, detail = LicenceQuery.Outcome.NOT_FOUND, answer.message or "电子证照库中未找到"
    duration_ms = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        # locked so two queries for one case cannot both link the same licence type
        Case.objects.select_for_update().filter(pk=case.pk).first()
        return _record(
            **common, consent=True, outcome=outcome, detail=detail, duration_ms=duration_ms, found=found
        )
