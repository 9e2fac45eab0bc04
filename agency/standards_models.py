"""Station construction standards (the policy's attachments 1 and 2) as data, and what each site has.

``StandardCriterion`` rows are the two tables, tier by tier: 附件1 镇（街道）便民服务中心建设标准 and 附件2
村（社区）便民服务站建设标准. Each row says, for one site kind and one tier, what one item (area, windows,
zones …) must be. Rows are data (seeded by a data migration, editable in the admin), so a new policy
edition is an edit, not a release.

The figures are the policy's (``agency/data/station_standards.json``, loaded by migration 0005_i13); what a site
has is recorded by its self-assessment in the ``standards`` app, which also computes tiers.

``SiteProfile``/``SiteProfileChange`` are the earlier town-recorded profiles, kept read-only (admin) as history;
nothing writes them any more.

Loaded by the last line of ``agency/models.py`` so Django registers these models with the app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["SiteProfile", "SiteProfileChange", "StandardCriterion"]

TIER_ORDER = ("basic", "standard", "benchmark")


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
    # What the policy itself says for this cell, as shipped (agency/data/station_standards.json). When the
    # row's own values differ, staff have revised it: pages show "本区修订" with this value beside.
    policy = models.JSONField(_("政策原值"), default=dict, blank=True, editable=False)

    class Meta:
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


class SiteProfile(models.Model):
    """What a center or station actually has, as recorded by town staff (the facts tiers are computed from).

    The matter count is not stored: it is the number of active matters the site offers (``SiteMatter``).
    """

    site = models.OneToOneField(
        "agency.Site", on_delete=models.CASCADE, related_name="profile", verbose_name=_("站点")
    )
    area_m2 = models.DecimalField(_("场所面积（㎡）"), max_digits=8, decimal_places=1, default=0)
    has_unified_signage = models.BooleanField(_("统一标识"), default=False)
    zones = models.JSONField(_("功能分区"), default=list, blank=True)
    windows = models.PositiveSmallIntegerField(_("服务窗口数"), default=0)
    seats = models.PositiveSmallIntegerField(_("服务席位数"), default=0)
    staffing = models.PositiveSmallIntegerField(_("工作人员数"), default=0)
    equipment = models.JSONField(_("设备配置"), default=list, blank=True)
    facilities = models.JSONField(_("便民设施"), default=list, blank=True)
    network = models.JSONField(_("网络条件"), default=list, blank=True)
    rules = models.JSONField(_("制度建设"), default=list, blank=True)
    note = models.CharField(_("备注"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("更新人"),
    )

    class Meta:
        verbose_name = _("站点建设情况")
        verbose_name_plural = _("站点建设情况")

    def __str__(self) -> str:
        return f"{self.site}"


class SiteProfileChange(models.Model):
    """History of a site profile: one row per save, with ``{field: [old, new]}`` of what changed."""

    profile = models.ForeignKey(
        SiteProfile, on_delete=models.CASCADE, related_name="changes", verbose_name=_("站点建设情况")
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("修改人"),
    )
    changes = models.JSONField(_("变更内容"), default=dict)
    note = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("建设情况变更记录")
        verbose_name_plural = _("建设情况变更记录")

    def __str__(self) -> str:
        return f"{self.profile} {self.at:%Y-%m-%d %H:%M}"
