"""Writes of the showcase: propose a typical case, record the resident's consent, review and publish."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from agency.models import Agent, Site
from agency.roles import STAFF_ROLES
from core.exceptions import ApplicationError
from core.services import audit_log
from core.text import clean_text
from notifications.services import notification_enqueue
from residents.models import Rating
from showcase.models import TypicalCase
from showcase.privacy import find_personal_data
from workflows.models import Case
from workflows.selectors import actor_role, case_in_scope

CONSENT_SALT = "showcase.consent"
CONSENT_MAX_AGE = dt.timedelta(days=30)
ELIGIBLE_STATUSES = (Case.Status.COMPLETED, Case.Status.CLOSED)
REVIEW_ROLES = frozenset({Agent.Kind.DISTRICT_ADMIN.value, Agent.Kind.TOWN_STAFF.value})
FIELD_LABELS = {"title": "标题", "story": "案例经过", "what_worked": "经验做法"}
LIMITS = {"title": 64, "story": 2000, "what_worked": 1000}


def town_center(site: Site) -> Site:
    """The town's 便民服务中心 a site belongs to (the site itself for a center)."""
    return site if site.kind == Site.Kind.CENTER or site.parent is None else site.parent


def case_very_satisfied(case: Case) -> bool:
    """The case's latest counted rating is 5 (非常满意)."""
    latest = Rating.objects.filter(case=case, excluded=False).order_by("-created_at", "-id").first()
    return latest is not None and latest.value == Rating.Value.VERY_SATISFIED


def _audit(actor: Any, action: str, typical: TypicalCase, **detail: Any) -> None:
    audit_log(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type="typical_case",
        target_id=str(typical.pk),
        detail=detail or None,
    )


def _require_staff(actor: Any, case: Case, roles: frozenset[str] = STAFF_ROLES) -> None:
    if not case_in_scope(user=actor, case=case):
        raise ApplicationError("案件不存在或无权查看。", {"case_no": case.case_no}, status=404)
    if actor_role(actor) not in roles:
        raise ApplicationError("无权进行此操作。", status=403)


def clean_story(*, case: Case, title: str, story: str, what_worked: str) -> dict[str, str]:
    """The three texts cleaned and checked; ``ApplicationError`` 400 naming the field and what was found."""
    values = {"title": title, "story": story, "what_worked": what_worked}
    out: dict[str, str] = {}
    for field, raw in values.items():
        text = clean_text(raw).strip()
        label = FIELD_LABELS[field]
        if not text:
            raise ApplicationError(f"请填写{label}。", {"field": field}, status=400)
        if len(text) > LIMITS[field]:
            raise ApplicationError(f"{label}不超过{LIMITS[field]}字。", {"field": field}, status=400)
        findings = find_personal_data(text, names=(case.resident_name,), addresses=(case.address,))
        if findings:
            what = "、".join(f.label for f in findings)
            raise ApplicationError(
                f"{label}中含有{what}，典型案例不得包含群众个人信息，请删除后再提交。",
                {"field": field, "found": [f.kind for f in findings]},
                status=400,
            )
        out[field] = text
    return out


