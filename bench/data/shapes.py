"""What the benchmark loader generates: its tunables, row shapes and the demo sites it spreads cases over.

The tuples of ``Generated`` follow the models' concrete field order (``*_FIELDS``; ``bench.data.write``
checks it against the expected lists before anything is written).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from agency.models import Agent, Grid, Site, SiteMatter
from residents.models import Callback, Rating, Rectification
from workflows.models import Case, CaseEvent

CHUNK = 20_000
YEARS = 3
SAMPLE_SIZE = 1000
RECENT_DAYS = 14
FEEDBACK_WINDOW_WORKDAYS = 5  # the default of settings.FEEDBACK_AUTOCLOSE_DAYS
SPECIAL_GROUP_PRIORITY = 10  # same as workflows.services.SPECIAL_GROUP_PRIORITY

# Status mix of the last two weeks and of older cases (weights).
RECENT_STATUS = {
    "new": 10,
    "assigned": 14,
    "visited": 8,
    "awaiting_materials": 7,
    "submitted": 20,
    "completed": 14,
    "rectifying": 1,
    "closed": 18,
    "rejected": 4,
    "withdrawn": 4,
}
OLD_STATUS = {
    "closed": 91,
    "rejected": 4,
    "withdrawn": 3.5,
    "submitted": 0.6,
    "assigned": 0.4,
    "awaiting_materials": 0.3,
    "new": 0.2,
}
RATING_VALUES = (5, 4, 3, 2, 1)
RATING_WEIGHTS = (68, 22, 5, 3, 2)
CHANNELS = ("doorstep", "phone", "walk_in", "online")
CHANNEL_WEIGHTS = (45, 25, 20, 10)
SPECIAL = ("elderly", "disabled", "living_alone", "subsistence")
DELIVERY = ("door", "mail", "window", "electronic")
DELIVERY_WEIGHTS = (45, 15, 25, 15)
MOBILE_PREFIXES = tuple(
    [f"13{d}" for d in range(10)]
    + [f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)]
    + [f"18{d}" for d in range(10)]
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "秀英桂兰玉珍凤华建国建华志强永明德福春梅丽娟海燕淑芬明军红霞金凤国庆文杰小红立新宝山"
ROADS = ("幸福路", "建设街", "和平巷", "人民路", "新华街", "东风路", "团结巷", "胜利街", "光明路", "兴隆街")
DEPARTMENTS = (
    "区医保局",
    "区人社局",
    "区民政局",
    "区退役军人事务局",
    "区市场监管局",
    "镇农业服务中心",
    "区残联",
)
MATERIALS = ("身份证复印件", "户口簿", "一寸照片", "银行卡复印件", "医疗费用票据", "村（社区）证明", "残疾证")
NOTES = (
    "已电话联系群众，约定上门时间",
    "群众行动不便，安排上门服务",
    "已向群众一次性告知所需材料",
    "部门反馈正在审核",
    "已与承办部门沟通进度",
)
TZ_UTC = dt.UTC
TEMPLATE_MIN_AGE_DAYS = 90
TEMPLATES_PER_KEY = 40
# placeholders used while generating a template (replaced per case in ``Generator._instantiate``)
_AGENT_ID, _AGENT_USER, _STAFF, _AGENT_NAME = -1, -2, -3, "\x00agent"
_AGENT = (_AGENT_ID, _AGENT_USER, _AGENT_NAME)


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@dataclass
class SiteInfo:
    """What the generator needs of one site (loaded once)."""

    id: int
    code: str
    name: str
    matters: list[tuple[int, int, str, bool]]  # (matter id, time limit days, name, is consultation)
    agents: list[tuple[int, int | None, str]]  # (agent id, user id, name)
    grids: list[int]
    staff_user: int | None
    kind: str = "station"


@dataclass
class Template:
    """A generated old case kept as offsets from its intake time (``Generator._template``)."""

    case: tuple[Any, ...]
    updated: dt.timedelta | None
    completed: dt.timedelta | None
    closed: dt.timedelta | None
    events: list[tuple[Any, ...]]
    ratings: list[tuple[int, dt.timedelta, tuple[Any, ...]]]
    callbacks: list[tuple[Any, ...]]
    rectifications: list[tuple[Any, ...]]


@dataclass
class Generated:
    """One chunk of rows, ready to write (tuples in ``COLUMNS`` order)."""

    cases: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    ratings: list[tuple[Any, ...]] = field(default_factory=list)
    callbacks: list[tuple[Any, ...]] = field(default_factory=list)
    rectifications: list[tuple[Any, ...]] = field(default_factory=list)


CASE_FIELDS = [f.attname for f in Case._meta.concrete_fields]
EVENT_FIELDS = [f.attname for f in CaseEvent._meta.concrete_fields]
RATING_FIELDS = [f.attname for f in Rating._meta.concrete_fields]
CALLBACK_FIELDS = [f.attname for f in Callback._meta.concrete_fields]
RECT_FIELDS = [f.attname for f in Rectification._meta.concrete_fields]
JSON_FIELDS: dict[Any, set[str]] = {
    model: {f.attname for f in model._meta.concrete_fields if isinstance(f, models.JSONField)}
    for model in (Case, CaseEvent, Rating, Callback, Rectification)
}


def load_sites() -> list[SiteInfo]:
    """Active demo stations and centers with their matters, published agents (with accounts) and grids."""
    sites = list(
        Site.objects.filter(is_active=True, kind__in=[Site.Kind.STATION, Site.Kind.CENTER]).order_by("code")
    )
    result: list[SiteInfo] = []
    for site in sites:
        matters = [
            (sm.matter_id, sm.matter.time_limit_days, sm.matter.name, sm.matter.is_consultation)
            for sm in SiteMatter.objects.filter(site=site, matter__is_active=True)
            .select_related("matter")
            .order_by("matter__code")
        ]
        if not matters:
            continue
        agents_qs = Agent.objects.filter(sites=site, is_active=True).exclude(kind=Agent.Kind.DISTRICT_ADMIN)
        # agents without a login still serve (their timeline lines have no actor account)
        agents = [(a.pk, a.user_id, a.name) for a in agents_qs.order_by("id")]
        if not agents:
            continue
        staff = (
            agents_qs.filter(kind__in=[Agent.Kind.STATION_STAFF, Agent.Kind.TOWN_STAFF], user__isnull=False)
            .order_by("id")
            .first()
        )
        grids = list(Grid.objects.filter(site=site).order_by("id").values_list("id", flat=True))
        result.append(
            SiteInfo(
                id=site.pk,
                code=site.code,
                name=site.name,
                matters=matters,
                agents=agents,
                grids=grids,
                staff_user=staff.user_id if staff else None,
                kind=site.kind,
            )
        )
    return result
