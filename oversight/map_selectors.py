"""Reads for the public service map (政务服务地图): sites with hours, open-now, distance and duty agents.

Opening hours are free text typed by staff (``周一至周五 8:30-17:30``); ``hours_parse`` understands the
common shapes and answers ``None`` (unknown) for the rest, so the page says "以现场为准" rather than guess.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from agency.models import DutyShift, Matter, Site
from agency.selectors import agent_public_phone, matter_list_public
from core import workdays

_DAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_DAY_CHARS = "一二三四五六日天七"
_RANGE_DAYS = re.compile(
    rf"(?:周|星期)([{_DAY_CHARS}])\s*(?:至|到|-|—|–|~|～)\s*(?:周|星期)?([{_DAY_CHARS}])"
)
_SINGLE_DAY = re.compile(rf"(?:周|星期)([{_DAY_CHARS}])")
_TIME_RANGE = re.compile(
    r"(上午|下午|晚上)?\s*(\d{1,2})(?:[:：](\d{2}))?\s*(?:-|—|–|~|～|至|到)\s*(上午|下午|晚上)?\s*(\d{1,2})(?:[:：](\d{2}))?"
)
_SEGMENT_SPLIT = re.compile(r"[;；\n]|[，,](?=\s*(?:周|星期|工作日|节假日|每天|每日))")

WEEKDAYS = frozenset(range(5))
ALL_DAYS = frozenset(range(7))


@dataclass(frozen=True)
class HoursRule:
    """Open on ``days`` (0 = Monday) during ``spans`` (minutes after midnight, end exclusive).

    ``workdays_only``: follow the official calendar (holidays closed, make-up Saturdays open) — used for
    ``工作日`` and ``周一至周五``, the government week.
    """

    days: frozenset[int]
    spans: tuple[tuple[int, int], ...]
    workdays_only: bool = False


def _minutes(prefix: str | None, hour: str, minute: str | None) -> int:
    h = int(hour)
    if prefix in ("下午", "晚上") and h < 12:
        h += 12
    return h * 60 + int(minute or 0)


def _segment_days(text: str) -> tuple[frozenset[int] | None, bool]:
    if "工作日" in text:
        return WEEKDAYS, True
    if any(word in text for word in ("每天", "每日", "全天", "全年", "周一至周日", "周一到周日")):
        return ALL_DAYS, False
    days: set[int] = set()
    for a, b in _RANGE_DAYS.findall(text):
        start, end = _DAY[a], _DAY[b]
        days.update(range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)])
    stripped = _RANGE_DAYS.sub("", text)
    days.update(_DAY[d] for d in _SINGLE_DAY.findall(stripped))
    if not days:
        return None, False
    return frozenset(days), frozenset(days) == WEEKDAYS


def hours_parse(text: str) -> list[HoursRule] | None:
    """Rules for free-text opening hours, or None when the text is not understood.

    Understands ``周一至周五 8:30-17:30``, ``工作日 上午8:30-12:00 下午1:30-5:30``,
    ``周一至周五 9:00-17:00；周六 9:00-12:00``, ``每天 8:00-20:00`` and ``24小时``.
    """
    text = (text or "").strip()
    if not text:
        return None
    if "24小时" in text or "24 小时" in text or "全天候" in text:
        return [HoursRule(days=ALL_DAYS, spans=((0, 24 * 60),))]
    rules: list[HoursRule] = []
    last_days: frozenset[int] | None = None
    last_workdays = False
    for segment in (s for s in _SEGMENT_SPLIT.split(text) if s.strip()):
        days, workdays_only = _segment_days(segment)
        if days is None:
            days, workdays_only = last_days, last_workdays
        # Take times only from what follows the day words, so "周一至周五" is never read as a time.
        time_text = _SINGLE_DAY.sub(" ", _RANGE_DAYS.sub(" ", segment))
        spans = []
        for p1, h1, m1, p2, h2, m2 in _TIME_RANGE.findall(time_text):
            start = _minutes(p1, h1, m1)
            end = _minutes(p2 or p1 or ("下午" if int(h2) < int(h1) else None), h2, m2)
            if 0 <= start < end <= 24 * 60:
                spans.append((start, end))
        if not spans:
            continue
        rules.append(HoursRule(days=days or ALL_DAYS, spans=tuple(spans), workdays_only=workdays_only))
        last_days, last_workdays = days, workdays_only
    return rules or None


def is_open_at(text: str, when: dt.datetime) -> bool | None:
    """True/False for an understood ``text`` at local time ``when``; None when unknown."""
    rules = hours_parse(text)
    if rules is None:
        return None
    local = timezone.localtime(when) if timezone.is_aware(when) else when
    day = local.date()
    minute = local.hour * 60 + local.minute
    for rule in rules:
        applies = workdays.is_workday(day) if rule.workdays_only else day.weekday() in rule.days
        if applies and any(start <= minute < end for start, end in rule.spans):
            return True
    return False


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine), good to a few metres at town scale."""
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def parse_coord(value: str | None, *, limit: float) -> float | None:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or not -limit <= number <= limit:
        return None
    return number


@dataclass
class DutyAgent:
    name: str
    phone: str


