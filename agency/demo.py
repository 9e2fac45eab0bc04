"""The demo district (CONTRACT §3): 济南市市中区, its streets, stations, partner points, matters and agents.

``load_demo(password=...)`` is idempotent: every row is looked up by a stable key (area/site/matter/grid
code, agent phone, username) and updated in place, so running it twice leaves the same counts. Rows are
written through ``agency.services`` (each change audited like any other); the few rows no service covers
yet (area updates, user accounts) use the ORM with ``full_clean()`` (TODO markers below).

Names, addresses and phone numbers are made up but shaped like the real thing (0531 is Jinan's area code).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from agency import services
from agency.models import Agent, Area, DutyShift, Grid, Matter, Site, SiteMatter
from core import workdays
from core.models import User

DEFAULT_PASSWORD = "bangban-demo"

M = TypeVar("M", bound=models.Model)

C = Matter.Category
L = Matter.Level

# --- Matter catalog (事项清单) ----------------------------------------------------------------------------
# (code, name, category, level, time limit in working days, doorstep, fee, materials)
ID = "申请人居民身份证"
HUKOU = "户口簿"
MATTERS: list[tuple[str, str, str, str, int, bool, str, list[str]]] = [
    # 证明出具
    ("ZM001", "居住证明", C.CERTIFICATE, L.VILLAGE, 3, True, "", [ID, HUKOU, "房产证或租赁合同"]),
    ("ZM002", "家庭经济困难证明", C.CERTIFICATE, L.VILLAGE, 5, True, "", [ID, HUKOU, "家庭收入情况说明"]),
    ("ZM003", "亲属关系证明", C.CERTIFICATE, L.VILLAGE, 5, False, "", [ID, HUKOU, "相关亲属身份证明"]),
    # 代缴收费
    ("DJ001", "城乡居民养老保险费代缴", C.PAYMENT, L.VILLAGE, 1, True, "按个人选择的缴费档次缴纳", [ID]),
    ("DJ002", "城乡居民医保费代缴", C.PAYMENT, L.VILLAGE, 1, True, "按当年度个人缴费标准缴纳", [ID, HUKOU]),
    ("DJ003", "水电燃气费代缴", C.PAYMENT, L.VILLAGE, 1, True, "按实际用量缴纳", ["缴费户号或缴费卡"]),
    # 社会救助
    (
        "JZ001",
        "最低生活保障申请",
        C.ASSISTANCE,
        L.TOWN,
        20,
        True,
        "",
        [ID, HUKOU, "家庭收入及财产状况声明", "家庭经济状况核对授权书"],
    ),
    (
        "JZ002",
        "特困人员救助供养申请",
        C.ASSISTANCE,
        L.TOWN,
        20,
        True,
        "",
        [ID, HUKOU, "残疾人证或病历材料（如有）"],
    ),
    ("JZ003", "临时救助申请", C.ASSISTANCE, L.TOWN, 10, True, "", [ID, HUKOU, "遭遇困难的相关证明材料"]),
    # 证件代办
    (
        "ZJ001",
        "残疾人证办理",
        C.DOCUMENT,
        L.DISTRICT,
        20,
        True,
        "",
        [ID, HUKOU, "近期免冠一寸照片2张", "二级以上医院诊断证明"],
    ),
    ("ZJ002", "居民身份证换领代办", C.DOCUMENT, L.DISTRICT, 15, False, "工本费20元", [HUKOU, "原居民身份证"]),
    ("ZJ003", "老年人优待证办理", C.DOCUMENT, L.TOWN, 5, True, "", [ID, "近期免冠一寸照片1张"]),
    # issue 15: members of the 出生/身后一件事 (bundles/demo.py)
    (
        "HJ001",
        "新生儿出生登记（户口申报）",
        C.DOCUMENT,
        L.DISTRICT,
        5,
        True,
        "",
        ["出生医学证明", "父母双方居民身份证", HUKOU, "结婚证"],
    ),
    (
        "HJ002",
        "死亡人员户口注销",
        C.DOCUMENT,
        L.DISTRICT,
        3,
        True,
        "",
        ["居民死亡医学证明（推断）书", "逝者户口簿", "经办人居民身份证"],
    ),
    # 农业服务
    (
        "NY001",
        "耕地地力保护补贴申报",
        C.AGRICULTURE,
        L.TOWN,
        10,
        True,
        "",
        [ID, "土地承包经营权证", "社保卡或银行卡"],
    ),
    (
        "NY002",
        "农村土地承包经营权流转备案",
        C.AGRICULTURE,
        L.TOWN,
        10,
        False,
        "",
        [ID, "土地流转合同", "承包经营权证"],
    ),
    # 社会事务
    ("SW001", "高龄津贴申领", C.SOCIAL_AFFAIRS, L.TOWN, 10, True, "", [ID, HUKOU, "社保卡或银行卡"]),
    (
        "SW002",
        "困难残疾人生活补贴和重度残疾人护理补贴申请",
        C.SOCIAL_AFFAIRS,
        L.TOWN,
        15,
        True,
        "",
        [ID, "残疾人证", "社保卡或银行卡"],
    ),
    (
        "SW003",
        "计划生育家庭特别扶助金申请",
        C.SOCIAL_AFFAIRS,
        L.TOWN,
        15,
        False,
        "",
        [ID, HUKOU, "独生子女父母光荣证"],
    ),
    # 劳动就业
    ("JY001", "灵活就业人员登记", C.EMPLOYMENT, L.TOWN, 3, True, "", [ID]),
    ("JY002", "就业创业证申领", C.EMPLOYMENT, L.TOWN, 5, True, "", [ID, "近期免冠一寸照片1张"]),
    ("JY003", "失业登记", C.EMPLOYMENT, L.TOWN, 3, True, "", [ID, "解除或终止劳动合同证明"]),
    # 镇街窗口：医保
    ("YB001", "城乡居民医保参保登记", C.MEDICAL_INSURANCE, L.TOWN, 3, True, "", [ID, HUKOU]),
    (
        "YB002",
        "门诊慢特病待遇认定申请",
        C.MEDICAL_INSURANCE,
        L.DISTRICT,
        15,
        True,
        "",
        [ID, "二级以上医院病历及检查报告"],
    ),
    ("YB003", "异地就医备案", C.MEDICAL_INSURANCE, L.TOWN, 1, False, "", [ID, "社保卡"]),
    # 社保
    ("SB001", "城乡居民养老保险参保登记", C.SOCIAL_INSURANCE, L.TOWN, 3, True, "", [ID, HUKOU]),
    (
        "SB002",
        "城乡居民养老保险待遇领取申请",
        C.SOCIAL_INSURANCE,
        L.TOWN,
        10,
        True,
        "",
        [ID, HUKOU, "社保卡或银行卡"],
    ),
    ("SB003", "社会保障卡申领", C.SOCIAL_INSURANCE, L.TOWN, 10, True, "", [ID, "近期免冠白底一寸照片"]),
    (
        "SB004",
        "丧葬补助金、抚恤金申领",
        C.SOCIAL_INSURANCE,
        L.TOWN,
        10,
        True,
        "",
        ["居民死亡医学证明（推断）书", "亲属关系证明", "经办人居民身份证", "社保卡或银行卡"],
    ),
    # 民政
    ("MZ001", "居家养老服务补贴申请", C.CIVIL_AFFAIRS, L.TOWN, 15, True, "", [ID, HUKOU, "老年人能力评估表"]),
    (
        "MZ002",
        "困境儿童基本生活保障申请",
        C.CIVIL_AFFAIRS,
        L.TOWN,
        20,
        True,
        "",
        ["监护人居民身份证", HUKOU, "困境情况证明材料"],
    ),
    # 退役军人
    ("TY001", "退役军人优待证申领", C.VETERANS, L.TOWN, 10, True, "", [ID, "退役证件", "近期免冠一寸照片"]),
    ("TY002", "优抚对象定期抚恤补助申请", C.VETERANS, L.TOWN, 20, True, "", [ID, HUKOU, "优抚对象身份证明"]),
    # 市场准入
    ("SC001", "个体工商户设立登记", C.MARKET_ACCESS, L.DISTRICT, 3, False, "", [ID, "经营场所使用证明"]),
    (
        "SC002",
        "食品经营许可（小餐饮）申请",
        C.MARKET_ACCESS,
        L.DISTRICT,
        10,
        False,
        "",
        [ID, "营业执照", "经营场所平面图"],
    ),
    # 三资管理
    (
        "SZ001",
        "农村集体资产资源承包租赁备案",
        C.COLLECTIVE_ASSETS,
        L.TOWN,
        10,
        False,
        "",
        ["村集体经济组织决议", "承包租赁合同"],
    ),
    ("SZ002", "集体经济组织成员身份确认证明", C.COLLECTIVE_ASSETS, L.TOWN, 10, True, "", [ID, HUKOU]),
    # 政策咨询
    ("ZX001", "政策咨询", C.CONSULTATION, L.VILLAGE, 2, True, "", []),
]

VILLAGE_CATEGORIES = {
    C.CERTIFICATE,
    C.PAYMENT,
    C.ASSISTANCE,
    C.DOCUMENT,
    C.AGRICULTURE,
    C.SOCIAL_AFFAIRS,
    C.EMPLOYMENT,
}
TOWN_WINDOW_CATEGORIES = {
    C.MEDICAL_INSURANCE,
    C.SOCIAL_INSURANCE,
    C.CIVIL_AFFAIRS,
    C.VETERANS,
    C.MARKET_ACCESS,
    C.COLLECTIVE_ASSETS,
}
# 帮办代办: a village station takes in everything a resident may need except licences issued in the hall.
STATION_EXCLUDED = {C.MARKET_ACCESS}

# --- District, streets, communities/villages --------------------------------------------------------------
WEEKDAY_HOURS = "周一至周五 8:30-12:00，13:30-17:30（法定节假日除外）"
STATION_HOURS = "周一至周五 8:30-12:00，14:00-17:30；周六上午 9:00-11:30 值班"


@dataclass
class VillageSpec:
    code: str
    name: str
    site_code: str
    address: str
    lat: str
    lng: str
    phone: str
    tier: str
    grids: int


@dataclass
class TownSpec:
    code: str
    name: str
    site_code: str
    address: str
    lat: str
    lng: str
    phone: str
    tier: str
    villages: list[VillageSpec] = field(default_factory=list)


DISTRICT_CODE = "370103"
DISTRICT_NAME = "市中区"

TOWNS: list[TownSpec] = [
    TownSpec(
        "370103002",
        "大观园街道",
        "dgy",
        "济南市市中区经四路268号",
        "36.660420",
        "116.992310",
        "0531-86025101",
        Site.Tier.BENCHMARK,
        [
            VillageSpec(
                "370103002001",
                "万达社区",
                "dgy-wd",
                "市中区经四路万达广场北侧社区服务用房",
                "36.661210",
                "116.988540",
                "0531-86025111",
                Site.Tier.BENCHMARK,
                2,
            ),
            VillageSpec(
                "370103002002",
                "纬二路社区",
                "dgy-we",
                "市中区纬二路51号",
                "36.663050",
                "116.996780",
                "0531-86025122",
                Site.Tier.STANDARD,
                1,
            ),
        ],
    ),
    TownSpec(
        "370103004",
        "杆石桥街道",
        "gsq",
        "济南市市中区顺河街88号",
        "36.653880",
        "117.002150",
        "0531-82097201",
        Site.Tier.STANDARD,
        [
            VillageSpec(
                "370103004001",
                "杆石桥社区",
                "gsq-gs",
                "市中区杆石桥路12号",
                "36.652470",
                "117.004900",
                "0531-82097211",
                Site.Tier.STANDARD,
                2,
            ),
            VillageSpec(
                "370103004002",
                "顺河街社区",
                "gsq-sh",
                "市中区顺河街东侧小区3号楼",
                "36.655930",
                "117.000120",
                "0531-82097222",
                Site.Tier.BASIC,
                1,
            ),
        ],
    ),
    TownSpec(
        "370103017",
        "党家街道",
        "djz",
        "济南市市中区党家庄镇党杨路1号",
        "36.548210",
        "116.986420",
        "0531-87291301",
        Site.Tier.STANDARD,
        [
            VillageSpec(
                "370103017201",
                "党家庄村",
                "djz-djz",
                "党家街道党家庄村村委会",
                "36.550160",
                "116.983730",
                "0531-87291311",
                Site.Tier.STANDARD,
                2,
            ),
            VillageSpec(
                "370103017202",
                "渴马村",
                "djz-km",
                "党家街道渴马村村委会",
                "36.537410",
                "116.972980",
                "0531-87291322",
                Site.Tier.BASIC,
                2,
            ),
            VillageSpec(
                "370103017203",
                "殷家林村",
                "djz-yjl",
                "党家街道殷家林村村委会",
                "36.561840",
                "116.994260",
                "0531-87291333",
                Site.Tier.BASIC,
                1,
            ),
        ],
    ),
]

# (code, name, partner type or "" for a terminal, town site, address, lat, lng, phone, hours, what it does)
PARTNERS: list[tuple[str, str, str, str, str, str, str, str, str, str]] = [
    (
        "dgy-bank",
        "邮储银行大观园支行政务服务网点",
        Site.PartnerType.BANK,
        "dgy",
        "市中区经四路301号",
        "36.659310",
        "116.990020",
        "0531-86021888",
        "周一至周日 9:00-17:00",
        "社保卡申领、医保费代缴、养老保险费代缴",
    ),
    (
        "gsq-post",
        "杆石桥邮政支局政务服务网点",
        Site.PartnerType.POST,
        "gsq",
        "市中区顺河街101号",
        "36.654660",
        "117.001380",
        "0531-82095566",
        "周一至周六 8:30-17:30",
        "证件邮寄、居民医保费代缴、政策咨询",
    ),
    (
        "djz-clinic",
        "党家街道社区卫生服务中心政务服务点",
        Site.PartnerType.MEDICAL,
        "djz",
        "党家街道党杨路16号",
        "36.547050",
        "116.988900",
        "0531-87296120",
        "周一至周日 8:00-17:00",
        "异地就医备案、门诊慢特病申请、医保参保登记",
    ),
    (
        "djz-shop",
        "银座便利党家店政务服务点",
        Site.PartnerType.RETAIL,
        "djz",
        "党家街道党家庄商业街8号",
        "36.549420",
        "116.985110",
        "0531-87290088",
        "每天 7:30-21:30",
        "水电燃气费代缴、政策咨询",
    ),
    (
        "dgy-atm",
        "大观园街道24小时政务自助服务区",
        "",
        "dgy",
        "市中区经四路268号便民服务中心一楼东侧",
        "36.660380",
        "116.992450",
        "0531-86025101",
        "全天24小时",
        "社保参保证明打印、医保缴费、不动产登记信息查询、公积金查询、个人所得税查询",
    ),
]
PARTNER_MATTERS = {
    Site.PartnerType.BANK: ["SB003", "DJ001", "DJ002", "ZX001"],
    Site.PartnerType.POST: ["DJ002", "ZJ002", "ZX001"],
    Site.PartnerType.MEDICAL: ["YB001", "YB002", "YB003", "ZX001"],
    Site.PartnerType.RETAIL: ["DJ003", "ZX001"],
    "": ["DJ002", "YB003"],
}

POLICY_TEMPLATE = """{name}帮办代办制度

