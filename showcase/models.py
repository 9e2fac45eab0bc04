"""典型案例: a completed, very-satisfied case retold as a short story for the district's showcase.

Nothing personal is copied from the case: only its matter, station and town. The free text is checked for
phone and ID numbers and the resident's name before it is saved (``showcase.privacy``), and the resident's
consent (SMS link or a recorded verbal consent, with who and when) is required before the town publishes.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agency.models import Site


class TypicalCase(models.Model):
    """One proposed or published typical case (one per source case)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待审核")
        RETURNED = "returned", _("已退回")
        PUBLISHED = "published", _("已发布")

    class Consent(models.TextChoices):
        NONE = "none", _("未征求")
        REQUESTED = "requested", _("已发送短信，待确认")
        GIVEN = "given", _("已同意")
        REFUSED = "refused", _("不同意")

    class ConsentMethod(models.TextChoices):
        SMS = "sms", _("短信链接确认")
        VERBAL = "verbal", _("口头同意（工作人员记录）")

    case = models.OneToOneField(
        "workflows.Case", on_delete=models.PROTECT, related_name="typical_case", verbose_name=_("来源案件")
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="typical_cases", verbose_name=_("站点")
    )
    town = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        related_name="town_typical_cases",
        verbose_name=_("所属镇（街道）中心"),
    )
    matter_name = models.CharField(_("事项"), max_length=128)
    matter_category = models.CharField(_("事项类别"), max_length=32)
    title = models.CharField(_("标题"), max_length=64)
    story = models.TextField(_("案例经过"), max_length=2000)
    what_worked = models.TextField(_("经验做法"), max_length=1000)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    consent = models.CharField(_("群众同意"), max_length=16, choices=Consent.choices, default=Consent.NONE)
    consent_method = models.CharField(_("同意方式"), max_length=16, choices=ConsentMethod.choices, blank=True)
    consent_by = models.CharField(
        _("表示同意的人"), max_length=64, blank=True, help_text=_("如：本人、其女儿")
    )
    consent_at = models.DateTimeField(_("同意时间"), null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("记录人"),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("推荐人"),
    )
    proposed_at = models.DateTimeField(_("推荐时间"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审核人"),
    )
    review_note = models.CharField(_("审核意见"), max_length=255, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-proposed_at", "-id"]
        indexes = [models.Index(fields=["status", "town", "-published_at"], name="typical_status_town_idx")]
        verbose_name = _("典型案例")
        verbose_name_plural = _("典型案例")

    def __str__(self) -> str:
        return self.title
