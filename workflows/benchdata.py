"""Bulk benchmark data: N realistic, deterministic cases over the demo sites (``manage.py bench_data``).

All values come from one ``random.Random(seed)``: the same seed on the same demo district gives the same
rows (dates are relative to the start of today, local time).

- Intake over the last 3 years, ids ascending with time; a matter the site offers; an active agent of the
  site; a resident from a deterministic phone pool (about 30% of cases come from repeat residents).
- Status by age: cases of the last two weeks are mostly open; older ones mostly ``closed`` (about 1.5% stuck
  open, i.e. overdue), a few ``rejected``/``withdrawn``. ``completed`` and ``rectifying`` only while their
  feedback/rectification window still runs, so the sweeps have nothing to catch up on.
- A timeline of 3-8 ``CaseEvent`` rows following the status path (created, assigned, visited or materials,
  submitted, progress, completed, rating, closed); up to 11 with the bad-rating loop.
- Ratings on most closed cases (mostly 4-5). A 1-2 rating carries a call-back, a rectification report, the
  ``rectifying``/``rectified`` events and often a follow-up rating.
- ``due_at``: the matter's time limit in Chinese working days (``core.workdays``), computed once per
  (day, limit); ``feedback_due_at`` likewise.
- Speed: cases older than ``TEMPLATE_MIN_AGE_DAYS`` are instantiated from a pool of generated templates per
  (matter, status): same shape, own number, resident, site, agent and dates.

Bulk rows carry no Viewflow ``Process`` (``Case.process`` is null): ``workflows.services`` skips the engine
for such cases and no selector reads Viewflow tables. Cases made through the API get their process.

Writing: PostgreSQL uses ``COPY`` (psycopg 3); ids are assigned here and the sequences moved past them at the
end. A fresh load is one transaction with FK triggers off (superuser) or checked at once per ``COPY`` (an
ordinary database owner) and the plain secondary indexes rebuilt at the end (see ``bench_load``). Other databases use ``bulk_create``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from agency.models import Agent, Grid, Site, SiteMatter
from core.workdays import add_working_days, local_tz
from residents.models import Callback, Rating, Rectification
from workflows.case_numbers import ALPHABET, PREFIX, RANDOM_LENGTH, check_char
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
_ALPHA_RANGE = range(len(ALPHABET))
# the check character's value of each alphabet position (``case_numbers.check_char``: the random part is
# valued by alphabet index, so "8" and "A" no longer share a value)
_CHECK_VALUE = list(range(len(ALPHABET)))
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


class Generator:
    """Deterministic row generator (see the module docstring)."""

    def __init__(
        self, *, n: int, seed: int, sites: list[SiteInfo], anchor: dt.datetime, first_ids: dict[str, int]
    ):
        self.n = n
        self.seed = seed
        self.rng = random.Random(seed)
        self.sites = sites
        # stations get most of the work; centers (town windows) some
        self.site_weights = [3 if s.kind == Site.Kind.STATION else 2 for s in sites]
        self.anchor = anchor  # start of today, local time (aware)
        self.now = anchor
        self.ids = dict(first_ids)
        self.used_case_nos: set[str] = set()
        self._due_cache: dict[tuple[dt.date, int], dt.datetime] = {}
        self.n_single = max(1, n)
        self.n_repeat = max(1, n // 20)
        # phone i ↦ prefix i mod P, body (a·i + b) mod 10⁸ with gcd(a, 10⁸) = 1: unique for i < P·10⁸
        self._phone_a = 7_919 * 3  # odd and not a multiple of 5
        self._phone_b = (seed * 104_729) % 100_000_000
        self.tz = local_tz()
        # cases older than this are instantiated from per-(matter, status) templates (see ``_case``)
        self.template_cut = anchor - dt.timedelta(days=TEMPLATE_MIN_AGE_DAYS)
        self.templates: dict[tuple[int, str], list[Template]] = {}
        self.base = (anchor - dt.timedelta(days=400)).replace(hour=9)  # templates' intake time

    # --- helpers -----------------------------------------------------------------------------------------

    def phone(self, resident: int) -> str:
        prefix = MOBILE_PREFIXES[resident % len(MOBILE_PREFIXES)]
        body = (self._phone_a * resident + self._phone_b) % 100_000_000
        return f"+86{prefix}{body:08d}"

    @staticmethod
    def resident_name(resident: int) -> str:
        s = SURNAMES[resident % len(SURNAMES)]
        g1 = GIVEN[(resident // len(SURNAMES)) % len(GIVEN)]
        g2 = GIVEN[(resident // 7) % len(GIVEN)]
        return s + g1 + (g2 if resident % 3 else "")

    @staticmethod
    def resident_address(resident: int, site: SiteInfo) -> str:
        road = ROADS[resident % len(ROADS)]
        return (
            f"{site.name.replace('便民服务站', '').replace('便民服务中心', '')}{road}{resident % 300 + 1}号"
        )

    def due(self, day: dt.date, limit: int) -> dt.datetime:
        """``add_working_days`` once per (local day, limit): it depends only on the day."""
        key = (day, limit)
        value = self._due_cache.get(key)
        if value is None:
            noon = dt.datetime.combine(day, dt.time(12), tzinfo=self.tz)
            value = add_working_days(noon, limit).astimezone(TZ_UTC)
            self._due_cache[key] = value
        return value

    def case_no(self, created: dt.datetime) -> str:
        """A valid, unused number for the intake month: the shape of ``workflows.case_numbers`` with its own
        ``check_char`` (the source of truth), random part from the seeded generator."""
        local = created.astimezone(self.tz)
        yymm = f"{local.year % 100:02d}{local.month:02d}"
        while True:
            rand = "".join(self.rng.choices(ALPHABET, k=RANDOM_LENGTH))
            number = f"{PREFIX}{yymm}-{rand}{check_char(yymm + rand)}"
            if number not in self.used_case_nos:
                self.used_case_nos.add(number)
                return number

    def _case(self, out: Generated, created: dt.datetime, status: str, site: SiteInfo) -> None:
        rng = self.rng
        matter = rng.choice(site.matters)
        agent = rng.choice(site.agents)
        resident = self._resident()
        grid = rng.choice(site.grids) if site.grids and rng.random() < 0.7 else None
        case_no = self.case_no(created)
        if created >= self.template_cut:
            self._one(out, created, status, site, matter, agent, resident, grid, case_no)
            return
        pool = self.templates.setdefault((matter[0], status), [])
        if len(pool) < TEMPLATES_PER_KEY:
            template = self._template(status, matter)
            pool.append(template)
        else:
            template = pool[rng.randrange(TEMPLATES_PER_KEY)]
        self._instantiate(out, template, created, site, matter, agent, resident, grid, case_no)

    def _template(self, status: str, matter: tuple[int, int, str, bool]) -> Template:
        """One old case generated in full with placeholder site/agent/ids, kept as offsets from intake."""
        saved_ids = self.ids
        self.ids = dict.fromkeys(saved_ids, 1)
        tmp = Generated()
        fake = SiteInfo(
            id=0, code="", name="", matters=[matter], agents=[_AGENT], grids=[], staff_user=_STAFF
        )
        self._one(tmp, self.base, status, fake, matter, _AGENT, 0, None, "")
        self.ids = saved_ids
        case = tmp.cases[0]

        def off(value: dt.datetime | None) -> dt.timedelta | None:
            return None if value is None else value - self.base

        return Template(
            case=case,
            updated=off(case[25]),
            completed=off(case[26]),
            closed=off(case[27]),
            events=[(off(e[2]), e[3], e[4], e[5], e[6], e[7], _json(e[8])) for e in tmp.events],
            ratings=[(r[0], r[9] - self.base, r) for r in tmp.ratings],
            callbacks=tmp.callbacks,
            rectifications=tmp.rectifications,
        )

    def _instantiate(
        self,
        out: Generated,
        tpl: Template,
        created: dt.datetime,
        site: SiteInfo,
        matter: tuple[int, int, str, bool],
        agent: tuple[int, int | None, str],
        resident: int,
        grid: int | None,
        case_no: str,
    ) -> None:
        case_id = self.next_id("case")
        agent_id, agent_user, agent_name = agent
        staff = site.staff_user
        tz = self.tz
        c = tpl.case
        completed = created + tpl.completed if tpl.completed is not None else None
        ref = f"ZW{created:%Y%m%d}{case_id % 100000:05d}" if c[17] else ""
        out.cases.append(
            (
                case_id,
                case_no,
                site.id,
                grid,
                c[4],
                self.resident_name(resident),
                self.phone(resident),
                "",
                self.resident_address(resident, site),
                c[9],
                c[10],
                c[11],
                c[12],
                c[13],
                self.due(created.astimezone(tz).date(), matter[1]),
                agent_id if c[15] is not None else None,
                c[16],
                ref,
                c[18],
                c[19],
                f"SF{case_id:010d}" if c[20] else "",
                c[21],
                staff,
                None,
                created,
                created + (tpl.updated or dt.timedelta()),
                completed,
                created + tpl.closed if tpl.closed is not None else None,
                self.due(completed.astimezone(tz).date(), FEEDBACK_WINDOW_WORKDAYS) if completed else None,
                None,  # visit_at
                None,  # bundle_parent_id
            )
        )
        rating_ids: dict[int, int] = {}
        for tid, at_off, r in tpl.ratings:
            rid = self.next_id("rating")
            rating_ids[tid] = rid
            at = created + at_off
            day = at.astimezone(tz).date()
            out.ratings.append(
                (
                    rid,
                    case_id,
                    site.id,
                    agent_id,
                    r[4],
                    r[5],
                    r[6],
                    r[7],
                    r[8],
                    at,
                    self.due(day, 1) if r[10] else None,
                    self.due(day, 5) if r[11] else None,
                    None,
                    None,
                    False,
                    None,
                )
            )
        for cb in tpl.callbacks:
            out.callbacks.append(
                (
                    self.next_id("callback"),
                    rating_ids[cb[1]],
                    created + (cb[2] - self.base),
                    agent_user,
                    cb[4],
                    cb[5],
                )
            )
        for rc in tpl.rectifications:
            at = created + (rc[2] - self.base)
            out.rectifications.append(
                (self.next_id("rectification"), rating_ids[rc[1]], at, agent_user, rc[4], at)
            )
        next_event = self.next_id
        events = out.events
        for at_off, kind, note, user, name, public, data in tpl.events:
            if user == _AGENT_USER:
                user = agent_user
            elif user == _STAFF:
                user = staff
            if name == _AGENT_NAME:
                name = agent_name
            if kind == "assigned":
                note = note.replace(_AGENT_NAME, agent_name)
                data = f'{{"agent_id": {agent_id}}}'
            elif kind == "rectifying":
                data = f'{{"rating_id": {rating_ids.get(min(rating_ids), 0) if rating_ids else 0}}}'
            events.append(
                (next_event("event"), case_id, created + at_off, kind, note, user, name, public, data)
            )

    def next_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    # --- generation --------------------------------------------------------------------------------------

    def created_times(self) -> list[dt.datetime]:
        """N intake times over the last ``YEARS`` years, office hours mostly, sorted (ids follow time)."""
        rng = self.rng
        span = YEARS * 365
        out = []
        for _ in range(self.n):
            # slightly more recent work than old (the programme grows)
            days_ago = int(span * (rng.random() ** 1.15))
            hour = rng.choice((8, 9, 9, 10, 10, 11, 14, 14, 15, 15, 16, 17, 19))
            minute = rng.randrange(60)
            second = rng.randrange(60)
            day = (self.anchor - dt.timedelta(days=days_ago + 1)).date()
            out.append(dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=self.tz))
        out.sort()
        return [t.astimezone(TZ_UTC) for t in out]

    def chunks(self, size: int = CHUNK) -> Iterator[Generated]:
        times = self.created_times()
        recent_cut = self.anchor - dt.timedelta(days=RECENT_DAYS)
        recent_st = list(RECENT_STATUS)
        recent_w = list(RECENT_STATUS.values())
        old_st = list(OLD_STATUS)
        old_w = list(OLD_STATUS.values())
        site_idx = list(range(len(self.sites)))
        for start in range(0, self.n, size):
            out = Generated()
            for created in times[start : start + size]:
                if created >= recent_cut:
                    status = self.rng.choices(recent_st, recent_w)[0]
                else:
                    status = self.rng.choices(old_st, old_w)[0]
                site = self.sites[self.rng.choices(site_idx, self.site_weights)[0]]
                self._case(out, created, status, site)
            yield out

    def _resident(self) -> int:
        if self.rng.random() < 0.3:
            return self.rng.randrange(self.n_repeat)  # repeat residents: about 6 cases each
        return self.n_repeat + self.rng.randrange(self.n_single)

    def _one(
        self,
        out: Generated,
        created: dt.datetime,
        status: str,
        site: SiteInfo,
        matter: tuple[int, int, str, bool],
        agent: tuple[int, int | None, str],
        resident: int,
        grid: int | None,
        case_no: str,
    ) -> None:
        rng = self.rng
        now = self.now
        case_id = self.next_id("case")
        matter_id, limit, matter_name, consultation = matter
        agent_id, agent_user, agent_name = agent
        groups: list[str] = []
        if rng.random() < 0.15:
            groups = sorted(rng.sample(SPECIAL, rng.choice((1, 1, 2))))
        channel = "doorstep" if groups else rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        local_day = created.astimezone(self.tz).date()
        due_at = self.due(local_day, limit)
        staff_user = site.staff_user
        events: list[tuple[dt.datetime, str, str, int | None, str, bool, dict[str, Any]]] = []

        # a clock that moves forward through the case's life, never past "now"
        end = now - dt.timedelta(minutes=5)
        if status in ("closed", "rejected", "withdrawn"):
            life = dt.timedelta(days=rng.uniform(2, max(3, limit * 1.6)), minutes=rng.randrange(600))
            end = min(end, created + life)
        elif status not in ("completed", "rectifying"):
            # still open: nothing has happened for a while (stuck cases are the overdue ones)
            end = min(end, created + dt.timedelta(days=max(1, limit) * 1.5))
        span = max((end - created).total_seconds(), 60.0)
        t = [created]

        def step(frac: float) -> dt.datetime:
            nxt = max(
                t[0] + dt.timedelta(seconds=1),
                t[0] + dt.timedelta(seconds=span * frac * rng.uniform(0.5, 1.0)),
            )
            nxt = min(nxt, end)
            if nxt <= t[0]:
                nxt = t[0] + dt.timedelta(seconds=1)
            t[0] = nxt
            return nxt

        def ev(
            kind: str,
            note: str,
            *,
            user: int | None = agent_user,
            name: str = agent_name,
            public: bool = True,
            data: dict[str, Any] | None = None,
            frac: float = 0.12,
        ) -> dt.datetime:
            at = step(frac)
            events.append((at, kind, note, user, name, public, data or {}))
            return at

        events.append(
            (
                created,
                "created",
                f"已受理：{matter_name}",
                staff_user,
                "站点工作人员",
                True,
                {"channel": channel, "special_groups": groups},
            )
        )
        assigned = status not in ("new",) and not (status in ("rejected", "withdrawn") and rng.random() < 0.4)
        fields: dict[str, Any] = {
            "department": "",
            "reference_no": "",
            "result": "",
            "delivery_method": "",
            "tracking_no": "",
            "materials_missing": [],
            "completed_at": None,
            "closed_at": None,
            "feedback_due_at": None,
        }
        path_done = status in ("completed", "rectifying", "closed")
        if assigned:
            ev("assigned", f"已分派帮办员：{agent_name}", data={"agent_id": agent_id})
        if (
            status == "awaiting_materials"
            or (path_done and rng.random() < 0.25)
            or (status in ("visited", "submitted") and rng.random() < 0.2)
        ):
            missing = rng.sample(MATERIALS, rng.choice((1, 2)))
            ev(
                "materials_requested",
                "一次性告知需补充材料：" + "；".join(missing),
                data={"materials_missing": missing},
            )
            if status == "awaiting_materials":
                fields["materials_missing"] = missing
        if status in ("visited", "submitted") or path_done:
            ev("visited", "已上门，材料齐全")
        if (status == "submitted" or path_done) and not consultation:
            dept = rng.choice(DEPARTMENTS)
            ref = f"ZW{created:%Y%m%d}{case_id % 100000:05d}"
            fields["department"], fields["reference_no"] = dept, ref
            ev(
                "submitted",
                f"已代为报送{dept}（受理号 {ref}）",
                data={"department": dept, "reference_no": ref},
            )
        if status in ("rejected", "withdrawn"):
            kind = status
            note = "不符合办理条件，已告知群众可咨询窗口" if kind == "rejected" else "群众申请撤回"
            fields["closed_at"] = ev(kind, note, user=staff_user, frac=0.5)
        rating_rows: list[tuple[Any, ...]] = []
        if path_done:
            if status in ("completed", "rectifying"):
                # recent completion: the feedback window (5 working days) is still running
                back = dt.timedelta(hours=rng.uniform(1, 40))
                completed_at = max(now - back, t[0] + dt.timedelta(seconds=1))
            else:
                completed_at = step(0.6)
            t[0] = completed_at
            delivery = rng.choices(DELIVERY, DELIVERY_WEIGHTS)[0]
            result = "已办理完成，结果已送达" if not consultation else "已就政策问题答复群众"
            fields.update(
                result=result,
                delivery_method=delivery if not consultation else "door",
                tracking_no=f"SF{case_id:010d}" if delivery == "mail" and not consultation else "",
                completed_at=completed_at,
                feedback_due_at=self.due(completed_at.astimezone(self.tz).date(), FEEDBACK_WINDOW_WORKDAYS),
            )
            events.append(
                (
                    completed_at,
                    "answered" if consultation else "completed",
                    f"已办结：{result}",
                    agent_user,
                    agent_name,
                    True,
                    {"delivery_method": fields["delivery_method"]},
                )
            )
            self._ratings(
                out,
                events,
                fields,
                status,
                case_id,
                site,
                agent_id,
                agent_user,
                agent_name,
                completed_at,
                rating_rows,
            )
        # pad to at least 3 (at most 8, more only with the bad-rating loop) with notes and progress updates,
        # placed before the case's last state change so the status path stays in order
        target = rng.randint(3, 8)
        limit_at = fields["completed_at"] or fields["closed_at"] or end
        submitted_at = next((e[0] for e in events if e[1] == "submitted"), None)
        while len(events) < target:
            lo = events[0][0]
            at = lo + dt.timedelta(seconds=rng.uniform(1, max(2.0, (limit_at - lo).total_seconds() - 1)))
            if assigned and rng.random() < 0.6:
                kind = "progress" if submitted_at is not None and at > submitted_at else "note"
                events.append((at, kind, rng.choice(NOTES), agent_user, agent_name, True, {}))
            else:
                events.append((at, "note", rng.choice(NOTES), staff_user, "站点工作人员", False, {}))
        events.sort(key=lambda e: e[0])
        if status == "closed" and fields["closed_at"] is None:
            fields["closed_at"] = events[-1][0]
        updated_at = events[-1][0]
        out.cases.append(
            (
                case_id,
                case_no,
                site.id,
                grid,
                matter_id,
                self.resident_name(resident),
                self.phone(resident),
                "",
                self.resident_address(resident, site),
                f"群众申请办理{matter_name}",
                channel,
                groups,
                (SPECIAL_GROUP_PRIORITY + len(groups)) if groups else 0,
                status,
                due_at,
                agent_id if assigned else None,
                fields["department"],
                fields["reference_no"],
                fields["result"],
                fields["delivery_method"],
                fields["tracking_no"],
                fields["materials_missing"],
                staff_user,
                None,
                created,
                updated_at,
                fields["completed_at"],
                fields["closed_at"],
                fields["feedback_due_at"],
                None,  # visit_at: bulk cases carry no agreed visit time
                None,  # bundle_parent_id: bulk cases are single matters
            )
        )
        for at, kind, note, user, name, public, data in events:
            out.events.append((self.next_id("event"), case_id, at, kind, note, user, name, public, data))

    def _ratings(
        self,
        out: Generated,
        events: list[Any],
        fields: dict[str, Any],
        status: str,
        case_id: int,
        site: SiteInfo,
        agent_id: int,
        agent_user: int | None,
        agent_name: str,
        completed_at: dt.datetime,
        rating_rows: list[Any],
    ) -> None:
        rng = self.rng
        now = self.now
        if status == "completed":
            if rng.random() < 0.3:
                at = min(
                    now - dt.timedelta(minutes=1), completed_at + dt.timedelta(hours=rng.uniform(0.5, 20))
                )
                value = rng.choice((4, 5, 5))
                self._rating(out, case_id, site, agent_id, value, at, followup=False)
                events.append((at, "rating", f"群众评价：{value}星", None, "群众", True, {"value": value}))
            return
        if status == "rectifying":
            at = min(now - dt.timedelta(minutes=2), completed_at + dt.timedelta(hours=rng.uniform(0.2, 10)))
            value = rng.choice((1, 2))
            rid = self._rating(out, case_id, site, agent_id, value, at, followup=False, bad=True)
            events.append((at, "rating", f"群众评价：{value}星", None, "群众", True, {"value": value}))
            events.append(
                (
                    at + dt.timedelta(seconds=1),
                    "rectifying",
                    "收到差评，进入整改",
                    None,
                    "系统",
                    True,
                    {"rating_id": rid},
                )
            )
            return
        # closed: rated (70%) or closed when the feedback window ended
        latest = now - dt.timedelta(minutes=10)
        if fields["feedback_due_at"] < latest and rng.random() < 0.3:
            closed = fields["feedback_due_at"] + dt.timedelta(minutes=rng.randrange(1, 600))
            closed = min(closed, now - dt.timedelta(minutes=1))
            fields["closed_at"] = closed
            events.append((closed, "closed", "评价期满，系统自动关闭", None, "系统", True, {}))
            return
        at = min(completed_at + dt.timedelta(hours=rng.uniform(0.5, 60)), latest)
        value = rng.choices(RATING_VALUES, RATING_WEIGHTS)[0]
        if at + dt.timedelta(days=8) > latest:
            value = max(
                value, 3
            )  # the bad-rating loop (call-back, rectification) takes days: older cases only
        bad = value <= 2
        rid = self._rating(out, case_id, site, agent_id, value, at, followup=False, bad=bad)
        events.append((at, "rating", f"群众评价：{value}星", None, "群众", True, {"value": value}))
        last = at
        if bad:
            events.append(
                (
                    at + dt.timedelta(seconds=1),
                    "rectifying",
                    "收到差评，进入整改",
                    None,
                    "系统",
                    True,
                    {"rating_id": rid},
                )
            )
            cb_at = at + dt.timedelta(hours=rng.uniform(2, 20))
            out.callbacks.append(
                (self.next_id("callback"), rid, cb_at, agent_user, True, "已电话回访群众，了解不满意原因")
            )
            rect_at = cb_at + dt.timedelta(hours=rng.uniform(4, 60))
            out.rectifications.append(
                (
                    self.next_id("rectification"),
                    rid,
                    rect_at,
                    agent_user,
                    "已加强业务培训，重新为群众办理",
                    rect_at,
                )
            )
            events.append((rect_at, "rectified", "已整改并告知群众", agent_user, agent_name, True, {}))
            last = rect_at
            if rng.random() < 0.6:
                f_at = rect_at + dt.timedelta(hours=rng.uniform(1, 48))
                f_value = rng.choice((3, 4, 5, 5))
                self._rating(out, case_id, site, agent_id, f_value, f_at, followup=True)
                events.append(
                    (f_at, "rating", f"群众追评：{f_value}星", None, "群众", True, {"value": f_value})
                )
                last = f_at
        closed = min(last + dt.timedelta(hours=rng.uniform(1, 30)), now - dt.timedelta(minutes=1))
        closed = max(closed, last + dt.timedelta(seconds=1))
        fields["closed_at"] = closed
        events.append((closed, "closed", "案件已关闭", agent_user, agent_name, True, {}))
        events.sort(key=lambda e: e[0])

    def _rating(
        self,
        out: Generated,
        case_id: int,
        site: SiteInfo,
        agent_id: int,
        value: int,
        at: dt.datetime,
        *,
        followup: bool,
        bad: bool = False,
    ) -> int:
        rid = self.next_id("rating")
        callback_due = self.due(at.astimezone(self.tz).date(), 1) if bad else None
        rectify_due = self.due(at.astimezone(self.tz).date(), 5) if bad else None
        out.ratings.append(
            (
                rid,
                case_id,
                site.id,
                agent_id,
                value,
                "" if value >= 4 else "希望办事再快一些",
                {},
                followup,
                self.rng.choice(("track", "sms_link", "sms_link")),
                at,
                callback_due,
                rectify_due,
                None,
                None,
                False,
                None,
            )
        )
        return rid


# --- writing ---------------------------------------------------------------------------------------------

TABLES: list[tuple[str, Any, list[str], str]] = [
    ("case", Case, CASE_FIELDS, "cases"),
    ("event", CaseEvent, EVENT_FIELDS, "events"),
    ("rating", Rating, RATING_FIELDS, "ratings"),
    ("callback", Callback, CALLBACK_FIELDS, "callbacks"),
    ("rectification", Rectification, RECT_FIELDS, "rectifications"),
]

_EXPECTED = {
    "case": [
        "id",
        "case_no",
        "site_id",
        "grid_id",
        "matter_id",
        "resident_name",
        "resident_phone",
        "id_number",
        "address",
        "description",
        "channel",
        "special_groups",
        "priority",
        "status",
        "due_at",
        "assigned_agent_id",
        "department",
        "reference_no",
        "result",
        "delivery_method",
        "tracking_no",
        "materials_missing",
        "created_by_id",
        "process_id",
        "created_at",
        "updated_at",
        "completed_at",
        "closed_at",
        "feedback_due_at",
        "visit_at",
        "bundle_parent_id",
    ],
    "event": ["id", "case_id", "at", "kind", "note", "actor_id", "actor_name", "public", "data"],
    "rating": [
        "id",
        "case_id",
        "site_id",
        "agent_id",
        "value",
        "comment",
        "aspects",
        "is_followup",
        "channel",
        "created_at",
        "callback_due_at",
        "rectify_due_at",
        "callback_escalated_at",
        "rectify_escalated_at",
        "excluded",
        "excluded_at",
    ],
    "callback": ["id", "rating_id", "at", "by_id", "reached", "note"],
    "rectification": ["id", "rating_id", "at", "by_id", "report", "resident_notified_at"],
}


def check_model_shape() -> None:
    """The tuples above follow the models' field order; fail loudly if someone changed a model."""
    for key, _model, fields_, _attr in TABLES:
        if fields_ != _EXPECTED[key]:
            raise RuntimeError(
                f"bench_data: {key} fields changed ({fields_} != {_EXPECTED[key]}); "
                "update workflows/benchdata.py"
            )


