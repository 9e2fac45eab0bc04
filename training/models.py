"""Agent capability (政策第八条): training events, attendance, qualification rules and capability plans.

A qualification is not stored: it is *derived* from attendance (``training.selectors``), so it can never
drift from the records it comes from. An agent is qualified for a matter category when they attended (and
did not fail) an event that grants qualification and covers the category; the district may set a validity
(``QualificationRule.valid_months``) after which the qualification expires.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agency.models import Agent, Matter, Site

CATEGORY_CHOICES = Matter.Category.choices
PLAN_KINDS = (
    Agent.Kind.CADRE,
    Agent.Kind.COMMUNITY_WORKER,
    Agent.Kind.GRID_WORKER,
    Agent.Kind.VOLUNTEER,
)


class TrainingEvent(models.Model):
    """One 专题培训 / 岗位练兵 / 技能比武 / 观摩交流, organised by a town center or a station."""

    class Kind(models.TextChoices):
        COURSE = "course", _("专题培训")
        DRILL = "drill", _("岗位练兵")
        CONTEST = "contest", _("技能比武")
        VISIT = "visit", _("观摩交流")

    kind = models.CharField(_("形式"), max_length=16, choices=Kind.choices, db_index=True)
    title = models.CharField(_("主题"), max_length=128)
    date = models.DateField(_("日期"), db_index=True)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    organiser = models.CharField(_("组织单位"), max_length=128)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="training_events", verbose_name=_("登记站点")
    )
    categories = models.JSONField(_("涉及事项类别"), default=list, blank=True)
    matters = models.ManyToManyField(
        Matter, blank=True, related_name="training_events", verbose_name=_("涉及事项")
    )
    grants_qualification = models.BooleanField(
        _("计入事项资格"), default=True, help_text=_("参加且未判定不合格的人员取得所涉类别的资格")
    )
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["site", "date"], name="training_event_site_date_idx")]
        verbose_name = _("培训练兵活动")
        verbose_name_plural = _("培训练兵活动")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}·{self.title}"


class Attendance(models.Model):
    """One agent at one event: hours credited and, where the event assesses, a score and result."""

    class Result(models.TextChoices):
        ATTENDED = "attended", _("参加")
        PASSED = "passed", _("合格")
        FAILED = "failed", _("不合格")

    event = models.ForeignKey(
        TrainingEvent, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("活动")
    )
    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("人员")
    )
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    score = models.DecimalField(_("成绩"), max_digits=5, decimal_places=1, null=True, blank=True)
    result = models.CharField(_("结果"), max_length=16, choices=Result.choices, default=Result.ATTENDED)
    award = models.CharField(_("名次/奖项"), max_length=64, blank=True)

    class Meta:
        ordering = ["event", "agent"]
        constraints = [models.UniqueConstraint(fields=["event", "agent"], name="uniq_attendance")]
        indexes = [models.Index(fields=["agent", "event"], name="attendance_agent_event_idx")]
        verbose_name = _("参训记录")
        verbose_name_plural = _("参训记录")

    def __str__(self) -> str:
        return f"{self.agent_id}@{self.event_id}"


class QualificationRule(models.Model):
    """The district's rule for one matter category: how long a qualification lasts, and whether assigning
    an agent without it is flagged on the case."""

    category = models.CharField(_("事项类别"), max_length=32, choices=CATEGORY_CHOICES, unique=True)
    valid_months = models.PositiveSmallIntegerField(
        _("有效期（月）"), null=True, blank=True, help_text=_("留空为长期有效")
    )
    check_on_assign = models.BooleanField(_("分派时核验资格"), default=True)

    class Meta:
        ordering = ["category"]
        verbose_name = _("事项资格规则")
        verbose_name_plural = _("事项资格规则")

    def __str__(self) -> str:
        return str(self.get_category_display())


class CapabilityPlan(models.Model):
    """能力提升计划 for one agent kind: hours per year and the categories every such agent must hold."""

    kind = models.CharField(
        _("人员身份"), max_length=32, choices=[(k.value, k.label) for k in PLAN_KINDS], unique=True
    )
    required_hours = models.DecimalField(_("年度学时要求"), max_digits=5, decimal_places=1, default=0)
    required_categories = models.JSONField(_("须取得资格的类别"), default=list, blank=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("能力提升计划")
        verbose_name_plural = _("能力提升计划")

    def __str__(self) -> str:
        return str(self.get_kind_display())
