"""Reads for residents: their own cases by verified phone, the quick lookup, plain-Chinese status sentences.

Everything here returns only what a resident may see: public timeline lines, the agent's name and *published*
phone (``agency.selectors.agent_public_phone``), masked personal data. Query counts do not grow with the
number of cases.
"""

import datetime as dt
import hmac
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.postgres.aggregates import JSONBAgg
from django.db import connection
from django.db.models import CharField, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone

from agency.models import Agent, Site
from agency.selectors import agent_public_phone
from core.exceptions import ApplicationError
from core.labels import choice_label
from core.masking import mask_name, mask_phone, phone_tail
from core.prepared import PreparedQuery
from residents.models import Rating, Rectification
from residents.services import rating_kind_allowed
from workflows.bundle_progress import bundle_display_status, bundle_progress_label, bundle_views
from workflows.case_numbers import is_valid_case_no, normalize_case_no
from workflows.models import Case, CaseEvent

MAX_CASES = 50


def _local_date(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.month}月{local.day}日"


def _agent_phrase(agent: "Agent | _AgentCard | None") -> str:
    if agent is None:
        return "帮办员"
    return f"{choice_label(Agent.Kind, agent.kind)}{agent.name}"


def _is_overdue(case: "Case | CaseCard", now: dt.datetime) -> bool:
    return bool(case.status in Case.Status.OPEN and case.due_at and case.due_at < now)  # type: ignore[attr-defined]


_UNKNOWN: Any = object()


def status_label(
    case: "Case | CaseCard",
    *,
    ratings: list[Rating] | None = None,
    now: dt.datetime | None = None,
    kind_allowed: bool | None = _UNKNOWN,
) -> str:
    """One plain Chinese sentence a resident (often elderly) understands.

    E.g. “已受理，网格员王芳将联系您并上门办理，12月3日前办结。” ``kind_allowed``: the case's
    ``rating_kind_allowed`` when the caller already knows it (saves a query per completed case).
    """
    now = now or timezone.now()
    who = _agent_phrase(case.assigned_agent)
    due = _local_date(case.due_at)
    status = case.status
    if status == Case.Status.NEW:
        text = f"已受理，正在为您安排帮办员，{due}前办结。" if due else "已受理，正在为您安排帮办员。"
    elif status == Case.Status.ASSIGNED and case.visit_at is not None and case.visit_at > now:
        text = f"已受理，{who}将于{_local_date(case.visit_at)}上门。"
    elif status == Case.Status.ASSIGNED:
        text = (
            f"已受理，{who}将联系您并上门办理，{due}前办结。" if due else f"已受理，{who}将联系您并上门办理。"
        )
    elif status == Case.Status.VISITED:
        text = f"{who}已上门，正在为您准备材料。"
    elif status == Case.Status.AWAITING_MATERIALS:
        missing = "、".join(str(m) for m in (case.materials_missing or []))
        text = f"还缺材料：{missing}。备齐后请联系{who}。" if missing else f"还需补充材料，请联系{who}。"
    elif status == Case.Status.SUBMITTED:
        dept = case.department or "主管部门"
        text = f"已代您报送{dept}，正在办理，{due}前办结。" if due else f"已代您报送{dept}，正在办理。"
    elif status == Case.Status.COMPLETED:
        # (a CaseCard always comes with its ratings and kind_allowed: only a Case is read further here)
        rated = ratings if ratings is not None else list(cast(Case, case).ratings.all())
        text = "已办结，感谢您的评价。" if rated else "已办结，欢迎您对服务进行评价。"
        if kind_allowed is _UNKNOWN and rated:
            kind_allowed = rating_kind_allowed(cast(Case, case), rated)
        if rated and kind_allowed is True:
            text = "已办结，站点已整改，欢迎您再次评价。"
    elif status == Case.Status.RECTIFYING:
        text = "已收到您的意见，站点正在整改，会尽快电话回访您。"
    elif status == Case.Status.CLOSED:
        text = "已办结，事项已归档。"
    elif status == Case.Status.REJECTED:
        text = "未能受理，详情请咨询服务站。"
    elif status == Case.Status.WITHDRAWN:
        text = "已撤回。"
    else:
        text = str(case.get_status_display())
    if _is_overdue(case, now):
        text += "（已超过承诺时限，站点正在督办）"
    return text


@dataclass
class ResidentCase:
    """One case as its resident sees it."""

    case: "Case | CaseCard"
    case_no: str
    matter: str
    status: str
    status_label: str
    due_at: dt.datetime | None
    overdue: bool
    timeline: list[dict[str, Any]]
    agent: dict[str, str] | None
    feedback_allowed: bool
    feedback_followup: bool
    materials_missing: list[str]
    site_name: str
    site_phone: str
    resident_name: str
    resident_phone: str
    ratings: list[dict[str, Any]] = field(default_factory=list)
    # issue 15: a 一件事 parent's ``{progress, done, total, children, materials}``; None for a single matter
    bundle: dict[str, Any] | None = None