一、服务对象：辖区内老年人、残疾人、独居老人、低保户等特殊群体优先，其他有需要的群众均可申请。
二、服务方式：群众可到站（中心）申请，也可拨打咨询电话或联系网格员预约上门，实行“首问负责、一次性告知、限时办结”。
三、服务流程：受理登记→上门服务→材料收集→报送办理→进度告知→结果送达→回访评价。
四、服务时限：按各事项承诺时限（工作日）办结，不能按时办结的及时向群众说明原因。
五、服务纪律：帮办代办人员不得收取任何费用，不得泄露群众个人信息，接受群众监督。
六、AB岗与值班：实行AB岗互补和干部轮值制度，工作人员外出时由备岗人员接续办理。
咨询电话：{phone}　办公时间：{hours}
监督电话：0531-12345
"""

# --- People -----------------------------------------------------------------------------------------------
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = [
    "秀英",
    "建国",
    "桂兰",
    "志强",
    "海燕",
    "立新",
    "玉梅",
    "德胜",
    "淑珍",
    "红霞",
    "永刚",
    "晓东",
    "丽娟",
    "国庆",
    "春梅",
    "明辉",
    "凤英",
    "卫东",
    "雪梅",
    "振华",
    "文静",
    "立军",
    "晓燕",
    "宏伟",
    "秀兰",
    "建华",
    "美玲",
    "俊杰",
    "玉珍",
    "长青",
    "慧敏",
    "新民",
    "爱华",
    "德明",
    "金凤",
    "少华",
]
MOBILE_PREFIXES = ["138", "139", "150", "151", "159", "186", "187", "137", "135", "178"]


def _person_name(n: int) -> str:
    return SURNAMES[(n * 7) % len(SURNAMES)] + GIVEN[(n * 5) % len(GIVEN)]


def _mobile(n: int) -> str:
    return f"+86{MOBILE_PREFIXES[n % len(MOBILE_PREFIXES)]}5310{n:04d}"


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


def _load_matters() -> dict[str, Matter]:
    matters: dict[str, Matter] = {}
    for order, (code, name, category, level, days, doorstep, fee, materials) in enumerate(MATTERS, start=1):
        is_consultation = category == C.CONSULTATION
        guide = (
            "工作人员当场或在承诺时限内答复政策问题，答复后即可办结。"
            if is_consultation
            else f"{name}：请按“所需材料”一次性备齐；行动不便的群众可预约网格员或帮办代办员上门收件，"
            f"工作人员代为报送{Matter.Level(level).label}办理，办结后送达结果。"
        )
        fields: dict[str, Any] = {
            "name": name,
            "category": category,
            "handling_level": level,
            "time_limit_days": days,
            "doorstep": doorstep,
            "fee": fee or "不收费",
            "materials": materials,
            "guide": guide,
            "is_consultation": is_consultation,
            "is_active": True,
            "sort_order": order,
        }
        matter = Matter.objects.filter(code=code).first()
        if matter is None:
            matters[code] = services.matter_create(code=code, **fields)
        else:
            matters[code] = services.matter_update(matter=matter, **fields)
    return matters


def _set_site_matters(site: Site, matters: list[Matter]) -> None:
    wanted = {m.pk for m in matters}
    for link in SiteMatter.objects.filter(site=site).exclude(matter_id__in=wanted).select_related("matter"):
        services.site_matter_disable(site=site, matter=link.matter)
    for matter in matters:
        services.site_matter_enable(site=site, matter=matter)


def _user(username: str, display_name: str, password: str, *, superuser: bool = False) -> User:
    # TODO(core.services): no user service exists; accounts are plain Django users.
    user = User.objects.filter(username=username).first() or User(username=username)
    user.display_name = display_name
    user.is_active = True
    user.is_staff = superuser
    user.is_superuser = superuser
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


class _AgentMaker:
    """Creates agents with deterministic names and phones (the phone is the stable key)."""

    def __init__(self) -> None:
        self.n = 0

    def make(
        self,
        *,
        kind: str,
        title: str,
        sites: list[Site],
        scopes: list[Matter],
        grids: list[Grid] | None = None,
        published: bool = True,
        consent: bool = False,
        work_phone: str = "",
        user: User | None = None,
        name: str | None = None,
    ) -> Agent:
        self.n += 1
        phone = _mobile(self.n)
        fields: dict[str, Any] = {
            "name": name or _person_name(self.n),
            "kind": kind,
            "title": title,
            "work_phone": work_phone,
            "publish_mobile_consent": consent,
            "is_published": published,
            "is_active": True,
            "user": user,
        }
        agent = Agent.objects.filter(phone=phone).first()
        if agent is None:
            agent = services.agent_create(
                phone=phone, sites=sites, grids=grids or [], scopes=scopes, **fields
            )
        else:
            # Pass only the sets that differ, so a re-run writes (and audits) nothing when nothing changed.
            m2m: dict[str, Any] = {"sites": sites, "grids": grids or [], "scopes": scopes}
            for key, wanted in list(m2m.items()):
                if set(getattr(agent, key).values_list("pk", flat=True)) == {obj.pk for obj in wanted}:
                    del m2m[key]
            agent = services.agent_update(agent=agent, **m2m, **fields)
        return services.agent_set_away(agent=agent, away=False)


def _backup_pair(a: Agent, b: Agent) -> None:
    """AB岗: each is the other's backup."""
    services.agent_set_backup(agent=a, backup=b)
    services.agent_set_backup(agent=b, backup=a)


