"""``load_demo``: the demo district written row by row, each looked up by a stable key (idempotent)."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.utils.module_loading import import_string

from agency import services
from agency.demo.catalog import (
    STATION_EXCLUDED,
    VILLAGE_CATEGORIES,
    C,
    by_category,
    load_matters,
    set_site_matters,
)
from agency.demo.district import (
    DISTRICT_CODE,
    DISTRICT_NAME,
    PARTNER_MATTERS,
    PARTNERS,
    POLICY_TEMPLATE,
    STATION_HOURS,
    TOWNS,
    WEEKDAY_HOURS,
)
from agency.demo.people import AgentMaker, backup_pair, duty_rota, user_account
from agency.models import Agent, Area, DutyShift, Grid, Matter, Site, SiteMatter
from core.models import User

DEFAULT_PASSWORD = "bangban-demo"

M = TypeVar("M", bound=models.Model)


@dataclass
class DemoResult:
    """What ``load_demo`` made: the login accounts (for printing) and row counts."""

    accounts: list[dict[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _upsert(model: type[M], lookup: dict[str, Any], values: dict[str, Any]) -> M:
    """Get by ``lookup`` (or make), set ``values``, full_clean, save: stable keys keep re-runs idempotent."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup)
    for key, value in values.items():
        setattr(obj, key, value)
    obj.full_clean()
    obj.save()
    return obj


def _area(code: str, fields: dict[str, Any]) -> Area:
    area = Area.objects.filter(code=code).first()
    if area is None:
        return services.area_create(code=code, **fields)
    # TODO(agency.services): there is no area_update service yet.
    return _upsert(Area, {"code": code}, fields)


def _site(code: str, fields: dict[str, Any]) -> Site:
    site = Site.objects.filter(code=code).first()
    if site is None:
        return services.site_create(code=code, **fields)
    return services.site_update(site=site, **fields)


def _grid(code: str, fields: dict[str, Any]) -> Grid:
    grid = Grid.objects.filter(code=code).first()
    if grid is None:
        return services.grid_create(code=code, **fields)
    # TODO(agency.services): there is no grid_update service yet.
    return _upsert(Grid, {"code": code}, fields)