# The resident's case list is the hottest personal read (issue 7): its three queries are compiled once per
# process (core.prepared) and read as tuples, only the columns a case card shows.
_CASE_COLUMNS = (
    "id",
    "case_no",
    "status",
    "due_at",
    "visit_at",
    "department",
    "materials_missing",
    "resident_name",
    "site_id",
    "site__name",
    "site__phone",
    "matter__name",
    "assigned_agent_id",
    "assigned_agent__name",
    "assigned_agent__kind",
    "agent_mobile",
    "assigned_agent__work_phone",
    "assigned_agent__publish_mobile_consent",
)


def _cases_query(phone: str, *, with_timeline: bool = False) -> QuerySet[Any]:
    # a 一件事's members are shown inside their parent's card, not as cases of their own (issue 15)
    queryset = Case.objects.filter(resident_phone=phone, bundle_parent__isnull=True).annotate(
        # text, not PhoneNumber: parsed only when the agent consented to publish it
        agent_mobile=Cast("assigned_agent__phone", CharField())
    )
    columns: tuple[str, ...] = _CASE_COLUMNS
    if with_timeline:
        # PostgreSQL: each case's public timeline as one JSON array in the same row (one round trip less)
        queryset = queryset.annotate(
            timeline=Subquery(
                CaseEvent.objects.filter(case_id=OuterRef("pk"), public=True)
                .order_by()
                .values("case_id")
                .annotate(j=JSONBAgg(JSONObject(at="at", kind="kind", note="note"), order_by=("at", "id")))
                .values("j")
            )
        )
        columns = (*columns, "timeline")
    return queryset.order_by("-created_at", "-id").values_list(*columns)[:MAX_CASES]


_CASES_WITH_TIMELINE = PreparedQuery(lambda phone: _cases_query(phone, with_timeline=True))
_RATINGS = PreparedQuery(
    lambda ids: (
        Rating.objects.filter(case_id__in=ids)
        .order_by("created_at", "id")
        .values_list("id", "case_id", "value", "is_followup", "created_at")
    )
)
# Only cases that reached ``completed`` can hold ratings: skip the ratings query when none did.
_RATED_STATUSES = frozenset({Case.Status.COMPLETED, Case.Status.RECTIFYING, Case.Status.CLOSED})
# … and only in ``completed`` do they change what the API shows (feedback_allowed/followup, status_label).
_RATING_OPEN_STATUSES = frozenset({Case.Status.COMPLETED})


@dataclass(slots=True)
class _Named:
    name: str
    phone: str = ""


@dataclass(slots=True)
class _AgentCard:
    """What a case card shows of its agent (``agent_public_phone`` and ``_agent_phrase`` read these)."""

    name: str
    kind: str
    phone: str
    work_phone: str
    publish_mobile_consent: bool


@dataclass(slots=True)
class CaseCard:
    """A case as the resident list reads it: a row, not a ``Case`` (a model instance would default its
    40 fields one by one; issue 7's profile). Has what ``status_label`` and ``_present`` read."""

    pk: int
    case_no: str
    status: str
    due_at: dt.datetime | None
    visit_at: dt.datetime | None
    department: str
    materials_missing: list[str]
    resident_name: str
    site: _Named
    matter: _Named
    assigned_agent: _AgentCard | None

    def get_status_display(self) -> str:
        return choice_label(Case.Status, self.status)


def _case_from_row(row: tuple[Any, ...]) -> CaseCard:
    """A ``CaseCard`` (with its site, matter and agent) from a ``_CASES`` row."""
    (pk, case_no, status, due_at, visit_at, department, materials, name, _site_id, site_name, site_phone,
     matter_name, agent_id, agent_name, agent_kind, agent_mobile, agent_work_phone, agent_consent) = row  # fmt: skip
    agent = None
    if agent_id is not None:
        agent = _AgentCard(
            name=agent_name,
            kind=agent_kind,
            phone=(agent_mobile or "") if agent_consent else "",  # shown only when the agent consented
            work_phone=agent_work_phone,
            publish_mobile_consent=agent_consent,
        )
    return CaseCard(
        pk=pk,
        case_no=case_no,
        status=status,
        due_at=due_at,
        visit_at=visit_at,
        department=department,
        materials_missing=materials if materials is not None else [],
        resident_name=name,
        site=_Named(site_name, site_phone),
        matter=_Named(matter_name),
        assigned_agent=agent,
    )


