"""The demo matter catalog (事项清单): every matter the demo district offers, and which kinds of site offer
which categories."""

from typing import Any

from agency import services
from agency.models import Matter, Site, SiteMatter

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

# What residents call a matter (searched by the guides and online application): 俗称 beside the catalogue name.
KEYWORDS = {
    "ZM001": "住址证明 居住地证明",
    "ZM002": "困难证明",
    "JZ001": "低保 低保户 救助",
    "JZ002": "特困 五保",
    "ZJ001": "残疾证",
    "ZJ003": "老年证 优待证",
    "HJ001": "出生 新生儿 上户口 报户口 落户",
    "HJ002": "销户 户口注销",
    "SB003": "社保卡",
    "YB003": "异地就医 转诊",
}
# The province's online service portal (爱山东 / 山东政务服务网) for matters residents can also do there.
PROVINCE_PORTAL = "https://zwfw.sd.gov.cn/"
SERVICE_LINKS = {
    "DJ001": PROVINCE_PORTAL,
    "DJ002": PROVINCE_PORTAL,
    "YB003": PROVINCE_PORTAL,
    "SB003": PROVINCE_PORTAL,
}


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


def load_matters() -> dict[str, Matter]:
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
            "keywords": KEYWORDS.get(code, ""),
            "service_url": SERVICE_LINKS.get(code, ""),
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


def set_site_matters(site: Site, matters: list[Matter]) -> None:
    wanted = {m.pk for m in matters}
    for link in SiteMatter.objects.filter(site=site).exclude(matter_id__in=wanted).select_related("matter"):
        services.site_matter_disable(site=site, matter=link.matter)
    for matter in matters:
        services.site_matter_enable(site=site, matter=matter)


def by_category(matters: dict[str, Matter], categories: set[str]) -> list[Matter]:
    return [m for m in matters.values() if m.category in categories]