def _duty_rota(site: Site, agents: list[Agent], days: int = 14) -> None:
    """干部轮值 for the next ``days`` days (working days only); by date, so re-runs pick the same person.

    Days that already have a rota (perhaps changed by staff) are left alone.
    """
    today = timezone.localdate()
    for offset in range(days):
        day = today + dt.timedelta(days=offset)
        if not workdays.is_workday(day) or DutyShift.objects.filter(site=site, date=day).exists():
            continue
        services.duty_shift_set(
            site=site, date=day, agents=[agents[day.toordinal() % len(agents)]], note="值班"
        )


def _by_category(matters: dict[str, Matter], categories: set[str]) -> list[Matter]:
    return [m for m in matters.values() if m.category in categories]


@transaction.atomic
def load_demo(*, password: str = DEFAULT_PASSWORD, with_steps: bool = True) -> DemoResult:
    """Load (or refresh) the demo district and its accounts. Safe to run any number of times.

    ``with_steps=False`` leaves out the apps' ``DEMO_DATA_STEPS`` (some create cases, e.g. typical cases): the
    bare district the benchmark and load test build their own deterministic cases over."""
    result = DemoResult()
    matters = _load_matters()
    all_matters = list(matters.values())
    station_matters = [m for m in all_matters if m.category not in STATION_EXCLUDED]
    village_level = _by_category(matters, VILLAGE_CATEGORIES | {C.CONSULTATION})
    doorstep = [m for m in station_matters if m.doorstep]
    consult = [matters["ZX001"]]

    district = _area(DISTRICT_CODE, {"name": DISTRICT_NAME, "level": Area.Level.DISTRICT, "parent": None})
    maker = _AgentMaker()

    admin = _user("admin", "区级管理员", password, superuser=True)
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
        _set_site_matters(center, all_matters)

        # Town staff: one per town window group; the first town's first one logs in as `town`.
        town_user = _user("town", f"{town.name}工作人员", password) if t_index == 0 else None
        window_staff = maker.make(
            kind=Agent.Kind.TOWN_STAFF,
            title="便民服务中心医保社保窗口",
            sites=[center],
            scopes=_by_category(matters, {C.MEDICAL_INSURANCE, C.SOCIAL_INSURANCE, C.EMPLOYMENT}),
            work_phone=town.phone,
            user=town_user,
        )
        civil_staff = maker.make(
            kind=Agent.Kind.TOWN_STAFF,
            title="便民服务中心民政退役军人窗口",
            sites=[center],
            scopes=_by_category(
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
        _backup_pair(window_staff, civil_staff)
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
            _set_site_matters(station, station_matters)
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
                staff_user = _user("staff", f"{station_name}工作人员", password)
            elif second_town_station:
                staff_user = _user("staff2", f"{station_name}工作人员", password)

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
                scopes=_by_category(
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
                scopes=_by_category(matters, {C.ASSISTANCE, C.SOCIAL_AFFAIRS, C.VETERANS, C.CONSULTATION}),
                work_phone=town.phone,
            )
            _backup_pair(staff, second)
            grid_agents = []
            for g_index, grid in enumerate(grids):
                grid_user = (
                    _user("grid", f"{station_name}网格员", password)
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
                _backup_pair(grid_agents[0], grid_agents[1])
            else:
                _backup_pair(grid_agents[0], cadre)
            volunteer_user = _user("volunteer", f"{station_name}志愿者", password) if first_station else None
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
            _duty_rota(station, [staff, second, cadre])

            if first_station:
                result.accounts += [
                    {"username": "staff", "role": "station_staff", "site": station.code},
                    {"username": "grid", "role": "grid_worker", "site": station.code},
                    {"username": "volunteer", "role": "volunteer", "site": station.code},
                ]
            elif second_town_station:
                result.accounts.append({"username": "staff2", "role": "station_staff", "site": station.code})
        _duty_rota(center, [window_staff, civil_staff])

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
        _set_site_matters(site, [matters[c] for c in PARTNER_MATTERS[ptype]])

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