def _present(
    case: CaseCard,
    rectified_ids: set[int],
    now: dt.datetime,
    events: list[tuple[dt.datetime, str, str]],
    ratings: list[Rating],
    masked_phone: str,
) -> ResidentCase:
    kind = _kind_allowed(case, ratings, rectified_ids)
    agent = case.assigned_agent
    site = case.site
    return ResidentCase(
        case=case,
        case_no=case.case_no,
        matter=case.matter.name,
        status=case.status,
        status_label=status_label(case, ratings=ratings, now=now, kind_allowed=kind),
        due_at=case.due_at,
        overdue=_is_overdue(case, now),
        timeline=[
            {"at": at, "kind": kind, "kind_label": choice_label(CaseEvent.Kind, kind), "note": note}
            for at, kind, note in events
        ],
        # the card's agent and site have the fields agent_public_phone reads
        agent={"name": agent.name, "phone": agent_public_phone(cast(Agent, agent), cast(Site, site))}
        if agent
        else None,
        feedback_allowed=kind is not None,
        feedback_followup=bool(kind),
        materials_missing=[str(m) for m in (case.materials_missing or [])]
        if case.status == Case.Status.AWAITING_MATERIALS or case.materials_missing
        else [],
        site_name=site.name,
        site_phone=site.phone,
        resident_name=mask_name(case.resident_name),
        resident_phone=masked_phone,
        ratings=[
            {
                "value": r.value,
                "label": choice_label(Rating.Value, r.value),
                "is_followup": r.is_followup,
                "at": r.created_at,
            }
            for r in ratings
        ],
    )


def _kind_allowed(case: "Case | CaseCard", ratings: list[Rating], rectified_ids: set[int]) -> bool | None:
    """``rating_kind_allowed`` without a query per case (rectifications looked up once for the page)."""
    if case.status != Case.Status.COMPLETED:
        return None
    first = next((r for r in ratings if not r.is_followup), None)
    if first is None:
        return False
    if first.is_bad and first.pk in rectified_ids and not any(r.is_followup for r in ratings):
        return True
    return None


def resident_case_list(*, phone: str, with_ratings: bool = True) -> list[ResidentCase]:
    """The verified resident's own cases, newest first (at most ``MAX_CASES``).

    ``with_ratings=False`` (the API, which does not list past ratings) reads ratings only for cases still
    in ``completed``, where they decide whether a (follow-up) rating may be given and the status sentence.
    """
    events: dict[int, list[tuple[dt.datetime, str, str]]] = {}
    if connection.vendor == "postgresql":
        rows = _CASES_WITH_TIMELINE.run(phone=phone)
        cases = [_case_from_row(row[:-1]) for row in rows]
        for case, row in zip(cases, rows, strict=True):
            events[case.pk] = [
                (dt.datetime.fromisoformat(e["at"]), e["kind"], e["note"]) for e in (row[-1] or [])
            ]
    else:
        # SQLite (the embedded default): two plain ORM reads; the compiled ones serve PostgreSQL (issue 19)
        cases = [_case_from_row(row) for row in _cases_query(phone)]
        events = {c.pk: [] for c in cases}
        if cases:
            public = CaseEvent.objects.filter(case_id__in=[c.pk for c in cases], public=True).order_by(
                "at", "id"
            )
            for case_id, at, kind, note in public.values_list("case_id", "at", "kind", "note"):
                events[case_id].append((at, kind, note))
    if not cases:
        return []
    ids = [c.pk for c in cases]
    ratings: dict[int, list[Rating]] = {pk: [] for pk in ids}
    statuses = _RATED_STATUSES if with_ratings else _RATING_OPEN_STATUSES
    rated = [c.pk for c in cases if c.status in statuses]
    if rated:
        for rating_id, case_id, value, is_followup, created_at in _RATINGS.run(ids=rated):
            ratings[case_id].append(
                Rating(
                    id=rating_id, case_id=case_id, value=value, is_followup=is_followup, created_at=created_at
                )
            )
    rating_ids = [r.pk for rs in ratings.values() for r in rs if r.is_bad]
    rectified = (
        set(Rectification.objects.filter(rating_id__in=rating_ids).values_list("rating_id", flat=True))
        if rating_ids
        else set()
    )
    now = timezone.now()
    masked = mask_phone(phone)  # the list is read by its phone: every case carries it
    shown = [_present(c, rectified, now, events[c.pk], ratings[c.pk], masked) for c in cases]
    bundles = bundle_views(ids)
    for item in shown:
        item.bundle = bundles.get(item.case.pk)
        if item.bundle is not None and item.status in Case.Status.OPEN:  # type: ignore[attr-defined]
            item.status_label = f"一件事联办中：{item.bundle['progress']}"
    return shown