@transaction.atomic
def load_demo(*, password: str = DEFAULT_PASSWORD, with_steps: bool = True) -> DemoResult:
    """Load (or refresh) the demo district and its accounts. Safe to run any number of times.

    ``with_steps=False`` leaves out the apps' ``DEMO_DATA_STEPS`` (some create cases, e.g. typical cases): the
    bare district the benchmark and load test build their own deterministic cases over."""
    result = DemoResult()
    matters = load_matters()
    all_matters = list(matters.values())
    station_matters = [m for m in all_matters if m.category not in STATION_EXCLUDED]
    village_level = by_category(matters, VILLAGE_CATEGORIES | {C.CONSULTATION})
    doorstep = [m for m in station_matters if m.doorstep]
    consult = [matters["ZX001"]]

    district = _area(DISTRICT_CODE, {"name": DISTRICT_NAME, "level": Area.Level.DISTRICT, "parent": None})
    maker = AgentMaker()

    admin = user_account("admin", "区级管理员", password, superuser=True)
    maker.make(
        kind=Agent.Kind.DISTRICT_ADMIN,
        title="区行政审批服务局帮办代办科",
        sites=[],
        scopes=[],
        published=False,
        work_phone="0531-86081234",
        user=admin,
        name="区级管理员",
    )
    result.accounts.append({"username": "admin", "role": "district_admin", "site": DISTRICT_NAME})

    centers: dict[str, Site] = {}
    station_sites: list[Site] = []
    for t_index, town in enumerate(TOWNS):
        town_area = _area(town.code, {"name": town.name, "level": Area.Level.TOWN, "parent": district})
        center_name = f"{town.name}便民服务中心"
        center = _site(
            town.site_code,
            {
                "name": center_name,
                "kind": Site.Kind.CENTER,
                "tier": town.tier,
                "partner_type": "",
                "area": town_area,
                "parent": None,
                "address": town.address,
                "lat": Decimal(town.lat),
                "lng": Decimal(town.lng),
                "phone": town.phone,
                "hours": WEEKDAY_HOURS,
                "policy_text": POLICY_TEMPLATE.format(
                    name=center_name, phone=town.phone, hours=WEEKDAY_HOURS
                ),
                "capabilities": "",
                "is_active": True,
            },
        )
        centers[town.site_code] = center
        set_site_matters(center, all_matters)

        # Town staff: one per town window group; the first town's first one logs in as `town`.
        town_user = user_account("town", f"{town.name}工作人员", password) if t_index == 0 else None
        window_staff = maker.make(
            kind=Agent.Kind.TOWN_STAFF,
            title="便民服务中心医保社保窗口",
            sites=[center],
            scopes=by_category(matters, {C.MEDICAL_INSURANCE, C.SOCIAL_INSURANCE, C.EMPLOYMENT}),
            work_phone=town.phone,
            user=town_user,
        )
        civil_staff = maker.make(
            kind=Agent.Kind.TOWN_STAFF,
            title="便民服务中心民政退役军人窗口",
            sites=[center],
            scopes=by_category(
                matters,
                {
                    C.CIVIL_AFFAIRS,
                    C.VETERANS,
                    C.ASSISTANCE,
                    C.SOCIAL_AFFAIRS,
                    C.COLLECTIVE_ASSETS,
                    C.MARKET_ACCESS,
                },
            ),
            work_phone=town.phone,
            consent=True,
        )
        backup_pair(window_staff, civil_staff)
        if town_user:
            result.accounts.append({"username": "town", "role": "town_staff", "site": center.code})

        for v_index, village in enumerate(town.villages):
            village_area = _area(
                village.code,
                {"name": village.name, "level": Area.Level.VILLAGE, "parent": town_area},
            )
            station_name = f"{village.name}便民服务站"
            station = _site(
                village.site_code,
                {
                    "name": station_name,
                    "kind": Site.Kind.STATION,
                    "tier": village.tier,
                    "partner_type": "",
                    "area": village_area,
                    "parent": center,
                    "address": village.address,
                    "lat": Decimal(village.lat),
                    "lng": Decimal(village.lng),
                    "phone": village.phone,
                    "hours": STATION_HOURS,
                    "policy_text": POLICY_TEMPLATE.format(
                        name=station_name, phone=village.phone, hours=STATION_HOURS
                    ),
                    "capabilities": "",
                    "is_active": True,
                },
            )
            station_sites.append(station)
            set_site_matters(station, station_matters)
            grids = [
                _grid(f"{village.code}-{g:02d}", {"name": f"第{g}网格", "site": station})
                for g in range(1, village.grids + 1)
            ]
            is_community = village.name.endswith("社区")

            # Logins: staff/grid/volunteer at the first town's first station, staff2 in the second town.
            first_station = t_index == 0 and v_index == 0
            second_town_station = t_index == 1 and v_index == 0
            staff_user = None
            if first_station:
                staff_user = user_account("staff", f"{station_name}工作人员", password)
            elif second_town_station:
                staff_user = user_account("staff2", f"{station_name}工作人员", password)

            staff = maker.make(
                kind=Agent.Kind.STATION_STAFF,
                title="便民服务站站长",
                sites=[station],
                scopes=station_matters,
                work_phone=village.phone,
                user=staff_user,
            )
            second = maker.make(
                kind=Agent.Kind.COMMUNITY_WORKER if is_community else Agent.Kind.CADRE,
                title="社区专职工作者" if is_community else "村党支部委员",
                sites=[station],
                scopes=by_category(
                    matters,
                    {
                        C.CERTIFICATE,
                        C.ASSISTANCE,
                        C.SOCIAL_AFFAIRS,
                        C.CIVIL_AFFAIRS,
                        C.VETERANS,
                        C.CONSULTATION,
                    }
                    | ({C.AGRICULTURE, C.COLLECTIVE_ASSETS} if not is_community else {C.EMPLOYMENT}),
                ),
                consent=True,
            )
            cadre = maker.make(
                kind=Agent.Kind.CADRE,
                title="包村（居）干部",
                sites=[station, center],
                scopes=by_category(matters, {C.ASSISTANCE, C.SOCIAL_AFFAIRS, C.VETERANS, C.CONSULTATION}),
                work_phone=town.phone,
            )
            backup_pair(staff, second)
            grid_agents = []
            for g_index, grid in enumerate(grids):
                grid_user = (
                    user_account("grid", f"{station_name}网格员", password)
                    if first_station and g_index == 0
                    else None
                )
                grid_agents.append(
                    maker.make(
                        kind=Agent.Kind.GRID_WORKER,
                        title=f"{grid.name}网格员",
                        sites=[station],
                        grids=[grid],
                        scopes=doorstep,
                        consent=g_index % 2 == 0,
                        work_phone="" if g_index % 2 == 0 else village.phone,
                        user=grid_user,
                    )
                )
            if len(grid_agents) >= 2:
                backup_pair(grid_agents[0], grid_agents[1])
            else:
                backup_pair(grid_agents[0], cadre)
            volunteer_user = (
                user_account("volunteer", f"{station_name}志愿者", password) if first_station else None
            )
            maker.make(
                kind=Agent.Kind.VOLUNTEER,
                title="“红马甲”志愿服务队",
                sites=[station],
                grids=grids[:1],
                scopes=[m for m in village_level if m.doorstep and m.category in {C.PAYMENT, C.DOCUMENT}]
                + consult,
                published=v_index % 2 == 0,
                consent=False,
                work_phone=village.phone,
                user=volunteer_user,
            )
            duty_rota(station, [staff, second, cadre])

            if first_station:
                result.accounts += [
                    {"username": "staff", "role": "station_staff", "site": station.code},
                    {"username": "grid", "role": "grid_worker", "site": station.code},
                    {"username": "volunteer", "role": "volunteer", "site": station.code},
                ]
            elif second_town_station:
                result.accounts.append({"username": "staff2", "role": "station_staff", "site": station.code})
        duty_rota(center, [window_staff, civil_staff])

    for code, name, ptype, town_code, address, lat, lng, phone, hours, can_do in PARTNERS:
        center = centers[town_code]
        site = _site(
            code,
            {
                "name": name,
                "kind": Site.Kind.PARTNER if ptype else Site.Kind.TERMINAL,
                "tier": "",
                "partner_type": ptype,
                "area": center.area,
                "parent": center,
                "address": address,
                "lat": Decimal(lat),
                "lng": Decimal(lng),
                "phone": phone,
                "hours": hours,
                "policy_text": "",
                "capabilities": can_do,
                "is_active": True,
            },
        )
        set_site_matters(site, [matters[c] for c in PARTNER_MATTERS[ptype]])

    # Steps of apps built on agency (e.g. standards' demo assessments), named in settings.DEMO_DATA_STEPS.
    for step in getattr(settings, "DEMO_DATA_STEPS", []) if with_steps else []:
        import_string(step)()

    result.counts = {
        "areas": Area.objects.count(),
        "sites": Site.objects.count(),
        "matters": Matter.objects.count(),
        "site_matters": SiteMatter.objects.count(),
        "grids": Grid.objects.count(),
        "agents": Agent.objects.count(),
        "duty_shifts": DutyShift.objects.count(),
        "users": User.objects.count(),
    }
    return result
