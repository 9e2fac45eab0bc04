"""Demo training records for the demo district (called by ``manage.py demo_data`` via the app config).

Idempotent: events are keyed by (site, title) and re-dated relative to today; attendance is upserted.
Qualification rules give 医保/社保 a two-year validity; one drill lies three years back, so the demo shows
an expired qualification next to valid ones, and the capability page shows who is behind.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from agency.demo import TOWNS
from agency.models import Agent, Matter, Site
from training.models import Attendance, CapabilityPlan, QualificationRule, TrainingEvent

C = Matter.Category
K = Agent.Kind

RULES = {
    C.MEDICAL_INSURANCE: 24,
    C.SOCIAL_INSURANCE: 24,
    C.ASSISTANCE: 36,
    C.CERTIFICATE: None,
    C.DOCUMENT: None,
}
PLANS = {
    K.CADRE: (Decimal(12), [C.ASSISTANCE, C.SOCIAL_AFFAIRS]),
    K.COMMUNITY_WORKER: (Decimal(12), [C.ASSISTANCE]),
    K.GRID_WORKER: (Decimal(12), [C.CERTIFICATE, C.DOCUMENT]),
    K.VOLUNTEER: (Decimal(4), [C.PAYMENT]),
}


def _event(site: Site, title: str, **fields: object) -> TrainingEvent:
    event, _ = TrainingEvent.objects.update_or_create(site=site, title=title, defaults=fields)
    return event


def _attend(event: TrainingEvent, agents: list[Agent], *, score_base: int | None = None) -> None:
    for i, agent in enumerate(agents):
        score = Decimal(score_base - 7 * i) if score_base is not None else None
        result = Attendance.Result.ATTENDED
        if score is not None:
            result = Attendance.Result.PASSED if score >= 60 else Attendance.Result.FAILED
        Attendance.objects.update_or_create(
            event=event,
            agent=agent,
            defaults={
                "hours": event.hours,
                "score": score,
                "result": result,
                "award": "一等奖" if i == 0 and score else "",
            },
        )


@transaction.atomic
def load_training_demo(*, today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    for category, months in RULES.items():
        QualificationRule.objects.update_or_create(category=category, defaults={"valid_months": months})
    for kind, (hours, categories) in PLANS.items():
        CapabilityPlan.objects.update_or_create(
            kind=kind, defaults={"required_hours": hours, "required_categories": list(categories)}
        )
    codes = [town.site_code for town in TOWNS]
    centers = sorted(
        Site.objects.filter(kind=Site.Kind.CENTER, code__in=codes), key=lambda s: codes.index(s.code)
    )
    for index, center in enumerate(centers):
        town_agents = Agent.objects.filter(sites__parent=center, is_active=True).distinct().order_by("id")
        cadres = list(town_agents.filter(kind__in=[K.CADRE, K.COMMUNITY_WORKER]))
        grid_workers = list(town_agents.filter(kind=K.GRID_WORKER))
        window = list(Agent.objects.filter(sites=center, kind=K.TOWN_STAFF).order_by("id"))
        course = _event(
            center,
            f"{center.name}社会救助与社会事务政策专题培训",
            kind=TrainingEvent.Kind.COURSE,
            date=today - dt.timedelta(days=40 + index),
            hours=Decimal("6.0"),
            organiser=f"{center.name}、区民政局",
            categories=[C.ASSISTANCE, C.SOCIAL_AFFAIRS],
            grants_qualification=True,
        )
        # the first town's second half of cadres skipped the course: they show up as behind
        _attend(course, cadres[: max(1, len(cadres) * 2 // 3)] if index == 0 else cadres)
        drill = _event(
            center,
            f"{center.name}证明出具与证件代办岗位练兵",
            kind=TrainingEvent.Kind.DRILL,
            date=today - dt.timedelta(days=20 + index),
            hours=Decimal("4.0"),
            organiser=center.name,
            categories=[C.CERTIFICATE, C.DOCUMENT],
            grants_qualification=True,
        )
        _attend(drill, grid_workers[::2], score_base=95)
        old = _event(
            center,
            f"{center.name}医保社保窗口业务练兵（往年）",
            kind=TrainingEvent.Kind.DRILL,
            date=today - dt.timedelta(days=3 * 365),
            hours=Decimal("3.0"),
            organiser=center.name,
            categories=[C.MEDICAL_INSURANCE, C.SOCIAL_INSURANCE],
            grants_qualification=True,
        )
        _attend(old, window)
        online = _event(
            center,
            f"{center.name}帮办代办服务规范线上学习",
            kind=TrainingEvent.Kind.COURSE,
            date=today - dt.timedelta(days=60 + index),
            hours=Decimal("6.0"),
            organiser=center.name,
            categories=[],
            grants_qualification=False,
        )
        _attend(online, cadres[::2] + grid_workers)
    if centers:
        first = centers[0]
        contest = _event(
            first,
            "全区帮办代办技能比武",
            kind=TrainingEvent.Kind.CONTEST,
            date=today - dt.timedelta(days=10),
            hours=Decimal("3.0"),
            organiser="区行政审批服务局",
            categories=[C.MEDICAL_INSURANCE, C.SOCIAL_INSURANCE, C.PAYMENT],
            grants_qualification=True,
        )
        contestants = list(
            Agent.objects.filter(kind__in=[K.GRID_WORKER, K.TOWN_STAFF], is_active=True).order_by("id")[:6]
        )
        _attend(contest, contestants, score_base=98)
        visit = _event(
            first,
            "赴先进镇街便民服务中心观摩交流",
            kind=TrainingEvent.Kind.VISIT,
            date=today - dt.timedelta(days=5),
            hours=Decimal("2.0"),
            organiser="区行政审批服务局",
            categories=[],
            grants_qualification=False,
        )
        _attend(visit, list(Agent.objects.filter(kind=K.STATION_STAFF, is_active=True).order_by("id")[:6]))
    return {"training_events": TrainingEvent.objects.count(), "attendances": Attendance.objects.count()}
