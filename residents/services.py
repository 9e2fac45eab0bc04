"""Writes for residents: 好差评 ratings and the bad-rating loop (call-backs, appeals, escalation sweeps).

Sign-in (OTP, tokens) is ``residents.otp``, doorstep requests ``residents.doorstep``, the scope check of the staff
side ``residents.staff_scope``, the rectification ``residents.rectify``; the signed feedback links are
``workflows.feedback_links``. Callers import each from there.

Case state changes are never made here: a 差评 calls ``workflows.case_closing.case_mark_rectifying``, a
rectification report ``residents.rectify`` (shared with the case action), an auto-close ``case_autoclose`` (the case workflow owns its rules).
"""

import datetime as dt
import hmac
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from agency.models import Agent, Site
from core.exceptions import ApplicationError
from core.masking import phone_tail
from core.services import audit_log
from core.stats_generation import stats_invalidate
from core.text import clean_text
from core.workdays import add_working_days
from residents.models import (
    Appeal,
    Callback,
    OtpCode,
    Rating,
    Rectification,
    ResidentToken,
    bad_rating_q,
)
from residents.rating_events import rating_record_written
from residents.staff_alerts import notify_staff
from residents.staff_scope import APPEAL_DECIDER_ROLES, require_staff_scope
from workflows.models import Case, CaseEvent
from workflows.recipients import district_admins, station_staff, town_staff
from workflows.timeline import case_event_write

logger = logging.getLogger(__name__)


# --- Ratings ---


def _clean_aspects(aspects: Any) -> dict[str, int]:
    if aspects in (None, "", {}):
        return {}
    if not isinstance(aspects, dict):
        raise ApplicationError("分项评价格式不正确。", {"field": "aspects"}, status=400)
    cleaned: dict[str, int] = {}
    for key, value in aspects.items():
        if key not in Rating.ASPECTS:
            raise ApplicationError("分项评价只能是：服务态度、办事效率、结果满意度。", {"field": "aspects"})
        if value in (None, ""):
            continue
        try:
            score = int(value)
        except (TypeError, ValueError):
            raise ApplicationError("分项评价须为1到5分。", {"field": "aspects"})
        if not 1 <= score <= 5:
            raise ApplicationError("分项评价须为1到5分。", {"field": "aspects"})
        cleaned[key] = score
    return cleaned


def _clean_value(value: Any) -> int:
    try:
        score = int(value)
    except (TypeError, ValueError):
        raise ApplicationError("请选择1到5分的评价。", {"field": "rating"}, status=400)
    if not 1 <= score <= 5:
        raise ApplicationError("请选择1到5分的评价。", {"field": "rating"}, status=400)
    return score


def rating_kind_allowed(case: Case, ratings: list[Rating] | None = None) -> bool | None:
    """Which rating ``case`` can take now: ``False`` first rating, ``True`` follow-up (追评), ``None`` none.

    A first rating once the case is ``completed``; a follow-up only after a bad first rating was rectified
    (the case is back to ``completed`` with a rectification report on record).
    """
    if case.status != Case.Status.COMPLETED:
        return None
    if ratings is None:
        ratings = list(case.ratings.all())
    first = next((r for r in ratings if not r.is_followup), None)
    followup = next((r for r in ratings if r.is_followup), None)
    if first is None:
        return False
    if followup is None and first.is_bad and Rectification.objects.filter(rating=first).exists():
        return True
    return None


def _unique(agents: list[Agent]) -> list[Agent]:
    """Each agent once, first occurrence's order."""
    return list({agent.pk: agent for agent in agents}.values())


def _rating_context(rating: Rating) -> dict[str, Any]:
    case = rating.case
    return {
        "site_name": rating.site.name,
        "station_name": rating.site.name,
        "case_no": case.case_no if case else "现场评价",
        "matter": case.matter.name if case else (rating.agent.name if rating.agent else ""),
        "rating": rating.value,
        # never the resident's comment (issue 33): an SMS under the station's name must not carry their text
    }


