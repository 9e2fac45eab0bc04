"""Writes: submit a site's self-assessment (with photos), and the town's review (通过 / 退回)."""

from __future__ import annotations

from typing import IO, Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from agency.models import Site
from core.exceptions import ApplicationError
from core.images import CleanImage, image_sanitize
from core.models import User
from core.services import audit_log
from standards import selectors
from standards.answers import answers_parse
from standards.facts import site_facts
from standards.models import Assessment, AssessmentEvent, Evidence, SiteStanding
from standards.tiers import table_load, tier_evaluate

REASON_MAX = 255


def _apply_verified(answers: dict[str, dict[str, Any]], verified: dict[str, set[str]]) -> None:
    """Items the record confirms are part of the answer whatever the form sent (they are not typed)."""
    for row, items in verified.items():
        if row == "staffing_leaders":
            answer = answers.setdefault("staffing", {})
            answer["leaders"] = list(answer.get("leaders") or []) + sorted(
                items - set(answer.get("leaders") or [])
            )
            continue
        if row not in answers or "items" not in answers[row]:
            continue
        have = answers[row]["items"]
        answers[row]["items"] = list(have) + sorted(i for i in items if i not in have)


def _clean_photos(photos: dict[str, IO[bytes]], row_keys: set[str]) -> dict[str, CleanImage]:
    cleaned: dict[str, CleanImage] = {}
    for key, upload in photos.items():
        if key not in row_keys:
            raise ApplicationError("未知的佐证照片字段。", {"field": f"{key}-photo"})
        cleaned[key] = image_sanitize(upload=upload, field=f"{key}-photo")
    return cleaned


def assessment_submit(
    *, actor: User, site: Site, raw: dict[str, list[str]], photos: dict[str, IO[bytes]] | None = None
) -> Assessment:
    """Submit ``site``'s self-assessment for review; the tier it computes to is shown, not yet approved.

    Everything is validated first (answers, every photo); only then are rows and files written, inside one
    transaction, so a refused submission leaves nothing behind. Rows without a new photo keep the photo of
    the site's previous submission. 403 without scope, 409 while another submission awaits review.
    """
    if site.kind not in selectors.RATED_KINDS:
        raise ApplicationError("合作网点和自助终端不适用建设标准。", {"site": site.code})
    if not selectors.can_submit(actor, site):
        raise ApplicationError("无权为该站点填报自评。", {"site": site.code}, status=403)
    table = table_load(site.kind)
    answers = answers_parse(table, raw)
    cleaned = _clean_photos(photos or {}, {row.key for row in table.rows})
    facts = site_facts(site)
    _apply_verified(answers, facts.verified)
    result = tier_evaluate(table, answers)
    saved: list[str] = []
    try:
        with transaction.atomic():
            Site.objects.select_for_update().filter(pk=site.pk).first()  # one submission at a time per site
            if selectors.pending_assessment(site) is not None:
                raise ApplicationError(
                    "该站点已有待审核的自评，请等待审核后再提交。", {"site": site.code}, status=409
                )
            previous = selectors.latest_assessment(site)
            now = timezone.now()
            assessment = Assessment(
                site=site,
                answers=answers,
                system=facts.as_json(answers),
                computed_tier=result.met_tier,
                next_tier=result.next_tier,
                gaps=result.gaps,
                submitted_by=actor,
                submitted_at=now,
            )
            assessment.full_clean()
            assessment.save()
            for key, image in cleaned.items():
                evidence = Evidence(
                    assessment=assessment,
                    row_key=key,
                    content_type=image.content_type,
                    width=image.width,
                    height=image.height,
                    uploaded_by=actor,
                    uploaded_at=now,
                )
                evidence.photo.save(f"{site.code}-{key}.{image.extension}", image.content, save=False)
                saved.append(str(evidence.photo.name))
                evidence.full_clean()
                evidence.save()
            if previous is not None:  # carry earlier photos forward (same stored file, a new row)
                for old in previous.evidence.exclude(row_key__in=list(cleaned)):
                    Evidence.objects.create(
                        assessment=assessment,
                        row_key=old.row_key,
                        photo=old.photo.name,
                        content_type=old.content_type,
                        width=old.width,
                        height=old.height,
                        uploaded_by=old.uploaded_by,
                        uploaded_at=old.uploaded_at,
                    )
            AssessmentEvent.objects.create(
                assessment=assessment,
                kind=AssessmentEvent.Kind.SUBMITTED,
                actor=actor,
                at=now,
                note=f"测算等级：{result.met_label}",
            )
            audit_log(
                actor=actor,
                action="assessment_submit",
                target_type="site",
                target_id=site.code,
                detail={"assessment": assessment.pk, "computed_tier": result.met_tier},
            )
    except IntegrityError:
        _delete_files(saved)
        raise ApplicationError(
            "该站点已有待审核的自评，请等待审核后再提交。", {"site": site.code}, status=409
        )
    except BaseException:
        _delete_files(saved)
        raise
    return assessment


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


@transaction.atomic
def assessment_review(*, actor: User, assessment: Assessment, approve: bool, reason: str = "") -> Assessment:
    """The town's decision. 通过: the site's approved tier becomes the tier this assessment computes to under
    the current table; 退回: needs a reason; the station then submits again. One history row each.
    """
    locked = Assessment.objects.select_for_update().select_related("site").get(pk=assessment.pk)
    site = locked.site
    if not selectors.can_review(actor, site):
        raise ApplicationError("无权审核该站点的自评。", {"site": site.code}, status=403)
    if locked.status != Assessment.Status.SUBMITTED:
        raise ApplicationError("该自评已审核，不能重复审核。", {"status": locked.status}, status=409)
    if locked.submitted_by_id == actor.pk and not actor.is_superuser:
        raise ApplicationError("不能审核本人提交的自评。", {"site": site.code}, status=403)
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ApplicationError("退回须填写理由。", {"field": "reason"})
    if len(reason) > REASON_MAX:
        raise ApplicationError(f"理由不能超过 {REASON_MAX} 字。", {"field": "reason"})
    now = timezone.now()
    locked.reviewed_by, locked.reviewed_at, locked.review_reason = actor, now, reason
    if approve:
        result = tier_evaluate(table_load(site.kind), locked.answers)
        locked.status = Assessment.Status.APPROVED
        locked.computed_tier, locked.next_tier, locked.gaps = result.met_tier, result.next_tier, result.gaps
        SiteStanding.objects.update_or_create(
            site=site,
            defaults={
                "assessment": locked,
                "tier": result.met_tier,
                "next_tier": result.next_tier,
                "gaps": result.gaps,
                "approved_at": now,
            },
        )
        kind, note = (
            AssessmentEvent.Kind.APPROVED,
            f"核定等级：{result.met_label}" + (f"（{reason}）" if reason else ""),
        )
    else:
        locked.status = Assessment.Status.RETURNED
        kind, note = AssessmentEvent.Kind.RETURNED, reason
    locked.full_clean()
    locked.save()
    AssessmentEvent.objects.create(assessment=locked, kind=kind, actor=actor, at=now, note=note[:255])
    audit_log(
        actor=actor,
        action=f"assessment_{kind}",
        target_type="site",
        target_id=site.code,
        detail={"assessment": locked.pk, "tier": locked.computed_tier},
    )
    return locked
