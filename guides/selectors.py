"""Reads behind the public guides: a matter's 办事指南 at a station, and a station's leaflet.

Everything a poster or leaflet prints comes from here (the catalogue, the station record, the published roster),
so the PDF, the web page and the roster never disagree. Query counts do not depend on the number of matters.
"""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from agency import selectors as agency_selectors
from agency.models import Matter, Site
from core.exceptions import ApplicationError
from core.phones import phone_display

# Where a resident starts an online request for a matter (the online application pages register this name).
ONLINE_START_URL_NAME = "online:start"
MAX_POSTER_AGENTS = 6


@dataclass(frozen=True)
class GuideAgent:
    name: str
    role_label: str
    phone: str


@dataclass(frozen=True)
class MatterGuide:
    """One matter as a station's poster/guide shows it."""

    matter: Matter
    site: Site | None
    materials: list[str]
    agents: list[GuideAgent]
    guide_url: str
    apply_url: str
    track_url: str
    service_url: str
    video_url: str
    level_label: str = ""
    notes: list[str] = field(default_factory=list)


def absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def matter_get_public(code: str) -> Matter:
    """A public matter by code (a 一件事's own row is not one); 404 ``ApplicationError`` otherwise."""
    matter = agency_selectors.matter_list_public().filter(code=code[:32]).first()
    if matter is None:
        raise ApplicationError("未找到该事项。", {"code": code[:32]}, status=404)
    return matter


def site_matter_get(site_code: str, matter_code: str) -> tuple[Site, Matter]:
    """A station and a public matter it offers; 404 otherwise."""
    site = agency_selectors.site_get_public(site_code[:32])
    matter = next((m for m in agency_selectors.site_matters_public(site) if m.code == matter_code[:32]), None)
    if matter is None or matter.code.startswith(agency_selectors.BUNDLE_MATTER_PREFIX):
        raise ApplicationError(
            "该站点不办理此事项。", {"site": site.code, "matter": matter_code[:32]}, status=404
        )
    return site, matter


def guide_url(matter: Matter, site: Site | None = None) -> str:
    path = reverse("guides:matter", args=[matter.code])
    return absolute(f"{path}?site={site.code}" if site is not None else path)


def apply_url(matter: Matter, site: Site | None = None) -> str:
    """The online application address for ``matter`` (at ``site``), or "" where online application is not
    installed: the poster then prints the progress-query code instead of an address that would not answer."""
    try:
        path = reverse(ONLINE_START_URL_NAME, args=[matter.code])
    except NoReverseMatch:
        return ""
    return absolute(f"{path}?site={site.code}" if site is not None else path)


def _agents_for(site: Site, matter: Matter | None) -> list[GuideAgent]:
    roster = agency_selectors.site_roster(site)
    chosen = [e for e in roster if matter is None or matter.code in e.scopes] or roster
    return [
        GuideAgent(name=e.name, role_label=e.role_label, phone=phone_display(e.phone))
        for e in chosen[:MAX_POSTER_AGENTS]
    ]


def matter_guide(matter: Matter, site: Site | None = None) -> MatterGuide:
    return MatterGuide(
        matter=matter,
        site=site,
        materials=[str(m) for m in matter.materials or []],
        agents=_agents_for(site, matter) if site is not None else [],
        guide_url=guide_url(matter, site),
        apply_url=apply_url(matter, site),
        track_url=absolute("/track/"),
        service_url=matter.service_url,
        video_url=matter.video_url,
        level_label=str(matter.get_handling_level_display()),
    )


def sites_offering(matter: Matter) -> list[Site]:
    """Active sites that offer ``matter``, by code."""
    return list(Site.objects.filter(is_active=True, site_matters__matter=matter).order_by("code").distinct())


@dataclass(frozen=True)
class Leaflet:
    """A station's folded leaflet (工作折页): who it is, what it does for whom, how to reach it."""

    site: Site
    matters: list[Matter]
    agents: list[GuideAgent]
    track_url: str
    guides_url: str
    phone: str


def site_leaflet(site: Site) -> Leaflet:
    return Leaflet(
        site=site,
        matters=[
            m
            for m in agency_selectors.site_matters_public(site)
            if not m.code.startswith(agency_selectors.BUNDLE_MATTER_PREFIX)
        ],
        agents=_agents_for(site, None),
        track_url=absolute("/track/"),
        guides_url=absolute(f"{reverse('guides:index')}?site={site.code}"),
        phone=phone_display(site.phone),
    )


def site_page_section(site: Site) -> dict[str, Any]:
    """The printable materials of a station, for its roster page (``settings.SITE_PAGE_SECTIONS``)."""
    return {
        "title": "办事指南与宣传资料",
        "items": [
            {
                "name": "工作折页（PDF）",
                "detail": "三折页，双面打印",
                "url": reverse("guides:leaflet", args=[site.code]),
            },
            {
                "name": "事项办事指南与海报",
                "detail": "每个事项一张 A4 海报",
                "url": f"{reverse('guides:index')}?site={site.code}",
            },
        ],
    }