@transaction.atomic
def rating_create(
    *,
    case: Case,
    value: Any,
    comment: str = "",
    aspects: Any = None,
    channel: str = Rating.Channel.TRACK,
    followup: bool | None = None,
) -> Rating:
    """Record a resident's rating of ``case`` (the caller has proven it is theirs).

    One first rating once completed, plus one follow-up after rectification. ``followup`` (from an SMS link)
    must match what the case can take now. A 1 or 2 (差评) puts the case into ``rectifying`` through the case
    workflow, alerts the station staff at once and starts the call-back / rectification deadlines.
    """
    score = _clean_value(value)
    cleaned_aspects = _clean_aspects(aspects)
    text = clean_text(comment or "")
    if len(text) > 1000:
        raise ApplicationError("意见请控制在1000字以内。", {"field": "comment"}, status=400)
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("site", "matter", "assigned_agent")
        .get(pk=case.pk)
    )
    kind = rating_kind_allowed(case)
    if kind is None or (followup is not None and followup != kind):
        raise ApplicationError("该事项当前不能评价或已评价。", {"status": case.status}, status=409)
    now = timezone.now()
    rating = Rating(
        case=case,
        site=case.site,
        agent=case.assigned_agent,
        value=score,
        comment=text,
        aspects=cleaned_aspects,
        is_followup=kind,
        channel=channel,
        created_at=now,
    )
    if rating.is_bad:
        rating.callback_due_at = add_working_days(now, int(settings.BAD_RATING_CALLBACK_DAYS))
        rating.rectify_due_at = add_working_days(now, int(settings.BAD_RATING_RECTIFY_DAYS))
    rating.full_clean()
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError:
        raise ApplicationError("该事项已评价。", {"status": case.status}, status=409)
    label = str(Rating.Value(score).label)
    case_event_write(  # also what invalidates the cached figures the rating changes
        case=case,
        at=now,
        kind=CaseEvent.Kind.RATING,
        note=f"{'追评' if kind else '群众评价'}：{label}",
        shown_actor="群众",
        public=True,
        data={"rating_id": rating.pk, "value": score, "followup": kind},
    )
    rating_record_written(kind="rating", rating=rating, record=rating)
    if rating.is_bad:
        from workflows.case_closing import case_mark_rectifying

        case_mark_rectifying(case=case, rating_id=rating.pk, note=f"收到{label}评价，进入整改。")
        notify_staff(
            agents=_unique(station_staff(case.site) + (town_staff(case.site) if kind else [])),
            dedupe_prefix=f"rating:{rating.pk}:bad",
            template="bad_rating",
            context=_rating_context(rating),
        )
    return rating


@transaction.atomic
def rating_create_kiosk(
    *,
    site: Site,
    value: Any,
    case_no: str = "",
    phone_tail_digits: str = "",
    agent: Agent | None = None,
    comment: str = "",
    aspects: Any = None,
) -> Rating:
    """On-site rating (一次一评) on the station's tablet: by case number (+ last 4 phone digits) or by agent.

    A case-number rating follows the normal rules (``rating_create``). A rating of the agent alone has no
    case to rectify: a 差评 still alerts the station staff at once and starts the call-back deadline.
    """
    if case_no:
        case = (
            Case.objects.filter(case_no=case_no.strip().upper(), site=site)
            .select_related("site", "matter", "assigned_agent")
            .first()
        )
        if case is None or not hmac.compare_digest(
            phone_tail(case.resident_phone), str(phone_tail_digits or "")
        ):
            raise ApplicationError("未找到该办件，请核对编号和手机尾号。", {"field": "case_no"}, status=404)
        return rating_create(
            case=case, value=value, comment=comment, aspects=aspects, channel=Rating.Channel.KIOSK
        )
    if agent is None or not agent.sites.filter(pk=site.pk).exists():
        raise ApplicationError("请填写办件编号或选择为您服务的人员。", {"field": "agent"}, status=400)
    score = _clean_value(value)
    now = timezone.now()
    rating = Rating(
        site=site,
        agent=agent,
        value=score,
        comment=clean_text(comment or "")[:1000],
        aspects=_clean_aspects(aspects),
        channel=Rating.Channel.KIOSK,
        created_at=now,
    )
    if rating.is_bad:
        rating.callback_due_at = add_working_days(now, int(settings.BAD_RATING_CALLBACK_DAYS))
        rating.rectify_due_at = add_working_days(now, int(settings.BAD_RATING_RECTIFY_DAYS))
    rating.full_clean()
    rating.save()
    stats_invalidate()
    rating_record_written(kind="rating", rating=rating, record=rating)
    if rating.is_bad:
        notify_staff(
            agents=station_staff(site),
            dedupe_prefix=f"rating:{rating.pk}:bad",
            template="bad_rating",
            context=_rating_context(rating),
        )
    return rating


