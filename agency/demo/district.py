"""The demo district's places (CONTRACT §3): 济南市市中区, its streets (each with a 便民服务中心), their
communities and villages (each with a 便民服务站 and grids), and the partner points and terminals."""

from dataclasses import dataclass, field

from agency.models import Site

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
