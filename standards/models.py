"""Self-assessments of centers and stations against the construction standards, reviewed by the town.

An ``Assessment`` is one submission (immutable answers, the system facts seen at submission, the tier it
computes to); the town approves or returns it (``AssessmentEvent`` keeps every submission and review with who
and when). ``Evidence`` is an optional photo per row. ``SiteStanding`` is a site's current approved tier: the
tier computed from its last approved assessment, what the roster and map badges and the campaign page read.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

TIER_CHOICES = [
    ("", _("未达基础型")),
    ("basic", _("基础型")),
    ("standard", _("标准型")),
    ("benchmark", _("标杆型")),
]


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