# --- Staff side of the bad-rating loop ---


@transaction.atomic
def rating_callback_log(*, actor: Any, rating: Rating, note: str, reached: bool = True) -> Callback:
    """Log the call-back (回访) to the resident after a 差评 (due within ``BAD_RATING_CALLBACK_DAYS``)."""
    require_staff_scope(actor=actor, rating=rating)
    if not rating.is_bad:
        raise ApplicationError("只有差评需要回访。", {"rating": rating.value}, status=409)
    text = clean_text(note or "").strip()
    if not text:
        raise ApplicationError("请填写回访情况。", {"field": "note"}, status=400)
    callback = Callback(rating=rating, at=timezone.now(), by=actor, reached=reached, note=text)
    callback.full_clean()
    callback.save()
    rating_record_written(kind="callback", rating=rating, record=callback)
    if rating.case is not None:
        case_event_write(
            case=rating.case,
            at=callback.at,
            kind=CaseEvent.Kind.CALLBACK,
            note=text,
            actor=actor,
            public=False,
            data={"rating_id": rating.pk, "reached": reached},
        )
    audit_log(actor=actor, action="rating.callback", target_type="rating", target_id=str(rating.pk))
    return callback


def rating_rectification_report(*, actor: Any, rating: Rating, report: str) -> Rectification:
    """Report the rectification of a 差评 from the rating (the 差评整改 page and ``/ratings/{id}/rectify/``).

    The same one service as the case action ``rectify``: ``residents.rectify.rectification_report``."""
    from residents.rectify import rectification_report

    _, rectification = rectification_report(actor=actor, rating=rating, note=report)
    assert rectification is not None  # a rating always gets its record
    return rectification


@transaction.atomic
def appeal_file(*, actor: Any, rating: Rating, reason: str) -> Appeal:
    """Station staff appeal (申诉) a rating they believe malicious;

    One appeal and one decision per rating."""
    require_staff_scope(actor=actor, rating=rating)
    text = clean_text(reason or "").strip()
    if not text:
        raise ApplicationError("请填写申诉理由。", {"field": "reason"}, status=400)
    if rating.appeals.exists():
        raise ApplicationError("该评价已申诉过。", {"rating": rating.pk}, status=409)
    appeal = Appeal(rating=rating, reason=text, filed_by=actor, filed_at=timezone.now())
    appeal.full_clean()
    appeal.save()
    audit_log(actor=actor, action="rating.appeal", target_type="rating", target_id=str(rating.pk))
    return appeal


@transaction.atomic
def appeal_decide(*, actor: Any, appeal: Appeal, accept: bool, note: str = "") -> Appeal:
    """A town admin (or district admin) decides an appeal. Accepted: the rating leaves the statistics
    (``excluded``) but stays on record."""
    appeal = Appeal.objects.select_for_update(of=("self",)).select_related("rating__site").get(pk=appeal.pk)
    require_staff_scope(actor=actor, rating=appeal.rating, roles=APPEAL_DECIDER_ROLES)
    if appeal.status != Appeal.Status.PENDING:
        raise ApplicationError("该申诉已审核。", {"status": appeal.status}, status=409)
    now = timezone.now()
    appeal.status = Appeal.Status.ACCEPTED if accept else Appeal.Status.REJECTED
    appeal.decided_by = actor
    appeal.decided_at = now
    appeal.decision_note = clean_text(note or "")
    appeal.full_clean()
    appeal.save()
    if accept:
        rating = appeal.rating
        rating.excluded = True
        rating.excluded_at = now
        rating.save(update_fields=["excluded", "excluded_at"])
        stats_invalidate()
    audit_log(
        actor=actor,
        action="rating.appeal_decided",
        target_type="rating",
        target_id=str(appeal.rating_id),
        detail={"accepted": accept},
    )
    return appeal


