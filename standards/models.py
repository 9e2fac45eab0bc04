"""The construction standards and the self-assessments of centers and stations against them.

``StandardCriterion`` rows are the policy's two tables, tier by tier: 附件1 镇（街道）便民服务中心建设标准 and
附件2 村（社区）便民服务站建设标准. Each row says, for one site kind and one tier, what one item (area, windows,
zones …) must be. Rows are data (loaded from ``standards/data/station_standards.json`` by migration
``agency.0005_i13_policy_standards``, editable in the admin), so a new policy edition is an edit, not a
release; ``standards.policy`` reads the shipped file. (Until issue 25 the criteria lived in the agency app;
the table keeps its name.)


An ``Assessment`` is one submission (immutable answers, the system facts seen at submission, the tier it
computes to); the town approves or returns it (``AssessmentEvent`` keeps every submission and review with who
and when). ``Evidence`` is an optional photo per row. ``SiteStanding`` is a site's current approved tier: the
tier computed from its last approved assessment, what the roster and map badges and the campaign page read.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

TIER_ORDER = ("basic", "standard", "benchmark")

TIER_CHOICES = [
    ("", _("未达基础型")),
    ("basic", _("基础型")),
    ("standard", _("标准型")),
    ("benchmark", _("标杆型")),
]


class StandardCriterion(models.Model):
    """One cell of a construction-standard table: for ``site_kind`` at ``tier``, item ``key`` must be …

    ``min_value`` is a minimum (area, seats; a center's window staff), ``required_items`` the tier's full
    list as the table writes it, ``spec`` the structure a number or list cannot hold (see the field).
    ``standards.tiers`` evaluates them: a tier is met when every active row of that tier is met.
    """

    class SiteKind(models.TextChoices):
        CENTER = "center", _("镇（街道）便民服务中心")
        STATION = "station", _("村（社区）便民服务站")

    class Tier(models.TextChoices):
        BASIC = "basic", _("基础型")
        STANDARD = "standard", _("标准型")
        BENCHMARK = "benchmark", _("标杆型")

    class Key(models.TextChoices):
        AREA = "area", _("场所面积")
        SIGNAGE = "signage", _("统一标识")
        ZONES = "zones", _("功能分区")
        WINDOWS = "windows", _("服务窗口")
        SEATS = "seats", _("服务席位")
        STAFFING = "staffing", _("人员配备")
        EQUIPMENT = "equipment", _("设备配置")
        FACILITIES = "facilities", _("便民设施")
        MATTERS = "matters", _("事项数量")
        NETWORK = "network", _("网络条件")
        RULES = "rules", _("制度建设")

    site_kind = models.CharField(_("站点类型"), max_length=16, choices=SiteKind.choices)
    tier = models.CharField(_("等级"), max_length=16, choices=Tier.choices)
    key = models.CharField(_("指标"), max_length=16, choices=Key.choices)
    min_value = models.DecimalField(
        _("最低数值"), max_digits=8, decimal_places=1, null=True, blank=True, help_text=_("数值类指标")
    )
    required_items = models.JSONField(_("必备项目"), default=list, blank=True, help_text=_("清单类指标"))
    unit = models.CharField(_("单位"), max_length=16, blank=True)
    source = models.CharField(_("出处"), max_length=64, blank=True, help_text=_("政策附件及表格行"))
    note = models.CharField(_("说明"), max_length=255, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    # The policy table's own wording for this row and cell (附件1/附件2), shown next to the checkboxes.
    name = models.CharField(_("表中名称"), max_length=64, blank=True)
    text = models.CharField(_("政策原文"), max_length=255, blank=True)
    # Structure a plain minimum or item list cannot hold: staffing (leaders, window staff and their kind,
    # establishment; full/part-time counts, 两委 cadre, attendance), a practice the row asks for
    # (``practice`` + ``practice_required``: encouraged practices never block) and ``optional_items``
    # (有条件的可…: shown, never required).
    spec = models.JSONField(_("结构化要求"), default=dict, blank=True)
    # What the policy itself says for this cell, as shipped (standards/data/station_standards.json). When the
    # row's own values differ, staff have revised it: pages show "本区修订" with this value beside.
    policy = models.JSONField(_("政策原值"), default=dict, blank=True, editable=False)

    class Meta:
        db_table = "agency_standardcriterion"  # the table from before issue 25 moved the model here
        ordering = ["site_kind", "sort_order", "key", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["site_kind", "tier", "key"], name="uniq_standard_criterion"),
        ]
        verbose_name = _("建设标准指标")
        verbose_name_plural = _("建设标准指标")

    def __str__(self) -> str:
        return f"{self.get_site_kind_display()}·{self.get_tier_display()}·{self.get_key_display()}"

    def own_value(self) -> dict:
        """This row's values in the shape of ``policy`` (so the two compare)."""
        return {
            "min_value": None if self.min_value is None else float(self.min_value),
            "required_items": list(self.required_items or []),
            "spec": dict(self.spec or {}),
        }

    @property
    def is_revised(self) -> bool:
        """True when staff changed the row since the policy's value was loaded ("本区修订")."""
        return bool(self.policy) and self.own_value() != self.policy


class Assessment(models.Model):
    """One self-assessment of a site: answers per row of its table, as station/town staff submitted them.

    ``answers`` is ``{row key: {"value": "120", "items": [...], "full_time": 2, ...}}`` (see
    ``standards.answers``); ``system`` is what the record said at submission (``verified`` items filled in by
    the system, ``warnings`` where the record contradicts a ticked box, ``notes``).
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已通过")
        RETURNED = "returned", _("已退回")

    site = models.ForeignKey(
        "agency.Site", on_delete=models.PROTECT, related_name="assessments", verbose_name=_("站点")
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    answers = models.JSONField(_("自评内容"), default=dict)
    system = models.JSONField(_("系统核验"), default=dict, blank=True)
    computed_tier = models.CharField(_("测算等级"), max_length=16, choices=TIER_CHOICES, blank=True)
    next_tier = models.CharField(_("下一等级"), max_length=16, choices=TIER_CHOICES, blank=True)
    gaps = models.JSONField(_("差距"), default=list, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("填报人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_reason = models.CharField(_("退回理由"), max_length=255, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["site", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["site"], condition=Q(status="submitted"), name="one_pending_assessment_per_site"
            )
        ]
        verbose_name = _("达标自评")
        verbose_name_plural = _("达标自评")

    def __str__(self) -> str:
        return f"{self.site} {self.submitted_at:%Y-%m-%d} {self.get_status_display()}"


class Evidence(models.Model):
    """A photo backing one row of an assessment (re-encoded by ``core.images.image_sanitize``)."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("自评")
    )
    row_key = models.CharField(_("指标"), max_length=16)
    photo = models.FileField(_("照片"), upload_to="standards/evidence/%Y/%m/", max_length=200)
    content_type = models.CharField(_("类型"), max_length=32, default="image/jpeg")
    width = models.PositiveIntegerField(_("宽"), default=0)
    height = models.PositiveIntegerField(_("高"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "row_key"], name="one_photo_per_row")]
        verbose_name = _("佐证照片")
        verbose_name_plural = _("佐证照片")

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.row_key}"


class AssessmentEvent(models.Model):
    """History: one row per submission and per review (通过 / 退回 with the reason)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("提交自评")
        APPROVED = "approved", _("审核通过")
        RETURNED = "returned", _("退回")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="events", verbose_name=_("自评")
    )
    kind = models.CharField(_("动作"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("自评记录")
        verbose_name_plural = _("自评记录")

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.get_kind_display()}"


class SiteStanding(models.Model):
    """A site's approved tier: computed from its last approved assessment when the town approved it."""

    site = models.OneToOneField(
        "agency.Site", on_delete=models.CASCADE, related_name="standing", verbose_name=_("站点")
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="+", verbose_name=_("自评")
    )
    tier = models.CharField(_("达标等级"), max_length=16, choices=TIER_CHOICES, blank=True)
    next_tier = models.CharField(_("下一等级"), max_length=16, choices=TIER_CHOICES, blank=True)
    gaps = models.JSONField(_("差距"), default=list, blank=True)
    approved_at = models.DateTimeField(_("通过时间"))

    class Meta:
        verbose_name = _("站点达标等级")
        verbose_name_plural = _("站点达标等级")

    def __str__(self) -> str:
        return f"{self.site} {self.get_tier_display()}"
