"""全省通办 / 跨省通办: matters handled by another region's authority, and each case's hand-off.

The station collects the materials and hands the case off (``Handoff``): receiving region and authority,
channel, what was sent and when, the receiving reference number once known, and the outcome when it
comes back. Meanwhile the case waits in ``handed_off`` (``workflows.Case.Status``). The outbound message is
an outbox row of channel ``handoff`` (``notifications.backends.handoff``): retried, never dropped.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    PROVINCE = "province", _("全省通办")
    CROSS_PROVINCE = "cross_province", _("跨省通办")


class Channel(models.TextChoices):
    PLATFORM = "platform", _("省平台")
    MAIL = "mail", _("邮寄")
    WINDOW = "window", _("跨省专窗")


class RemoteMatter(models.Model):
    """A matter whose decision rests with another region's authority (marked by the district admin)."""

    matter = models.OneToOneField(
        "agency.Matter", on_delete=models.CASCADE, related_name="remote", verbose_name=_("事项")
    )
    scope = models.CharField(_("通办范围"), max_length=16, choices=Scope.choices)
    region = models.CharField(
        _("受理地区"), max_length=64, help_text=_("如：河南省郑州市；按群众户籍地填写时可留空"), blank=True
    )
    authority = models.CharField(_("受理机关"), max_length=128, blank=True)
    channel = models.CharField(
        _("默认渠道"), max_length=16, choices=Channel.choices, default=Channel.PLATFORM
    )
    note = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("通办事项")
        verbose_name_plural = _("通办事项")

    def __str__(self) -> str:
        return f"{self.matter_id} {self.get_scope_display()}"


class Handoff(models.Model):
    """One case handed off to another region's authority, and what came back."""

    class Outcome(models.TextChoices):
        COMPLETED = "completed", _("已办结")
        REFUSED = "refused", _("不予办理")

    case = models.ForeignKey(
        "workflows.Case", on_delete=models.CASCADE, related_name="handoffs", verbose_name=_("案件")
    )
    scope = models.CharField(_("通办范围"), max_length=16, choices=Scope.choices)
    region = models.CharField(_("受理地区"), max_length=64)
    authority = models.CharField(_("受理机关"), max_length=128)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    materials_sent = models.JSONField(_("报送材料"), default=list, blank=True)
    note = models.TextField(_("说明"), blank=True)
    sent_at = models.DateTimeField(_("转出时间"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经办人"),
    )
    outbox_key = models.CharField(_("发件箱去重键"), max_length=191, blank=True)
    reference_no = models.CharField(_("对方受理号"), max_length=64, blank=True)
    reference_at = models.DateTimeField(_("受理号登记时间"), null=True, blank=True)
    remind_at = models.DateTimeField(_("下次提醒"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("已提醒次数"), default=0)
    outcome = models.CharField(_("办理结果"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("结果说明"), blank=True)
    returned_at = models.DateTimeField(_("结果返回时间"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("异地转办")
        verbose_name_plural = _("异地转办")
        indexes = [
            # the reminder sweep: open hand-offs whose reminder is due
            models.Index(
                fields=["remind_at"], name="handoff_open_remind_idx", condition=Q(returned_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.region} {self.authority}"

    @property
    def is_open(self) -> bool:
        return self.returned_at is None
