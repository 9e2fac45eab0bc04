"""The agency domain: areas, service sites, grids, agents, duty and the matter catalog (事项清单).

A district's 帮办代办 network: each town/street (镇/街道) has a 便民服务中心 (``Site.Kind.CENTER``), each
village/community (村/社区) a 便民服务站 (``STATION``); partner points in banks, post offices, clinics and
shops (``PARTNER``) and self-service terminals (``TERMINAL``) are sites too, so the service map shows them.
"""

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


class Area(models.Model):
    """An administrative area: district → town/street → village/community."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("区")
        TOWN = "town", _("镇/街道")
        VILLAGE = "village", _("村/社区")

    code = models.CharField(_("区划代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区域")
        verbose_name_plural = _("行政区域")

    def __str__(self) -> str:
        return self.name


# Links shown to residents open outside the site: https only (no http downgrade, no javascript: etc.).
HTTPS_ONLY = URLValidator(schemes=["https"])


class Matter(models.Model):
    """A matter residents can ask help with (事项清单 entry, with its 办事指南)."""

    class Category(models.TextChoices):
        CERTIFICATE = "certificate", _("证明出具")
        PAYMENT = "payment", _("代缴收费")
        ASSISTANCE = "assistance", _("社会救助")
        DOCUMENT = "document", _("证件代办")
        AGRICULTURE = "agriculture", _("农业服务")
        SOCIAL_AFFAIRS = "social_affairs", _("社会事务")
        EMPLOYMENT = "employment", _("劳动就业")
        MEDICAL_INSURANCE = "medical_insurance", _("医保")
        SOCIAL_INSURANCE = "social_insurance", _("社保")
        CIVIL_AFFAIRS = "civil_affairs", _("民政")
        VETERANS = "veterans", _("退役军人")
        MARKET_ACCESS = "market_access", _("市场准入")
        COLLECTIVE_ASSETS = "collective_assets", _("三资管理")
        CONSULTATION = "consultation", _("政策咨询")

    class Level(models.TextChoices):
        VILLAGE = "village", _("村（社区）级")
        TOWN = "town", _("镇（街道）级")
        DISTRICT = "district", _("区级")

    code = models.CharField(_("事项编码"), max_length=32, unique=True)
    name = models.CharField(_("事项名称"), max_length=128)
    category = models.CharField(_("类别"), max_length=32, choices=Category.choices, db_index=True)
    materials = models.JSONField(_("所需材料（一次性告知）"), default=list, blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"), default=5)
    doorstep = models.BooleanField(_("可上门办理"), default=True)
    handling_level = models.CharField(_("办理层级"), max_length=16, choices=Level.choices, default=Level.TOWN)
    fee = models.CharField(_("收费标准"), max_length=128, blank=True, default="不收费")
    guide = models.TextField(_("办事指南"), blank=True)
    keywords = models.CharField(
        _("俗称/关键词"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("群众常用的叫法，空格分隔（如：低保 救助），用于事项搜索"),
    )
    # Links a district sets for the public guide (item 3 宣传海报/操作视频): the matter's service on the
    # province's 爱山东 app (shown on the guide, the case page and the SMS link page) and a short how-to video.
    service_url = models.URLField(
        _("爱山东服务链接"),
        max_length=500,
        blank=True,
        default="",
        validators=[HTTPS_ONLY],
        help_text=_("以 https:// 开头"),
    )
    video_url = models.URLField(
        _("操作视频链接"),
        max_length=500,
        blank=True,
        default="",
        validators=[HTTPS_ONLY],
        help_text=_("办事指南页展示的短视频，以 https:// 开头"),
    )
    is_consultation = models.BooleanField(
        _("政策咨询类"), default=False, help_text=_("答复后即可办结，无需报送部门")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("事项")
        verbose_name_plural = _("事项清单")

    def __str__(self) -> str:
        return f"{self.name}"


class Site(models.Model):
    """A place residents get service: center, station, partner point or self-service terminal."""

    class Kind(models.TextChoices):
        CENTER = "center", _("便民服务中心")
        STATION = "station", _("便民服务站")
        PARTNER = "partner", _("合作网点")
        TERMINAL = "terminal", _("自助服务终端")

    class Tier(models.TextChoices):
        BASIC = "basic", _("基础型")
        STANDARD = "standard", _("标准型")
        BENCHMARK = "benchmark", _("标杆型")

    class PartnerType(models.TextChoices):
        BANK = "bank", _("政务+金融")
        POST = "post", _("政务+邮政")
        MEDICAL = "medical", _("政务+医疗")
        RETAIL = "retail", _("政务+商超")

    code = models.CharField(_("站点编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, db_index=True)
    tier = models.CharField(_("建设等级"), max_length=16, choices=Tier.choices, blank=True, default="")
    partner_type = models.CharField(_("合作类型"), max_length=16, choices=PartnerType.choices, blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="sites", verbose_name=_("所属区域"))
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级中心"),
        help_text=_("站点、合作网点、终端所属的镇（街道）便民服务中心"),
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=32, blank=True)
    hours = models.CharField(_("办公时间"), max_length=128, blank=True)
    policy_text = models.TextField(_("帮办代办制度"), blank=True)
    capabilities = models.TextField(_("可办业务（终端）"), blank=True)
    matters = models.ManyToManyField(Matter, through="SiteMatter", related_name="sites", blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("服务站点")
        verbose_name_plural = _("服务站点")

    def __str__(self) -> str:
        return self.name


class SiteMatter(models.Model):
    """Which site offers which matter."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="site_matters")
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="site_matters")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "matter"], name="uniq_site_matter")]
        verbose_name = _("站点事项")
        verbose_name_plural = _("站点事项")

    def __str__(self) -> str:
        return f"{self.site} · {self.matter}"