def _first_ids() -> dict[str, int]:
    ids = {}
    for key, model, _f, _a in TABLES:
        top = model.objects.aggregate(m=models.Max("id"))["m"] or 0
        ids[key] = top + 1
    return ids


def _write_postgres(chunk: Generated) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
        for _key, model, fields_, attr in TABLES:
            rows = getattr(chunk, attr)
            if not rows:
                continue
            json_idx = [i for i, f in enumerate(fields_) if f in JSON_FIELDS[model]]
            cols = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields_)  # type: ignore[union-attr,arg-type]
            sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({cols}) FROM STDIN"
            with raw.copy(sql) as copy:
                for row in rows:
                    if json_idx:
                        row = list(row)
                        for i in json_idx:
                            row[i] = _json(row[i])
                    copy.write_row(row)


def _write_orm(chunk: Generated) -> None:
    for _key, model, fields_, attr in TABLES:
        rows = getattr(chunk, attr)
        if rows:
            json_fields = JSON_FIELDS[model]
            objs = []
            for row in rows:
                values = dict(zip(fields_, row, strict=True))
                for name in json_fields:
                    if isinstance(values[name], str):
                        values[name] = json.loads(values[name])
                objs.append(model(**values))
            model.objects.bulk_create(objs, batch_size=2000)