@dataclass
class MapEntry:
    """One site as the map shows it."""

    site: Site
    open_now: bool | None
    distance_km: float | None
    matters: list[Matter] = field(default_factory=list)
    on_duty: list[DutyAgent] = field(default_factory=list)

    @property
    def lat(self) -> float | None:
        return float(self.site.lat) if self.site.lat is not None else None

    @property
    def lng(self) -> float | None:
        return float(self.site.lng) if self.site.lng is not None else None

    @property
    def geo_uri(self) -> str:
        if self.lat is None or self.lng is None:
            return f"geo:0,0?q={quote(self.site.address or self.site.name)}"
        return f"geo:{self.lat},{self.lng}?q={self.lat},{self.lng}({quote(self.site.name)})"

    @property
    def amap_uri(self) -> str:
        if self.lat is None or self.lng is None:
            return f"https://uri.amap.com/search?keyword={quote(self.site.address or self.site.name)}"
        return (
            f"https://uri.amap.com/marker?position={self.lng},{self.lat}&name={quote(self.site.name)}"
            "&coordinate=wgs84&callnative=1"
        )

    @property
    def baidu_uri(self) -> str:
        if self.lat is None or self.lng is None:
            return (
                f"https://api.map.baidu.com/geocoder?address={quote(self.site.address or self.site.name)}"
                "&output=html&src=bangban"
            )
        return (
            f"https://api.map.baidu.com/marker?location={self.lat},{self.lng}&title={quote(self.site.name)}"
            f"&content={quote(self.site.address)}&output=html&coord_type=wgs84&src=bangban"
        )

    @property
    def distance_label(self) -> str:
        if self.distance_km is None:
            return ""
        if self.distance_km < 1:
            return f"{round(self.distance_km * 1000)} 米"
        return f"{self.distance_km:.1f} 公里"


@dataclass
class MapQuery:
    """What the visitor asked: an origin (coordinates or a typed place) and filters."""

    lat: float | None = None
    lng: float | None = None
    place: str = ""
    matter: str = ""
    kind: str = ""
    origin_label: str = ""
    place_not_found: bool = False


def place_locate(text: str) -> tuple[float, float, str] | None:
    """Coordinates of a typed village/community/site name: the best-matching site that has coordinates."""
    text = (text or "").strip()[:64]
    if not text:
        return None
    candidates = (
        Site.objects.filter(is_active=True, lat__isnull=False, lng__isnull=False)
        .filter(Q(name__icontains=text) | Q(area__name__icontains=text) | Q(address__icontains=text))
        .select_related("area")
        .order_by("kind", "code")
    )
    # Prefer a village station (the village itself), then the center, then anything else.
    rank: dict[str, int] = {Site.Kind.STATION.value: 0, Site.Kind.CENTER.value: 1}
    best = min(candidates[:50], key=lambda s: (rank.get(str(s.kind), 2), s.code), default=None)
    if best is None:
        return None
    return float(best.lat), float(best.lng), best.name  # type: ignore[arg-type]


def map_matter_choices() -> QuerySet[Matter]:
    """The map's matter filter: the matters a resident can ask for on their own (no 一件事's own matter)."""
    return matter_list_public()


def map_entries(query: MapQuery, *, now: dt.datetime | None = None) -> list[MapEntry]:
    """Active sites for the map, filtered and (with an origin) nearest first. Query count is constant."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if query.place and query.lat is None:
        found = place_locate(query.place)
        if found:
            query.lat, query.lng, query.origin_label = found
        else:
            query.place_not_found = True
    sites = Site.objects.filter(is_active=True).select_related("parent")
    if query.matter:
        sites = sites.filter(site_matters__matter__code=query.matter, site_matters__matter__is_active=True)
    if query.kind in Site.Kind.values:
        sites = sites.filter(kind=query.kind)
    sites = sites.distinct().prefetch_related(
        Prefetch("matters", queryset=Matter.objects.filter(is_active=True).order_by("sort_order", "code")),
        Prefetch(
            "duty_shifts",
            queryset=DutyShift.objects.filter(date=today, agent__is_active=True).select_related("agent"),
            to_attr="today_shifts",
        ),
    )
    entries = []
    for site in sites.order_by("code"):
        distance = None
        if query.lat is not None and query.lng is not None and site.lat is not None and site.lng is not None:
            distance = distance_km(query.lat, query.lng, float(site.lat), float(site.lng))
        entries.append(
            MapEntry(
                site=site,
                open_now=is_open_at(site.hours, now),
                distance_km=distance,
                matters=list(site.matters.all()),
                on_duty=[
                    DutyAgent(name=shift.agent.name, phone=agent_public_phone(shift.agent, site))
                    for shift in site.today_shifts  # type: ignore[attr-defined]
                ],
            )
        )
    if query.lat is not None:
        # Sites without coordinates go last, in code order.
        entries.sort(key=lambda e: (e.distance_km is None, e.distance_km or 0.0, e.site.code))
    else:
        kind_order = {k: i for i, k in enumerate(Site.Kind.values)}
        entries.sort(key=lambda e: (kind_order.get(e.site.kind, 9), e.site.code))
    return entries


def as_marker(entry: MapEntry) -> dict[str, object]:
    """What ``static/js/map.js`` needs for one marker (only public fields)."""
    return {
        "code": entry.site.code,
        "name": entry.site.name,
        "kind": entry.site.kind,
        "lat": entry.lat,
        "lng": entry.lng,
        "address": entry.site.address,
        "phone": entry.site.phone,
        "open_now": entry.open_now,
    }