@transaction.atomic
def typical_case_propose(*, actor: Any, case: Case, title: str, story: str, what_worked: str) -> TypicalCase:
    """Staff propose a completed case rated 非常满意 as a typical case; only non-personal facts are copied."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("site", "site__parent", "matter")
        .get(pk=case.pk)
    )
    _require_staff(actor, case)
    if case.status not in ELIGIBLE_STATUSES:
        raise ApplicationError("只有已办结的案件可以推荐为典型案例。", {"status": case.status}, status=409)
    if not case_very_satisfied(case):
        raise ApplicationError("只有群众评价为“非常满意”的案件可以推荐为典型案例。", status=409)
    if TypicalCase.objects.filter(case=case).exists():
        raise ApplicationError("该案件已推荐为典型案例。", status=409)
    texts = clean_story(case=case, title=title, story=story, what_worked=what_worked)
    typical = TypicalCase(
        case=case,
        site=case.site,
        town=town_center(case.site),
        matter_name=case.matter.name,
        matter_category=case.matter.category,
        proposed_by=actor,
        **texts,
    )
    typical.full_clean()
    typical.save()
    _audit(actor, "typical_case_propose", typical, case_no=case.case_no)
    return typical


@transaction.atomic
def typical_case_edit(
    *, actor: Any, typical: TypicalCase, title: str, story: str, what_worked: str
) -> TypicalCase:
    """Edit the text of a proposed or returned case (back to 待审核); the same personal-data check."""
    typical = TypicalCase.objects.select_for_update(of=("self",)).select_related("case").get(pk=typical.pk)
    _require_staff(actor, typical.case)
    if typical.status == TypicalCase.Status.PUBLISHED:
        raise ApplicationError("已发布的案例不能修改。", status=409)
    for field, value in clean_story(
        case=typical.case, title=title, story=story, what_worked=what_worked
    ).items():
        setattr(typical, field, value)
    typical.status = TypicalCase.Status.PROPOSED
    typical.full_clean()
    typical.save()
    _audit(actor, "typical_case_edit", typical)
    return typical


def consent_token(typical: TypicalCase) -> str:
    return signing.TimestampSigner(salt=CONSENT_SALT).sign(str(typical.pk))


def consent_url(typical: TypicalCase) -> str:
    return f"{settings.SITE_URL}/showcase/consent/{consent_token(typical)}/"


def typical_case_from_token(token: str) -> TypicalCase:
    try:
        pk = int(signing.TimestampSigner(salt=CONSENT_SALT).unsign(token, max_age=CONSENT_MAX_AGE))
        return TypicalCase.objects.select_related("case", "site").get(pk=pk)
    except (signing.BadSignature, ValueError, TypeError, TypicalCase.DoesNotExist):
        raise ApplicationError("链接无效或已过期。", status=404)


@transaction.atomic
def typical_case_consent_request(*, actor: Any, typical: TypicalCase) -> TypicalCase:
    """Send the resident the consent link by SMS (through the outbox; one message per day at most)."""
    typical = (
        TypicalCase.objects.select_for_update(of=("self",))
        .select_related("case", "case__site")
        .get(pk=typical.pk)
    )
    _require_staff(actor, typical.case)
    if typical.consent == TypicalCase.Consent.GIVEN:
        raise ApplicationError("群众已同意，无需再次发送。", status=409)
    case = typical.case
    notification_enqueue(
        dedupe_key=f"showcase:consent:{typical.pk}:{timezone.localdate():%Y%m%d}",
        template="showcase_consent",
        context={"site_name": case.site.name, "matter": typical.matter_name, "link": consent_url(typical)},
        recipient_phone=str(case.resident_phone),
        audience="resident",
    )
    typical.consent = TypicalCase.Consent.REQUESTED
    typical.save(update_fields=["consent"])
    _audit(actor, "typical_case_consent_request", typical)
    return typical


@transaction.atomic
def typical_case_consent_verbal(
    *, actor: Any, typical: TypicalCase, given_by: str, at: dt.datetime | None = None
) -> TypicalCase:
    """Record a verbal consent: who gave it (本人 / a relative) and when; the recorder is the actor."""
    typical = TypicalCase.objects.select_for_update(of=("self",)).select_related("case").get(pk=typical.pk)
    _require_staff(actor, typical.case)
    given_by = clean_text(given_by).strip()
    if not given_by:
        raise ApplicationError("请填写表示同意的人（如：本人）。", {"field": "given_by"}, status=400)
    if len(given_by) > 64:
        raise ApplicationError("表示同意的人不超过64字。", {"field": "given_by"}, status=400)
    at = at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ApplicationError("同意时间不能晚于现在。", {"field": "at"}, status=400)
    typical.consent = TypicalCase.Consent.GIVEN
    typical.consent_method = TypicalCase.ConsentMethod.VERBAL
    typical.consent_by = given_by
    typical.consent_at = at
    typical.consent_recorded_by = actor
    typical.save(
        update_fields=["consent", "consent_method", "consent_by", "consent_at", "consent_recorded_by"]
    )
    _audit(actor, "typical_case_consent_verbal", typical, given_by=given_by, at=at.isoformat())
    return typical


@transaction.atomic
def typical_case_consent_answer(*, token: str, agree: bool) -> TypicalCase:
    """The resident's answer from the SMS link (no account: the signed link is the proof)."""
    typical = typical_case_from_token(token)
    typical = TypicalCase.objects.select_for_update(of=("self",)).get(pk=typical.pk)
    if typical.status == TypicalCase.Status.PUBLISHED and not agree:
        # a refusal after publication takes the case off the public pages at once
        typical.status = TypicalCase.Status.RETURNED
        typical.review_note = "群众撤回同意，已撤下"
    typical.consent = TypicalCase.Consent.GIVEN if agree else TypicalCase.Consent.REFUSED
    typical.consent_method = TypicalCase.ConsentMethod.SMS
    typical.consent_by = "本人（短信确认）"
    typical.consent_at = timezone.now()
    typical.consent_recorded_by = None
    typical.save()
    _audit(None, "typical_case_consent_answer", typical, agree=agree)
    return typical


@transaction.atomic
def typical_case_publish(*, actor: Any, typical: TypicalCase, note: str = "") -> TypicalCase:
    """The town (or district) reviews and publishes. Needs the resident's consent first."""
    typical = TypicalCase.objects.select_for_update(of=("self",)).select_related("case").get(pk=typical.pk)
    _require_staff(actor, typical.case, REVIEW_ROLES)
    if typical.status == TypicalCase.Status.PUBLISHED:
        raise ApplicationError("该案例已发布。", status=409)
    if typical.consent != TypicalCase.Consent.GIVEN:
        raise ApplicationError(
            "发布前须取得群众同意（短信确认或记录口头同意）。", {"consent": typical.consent}, status=409
        )
    # the text is checked again: the rule may have tightened, or the case's name been corrected since
    clean_story(case=typical.case, title=typical.title, story=typical.story, what_worked=typical.what_worked)
    typical.status = TypicalCase.Status.PUBLISHED
    typical.published_at = timezone.now()
    typical.reviewed_by = actor
    typical.review_note = clean_text(note).strip()[:255]
    typical.full_clean()
    typical.save()
    _audit(actor, "typical_case_publish", typical)
    return typical


@transaction.atomic
def typical_case_return(*, actor: Any, typical: TypicalCase, note: str) -> TypicalCase:
    """The town sends a proposal back (or takes a published case down) with a reason."""
    typical = TypicalCase.objects.select_for_update(of=("self",)).select_related("case").get(pk=typical.pk)
    _require_staff(actor, typical.case, REVIEW_ROLES)
    note = clean_text(note).strip()
    if not note:
        raise ApplicationError("请填写退回理由。", {"field": "note"}, status=400)
    typical.status = TypicalCase.Status.RETURNED
    typical.published_at = None
    typical.reviewed_by = actor
    typical.review_note = note[:255]
    typical.save(update_fields=["status", "published_at", "reviewed_by", "review_note"])
    _audit(actor, "typical_case_return", typical)
    return typical