def _pg_prepare_fast_load(progress: Callable[[str], None] | None) -> list[str]:
    """Inside the load's transaction: FK triggers off if allowed; drop the plain secondary indexes of the
    loaded tables and return the statements that recreate them (constraint-backed ones stay)."""
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            # An ordinary database owner keeps the FK triggers. Django's FKs are DEFERRABLE INITIALLY
            # DEFERRED: left so, every COPY queues its checks until commit, and the index rebuild at the end
            # fails ("cannot CREATE INDEX ... because it has pending trigger events"), besides holding
            # millions of queued events in memory. IMMEDIATE checks each COPY's rows as it ends.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if progress:
                progress("not a superuser: foreign keys are checked row by row (slower)")
        tables = [model._meta.db_table for _k, model, _f, _a in TABLES]
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [tables],
        )
        rows = cursor.fetchall()
        for name, _definition in rows:
            cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in rows]


def _reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for _key, model, _f, _a in TABLES:
            table = model._meta.db_table
            cursor.execute(
                # table names come from the models, not from input
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {table}), 1))",
                [table],
            )


@dataclass
class LoadResult:
    """Counts and timings of one load."""

    cases: int = 0
    events: int = 0
    ratings: int = 0
    seconds: float = 0.0
    sample: list[dict[str, str]] = field(default_factory=list)