# --- Sweeps (called by workflows.tasks) ---


def bad_rating_escalate(*, rating_id: int, now: dt.datetime | None = None) -> list[str]:
    """Escalate one 差评 whose call-back or rectification is late. Idempotent: each step once (dedupe keys and
    ``*_escalated_at``). Returns the steps taken (``callback``, ``rectify``)."""
    now = now or timezone.now()
    steps: list[str] = []
    with transaction.atomic():
        rating = (
            Rating.objects.select_for_update(of=("self",))
            .select_related("site__parent", "case__matter")
            .filter(bad_rating_q(), pk=rating_id, excluded=False)
            .first()
        )
        if rating is None:
            return steps
        rectified = Rectification.objects.filter(rating=rating).exists()
        context = _rating_context(rating)
        late_days = 0
        if (
            rating.callback_due_at
            and rating.callback_due_at < now
            and rating.callback_escalated_at is None
            and not rating.callbacks.exists()
            and not rectified
        ):
            notify_staff(
                agents=_unique(station_staff(rating.site) + town_staff(rating.site)),
                dedupe_prefix=f"rating:{rating.pk}:callback-late",
                template="bad_rating_callback_late",
                context={**context, "due": timezone.localtime(rating.callback_due_at).strftime("%m-%d")},
            )
            rating.callback_escalated_at = now
            steps.append("callback")
        if (
            rating.rectify_due_at
            and rating.rectify_due_at < now
            and rating.rectify_escalated_at is None
            and not rectified
        ):
            late_days = max(1, (now - rating.rectify_due_at).days)
            notify_staff(
                agents=_unique(town_staff(rating.site) + district_admins()),
                dedupe_prefix=f"rating:{rating.pk}:rectify-late",
                template="bad_rating_rectify_late",
                context={
                    **context,
                    "due": timezone.localtime(rating.rectify_due_at).strftime("%m-%d"),
                    "overdue_days": late_days,
                },
            )
            rating.rectify_escalated_at = now
            steps.append("rectify")
        if steps:
            rating.save(update_fields=["callback_escalated_at", "rectify_escalated_at"])
    return steps


def resident_records_purge(*, now: dt.datetime | None = None, keep_days: int = 1) -> int:
    """Delete SMS codes and resident tokens expired more than ``keep_days`` ago (PIPL: keep no more than
    needed). Returns the number of rows deleted."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=keep_days)
    otps, _ = OtpCode.objects.filter(expires_at__lt=cutoff).delete()
    tokens, _ = ResidentToken.objects.filter(expires_at__lt=cutoff).delete()
    return int(otps) + int(tokens)


def autoclose_candidates_q(now: dt.datetime) -> Q:
    """Completed cases whose feedback window ended (``Case.feedback_due_at``, set by the case workflow)."""
    return Q(status=Case.Status.COMPLETED, feedback_due_at__lte=now)


def case_autoclose_if_due(*, case_id: int, now: dt.datetime | None = None) -> bool:
    """Close one completed case whose feedback window ended (the case workflow's ``case_autoclose`` decides
    and records "评价期满，系统自动关闭" on the timeline). Idempotent."""
    from workflows.case_closing import case_autoclose

    case = Case.objects.filter(autoclose_candidates_q(now or timezone.now()), pk=case_id).first()
    if case is None:
        return False
    return bool(case_autoclose(case=case))
