"""Writes of areas, sites (and the matters each offers), grids and the matter catalog."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from agency.models import Area, Grid, Matter, Site, SiteMatter
from agency.services._common import apply_changes, audit
from core.models import User

SITE_UPDATABLE = frozenset(
    {
        "name",
        "kind",
        "tier",
        "partner_type",
        "area",
        "parent",
        "address",
        "lat",
        "lng",
        "phone",
        "hours",
        "policy_text",
        "capabilities",
        "is_active",
    }
)
MATTER_UPDATABLE = frozenset(
    {
        "name",
        "category",
        "materials",
        "time_limit_days",
        "doorstep",
        "handling_level",
        "fee",
        "keywords",
        "service_url",
        "video_url",
        "guide",
        "is_consultation",
        "is_active",
        "sort_order",
    }
)


# --- areas, sites, grids -------------------------------------------------------------------------------


@transaction.atomic
def area_create(
    *, code: str, name: str, level: str, parent: Area | None = None, actor: User | None = None
) -> Area:
    area = Area(code=code.strip(), name=name.strip(), level=level, parent=parent)
    area.full_clean()
    area.save()
    audit(actor, "area_create", area, code=area.code, name=area.name, level=level)
    return area


@transaction.atomic
def site_create(
    *,
    code: str,
    name: str,
    kind: str,
    area: Area,
    parent: Site | None = None,
    tier: str = "",
    partner_type: str = "",
    address: str = "",
    lat: Any = None,
    lng: Any = None,
    phone: str = "",
    hours: str = "",
    policy_text: str = "",
    capabilities: str = "",
    is_active: bool = True,
    actor: User | None = None,
) -> Site:
    """Create a center, station, partner point or self-service terminal."""
    site = Site(
        code=code.strip(),
        name=name.strip(),
        kind=kind,
        area=area,
        parent=parent,
        tier=tier,
        partner_type=partner_type,
        address=address,
        lat=lat,
        lng=lng,
        phone=phone,
        hours=hours,
        policy_text=policy_text,
        capabilities=capabilities,
        is_active=is_active,
    )
    _site_check(site)
    site.full_clean()
    site.save()
    audit(actor, "site_create", site, code=site.code, name=site.name, kind=kind)
    return site


def _site_check(site: Site) -> None:
    # A center is the top of the tree; everything else hangs off a center
    # (or nothing, for district-level points).
    if site.parent is not None:
        if site.kind == Site.Kind.CENTER:
            raise ValidationError({"parent": ["便民服务中心不能有上级中心。"]})
        if site.parent.kind != Site.Kind.CENTER:
            raise ValidationError({"parent": ["上级必须是镇（街道）便民服务中心。"]})
    if site.partner_type and site.kind != Site.Kind.PARTNER:
        raise ValidationError({"partner_type": ["只有合作网点才有合作类型。"]})


@transaction.atomic
def site_update(*, site: Site, actor: User | None = None, **fields: Any) -> Site:
    """Change a site's fields (``name``, ``address``, ``hours``, ``policy_text`` …; not ``code``)."""
    changed = apply_changes(site, SITE_UPDATABLE, fields)
    if not changed:
        return site
    _site_check(site)
    site.full_clean()
    site.save()
    audit(actor, "site_update", site, **changed)
    return site


@transaction.atomic
def site_matter_enable(*, site: Site, matter: Matter, actor: User | None = None) -> SiteMatter:
    """Offer ``matter`` at ``site`` (idempotent)."""
    link, created = SiteMatter.objects.get_or_create(site=site, matter=matter)
    if created:
        audit(actor, "site_matter_enable", site, matter=matter.code)
    return link


@transaction.atomic
def site_matter_disable(*, site: Site, matter: Matter, actor: User | None = None) -> bool:
    """Stop offering ``matter`` at ``site``; returns whether it was offered."""
    deleted, _ = SiteMatter.objects.filter(site=site, matter=matter).delete()
    if deleted:
        audit(actor, "site_matter_disable", site, matter=matter.code)
    return bool(deleted)


@transaction.atomic
def grid_create(*, code: str, name: str, site: Site, actor: User | None = None) -> Grid:
    if site.kind != Site.Kind.STATION:
        raise ValidationError({"site": ["网格只能属于便民服务站。"]})
    grid = Grid(code=code.strip(), name=name.strip(), site=site)
    grid.full_clean()
    grid.save()
    audit(actor, "grid_create", grid, code=grid.code, site=site.code)
    return grid


# --- matters -------------------------------------------------------------------------------------------


def _clean_materials(materials: Iterable[str] | None) -> list[str]:
    return [str(m).strip() for m in (materials or []) if str(m).strip()]


@transaction.atomic
def matter_create(
    *,
    code: str,
    name: str,
    category: str,
    materials: Iterable[str] | None = None,
    time_limit_days: int = 5,
    doorstep: bool = True,
    handling_level: str = Matter.Level.TOWN,
    fee: str = "不收费",
    guide: str = "",
    keywords: str = "",
    service_url: str = "",
    video_url: str = "",
    is_consultation: bool = False,
    is_active: bool = True,
    sort_order: int = 0,
    actor: User | None = None,
) -> Matter:
    matter = Matter(
        code=code.strip(),
        name=name.strip(),
        category=category,
        materials=_clean_materials(materials),
        time_limit_days=time_limit_days,
        doorstep=doorstep,
        handling_level=handling_level,
        fee=fee,
        guide=guide,
        keywords=keywords.strip(),
        service_url=service_url.strip(),
        video_url=video_url.strip(),
        is_consultation=is_consultation,
        is_active=is_active,
        sort_order=sort_order,
    )
    matter.full_clean()
    matter.save()
    audit(actor, "matter_create", matter, code=matter.code, name=matter.name)
    return matter


@transaction.atomic
def matter_update(*, matter: Matter, actor: User | None = None, **fields: Any) -> Matter:
    if "materials" in fields:
        fields["materials"] = _clean_materials(fields["materials"])
    changed = apply_changes(matter, MATTER_UPDATABLE, fields)
    if not changed:
        return matter
    matter.full_clean()
    matter.save()
    audit(actor, "matter_update", matter, **changed)
    return matter