def start_of_today() -> dt.datetime:
    local = timezone.localtime(timezone.now(), local_tz())
    return dt.datetime.combine(local.date(), dt.time(), tzinfo=local_tz())


def bench_load(
    *,
    n: int,
    seed: int = 1,
    anchor: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
    chunk_size: int = CHUNK,
) -> LoadResult:
    """Generate and write ``n`` cases (see the module docstring). Returns counts and a sample of 1,000."""
    check_model_shape()
    sites = load_sites()
    if not sites:
        raise RuntimeError("no active sites with matters and agents: load demo_data first")
    started = time.monotonic()
    existing = Case.objects.count()
    gen = Generator(
        n=n,
        seed=seed * 1_000_003 + existing,  # appending: same DB state + seed → same rows
        sites=sites,
        anchor=anchor or start_of_today(),
        first_ids=_first_ids(),
    )
    if existing:
        gen.used_case_nos.update(Case.objects.values_list("case_no", flat=True).iterator(chunk_size=10_000))
    result = LoadResult()
    sample_rng = random.Random(seed ^ 0x5EED)
    sample_idx = set(sample_rng.sample(range(n), min(SAMPLE_SIZE, n)))
    pg = connection.vendor == "postgresql"
    # A fresh PostgreSQL load runs as one transaction: FK triggers off (``session_replication_role``,
    # superuser only: the ids are assigned here, so the rows are consistent by construction), plain
    # secondary indexes dropped and rebuilt once at the end (much cheaper than maintaining them per row).
    # If anything fails the whole load rolls back, indexes included. Appending keeps per-chunk transactions.
    fast = pg and not existing
    with transaction.atomic() if fast else contextlib.nullcontext():
        rebuild: list[str] = []
        if fast:
            rebuild = _pg_prepare_fast_load(progress)
        seen = 0
        for chunk in gen.chunks(chunk_size):
            with transaction.atomic():
                if pg:
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit = off")
                    _write_postgres(chunk)
                else:
                    _write_orm(chunk)
            for row in chunk.cases:
                if seen in sample_idx:
                    result.sample.append({"case_no": row[1], "phone": row[6]})
                seen += 1
            result.cases += len(chunk.cases)
            result.events += len(chunk.events)
            result.ratings += len(chunk.ratings)
            if progress:
                rate = result.cases / max(time.monotonic() - started, 1e-6)
                progress(f"{result.cases}/{n} cases, {result.events} events ({rate:,.0f} cases/s)")
        if fast:
            with connection.cursor() as cursor, contextlib.suppress(DatabaseError), transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = origin")
        if rebuild:
            t0 = time.monotonic()
            with connection.cursor() as cursor:
                # nothing may stay queued when the indexes are rebuilt (see _pg_prepare_fast_load)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for sql in rebuild:
                    cursor.execute(sql)
            if progress:
                progress(f"rebuilt {len(rebuild)} indexes in {time.monotonic() - t0:.1f} s")
    _reset_sequences()
    if pg:
        # VACUUM too when allowed (not inside a transaction, e.g. a test): it sets the visibility map, so
        # index-only scans (COUNTs of the lists) behave as on a long-running database, not a fresh bulk load
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for _key, model, _f, _a in TABLES:
                cursor.execute(f"{command} {model._meta.db_table}")
    result.seconds = time.monotonic() - started
    return result