class Grid(models.Model):
    """A grid (网格) belonging to a station; its grid workers go door to door there."""

    code = models.CharField(_("网格编码"), max_length=32, unique=True)
    name = models.CharField(_("网格名称"), max_length=64)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="grids", verbose_name=_("所属站点"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("网格")
        verbose_name_plural = _("网格")

    def __str__(self) -> str:
        return f"{self.site.name}·{self.name}"


class Agent(models.Model):
    """A person who helps residents (帮办代办员): cadre, community worker, grid worker, volunteer or staff.

    ``kind`` values are the API's ``role`` values. ``phone`` is the personal mobile: it is published only
    with ``publish_mobile_consent``; otherwise the work phone, or the station's phone, is shown.
    """

    class Kind(models.TextChoices):
        DISTRICT_ADMIN = "district_admin", _("区级管理员")
        TOWN_STAFF = "town_staff", _("镇（街道）工作人员")
        STATION_STAFF = "station_staff", _("站点工作人员")
        GRID_WORKER = "grid_worker", _("网格员")
        CADRE = "cadre", _("党员干部")
        COMMUNITY_WORKER = "community_worker", _("社区工作者")
        VOLUNTEER = "volunteer", _("志愿者")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agent",
        verbose_name=_("登录账号"),
    )
    name = models.CharField(_("姓名"), max_length=64)
    kind = models.CharField(_("身份"), max_length=32, choices=Kind.choices, db_index=True)
    title = models.CharField(_("职务"), max_length=64, blank=True)
    phone = PhoneNumberField(_("手机号"), region="CN")
    work_phone = models.CharField(_("工作电话"), max_length=32, blank=True)
    publish_mobile_consent = models.BooleanField(_("同意公开手机号"), default=False)
    sites = models.ManyToManyField(Site, related_name="agents", blank=True, verbose_name=_("服务站点"))
    grids = models.ManyToManyField(Grid, related_name="agents", blank=True, verbose_name=_("服务网格"))
    scopes = models.ManyToManyField(Matter, related_name="agents", blank=True, verbose_name=_("服务范围"))
    backup = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="backup_for",
        verbose_name=_("AB岗备岗人"),
    )
    is_active = models.BooleanField(_("在岗"), default=True)
    is_published = models.BooleanField(_("公示"), default=False)
    is_away = models.BooleanField(_("外出/休假"), default=False)
    away_until = models.DateField(_("外出至"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["kind", "is_active"])]
        verbose_name = _("帮办代办员")
        verbose_name_plural = _("帮办代办员")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"

    @property
    def role(self) -> str:
        return self.kind


class DutyShift(models.Model):
    """One day of a station's on-duty rota (干部轮值)."""

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="duty_shifts", verbose_name=_("站点")
    )
    date = models.DateField(_("日期"))
    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="duty_shifts", verbose_name=_("值班人")
    )
    note = models.CharField(_("备注"), max_length=128, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["site", "date", "agent"], name="uniq_duty_shift")]
        indexes = [models.Index(fields=["site", "date"])]
        verbose_name = _("值班安排")
        verbose_name_plural = _("值班安排")

    def __str__(self) -> str:
        return f"{self.date} {self.site} {self.agent.name}"