def resident_case_get(*, phone: str, case_no: str) -> Case:
    """The resident's own case by number; 404 alike when it does not exist or belongs to someone else."""
    number = normalize_case_no(case_no)
    case = None
    if is_valid_case_no(number):
        case = (
            # a 一件事's member is seen and rated through its bundle (the parent), not on its own
            Case.objects.filter(case_no=number, resident_phone=phone, bundle_parent__isnull=True)
            .select_related("site", "matter", "assigned_agent")
            .first()
        )
    if case is None:
        raise ApplicationError("未找到该办件。", {}, status=404)
    return case


# The quick lookup (public, hot: compiled once per process) reads the list's case card plus the phone as text
# for the tail check.
_LOOKUP = PreparedQuery(
    lambda case_no: (
        Case.objects.filter(case_no=case_no)
        .annotate(agent_mobile=Cast("assigned_agent__phone", CharField()))
        .annotate(phone_text=Cast("resident_phone", CharField()))
        # a 一件事 parent shows a status derived from its members (one more query only for a parent)
        .annotate(has_members=Exists(Case.objects.filter(bundle_parent_id=OuterRef("pk"))))
        .values_list(*_CASE_COLUMNS, "has_members", "phone_text")[:1]
    )
)


def case_quick_lookup(*, case_no: str, tail: str) -> dict[str, Any]:
    """Status only, nothing personal; unknown number and wrong tail answer the same 404."""
    number = normalize_case_no(case_no)
    tail = "".join(ch for ch in str(tail or "") if ch.isdigit())
    case, phone, has_members = None, "", False
    if is_valid_case_no(number) and len(tail) == 4:
        rows = _LOOKUP.run(case_no=number)
        if rows:
            case, has_members, phone = _case_from_row(rows[0][:-2]), bool(rows[0][-2]), rows[0][-1]
    # compare_digest even on a miss keeps the timing of both 404s alike
    expected = phone_tail(phone) if case is not None else "----"
    if case is None or not hmac.compare_digest(expected, tail):
        raise ApplicationError("未找到该办件，请核对编号和手机尾号。", {}, status=404)
    now = timezone.now()
    if has_members:  # a 一件事: the status its members give it, and how far they have got
        members = list(Case.objects.filter(bundle_parent_id=case.pk).values_list("status", flat=True))
        shown = bundle_display_status(members, own=case.status)
        label = f"{choice_label(Case.Status, shown)}。一件事联办：{bundle_progress_label(members)}。"
        return {
            "case_no": case.case_no,
            "status": shown,
            "status_label": label,
            "due_at": case.due_at,
            "overdue": _is_overdue(case, now),
        }
    return {
        "case_no": case.case_no,
        "status": case.status,
        "status_label": status_label(case, ratings=[], now=now)
        if case.status != Case.Status.COMPLETED
        else "已办结。",
        "due_at": case.due_at,
        "overdue": _is_overdue(case, now),
    }


def kiosk_agents(site: Site) -> list[Agent]:
    """Agents a walk-in resident may rate on the station's tablet: the published, active ones of ``site``."""
    return list(site.agents.filter(is_active=True, is_published=True).order_by("kind", "name", "id"))


def ratings_for_stats(qs: QuerySet[Rating] | None = None) -> QuerySet[Rating]:
    """Ratings that count in statistics: accepted appeals are excluded (kept on record)."""
    return (qs if qs is not None else Rating.objects.all()).filter(excluded=False)


def ratings_visible_to(user: Any) -> QuerySet[Rating]:
    """Ratings of the sites ``user`` works for (staff roles only), newest first; nothing for anyone else."""
    from agency.roles import STAFF_ROLES
    from agency.selectors import sites_for_user, user_role

    if user_role(user) not in STAFF_ROLES:
        return Rating.objects.none()
    return (
        Rating.objects.filter(site__code__in=sites_for_user(user))
        .select_related("site", "case", "agent", "rectification")
        .prefetch_related("callbacks")
        .order_by("-created_at")
    )


def doorstep_requests_visible_to(user: Any) -> list[Any]:
    """Open doorstep requests of ``user``'s sites (staff roles only): special groups first, then oldest."""
    from agency.roles import STAFF_ROLES
    from agency.selectors import sites_for_user, user_role
    from residents.models import DoorstepRequest

    if user_role(user) not in STAFF_ROLES:
        return []
    rows = list(
        DoorstepRequest.objects.filter(site__code__in=sites_for_user(user), status=DoorstepRequest.Status.NEW)
        .select_related("site", "case")
        .order_by("created_at", "id")[:200]
    )
    rows.sort(key=lambda r: (0 if r.special_groups else 1, r.created_at))
    return rows
