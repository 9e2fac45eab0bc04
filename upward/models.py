"""The 好差评 upward outbox (``UpwardRecord``) and the endpoint's receipts (``UpwardReceipt``).

Same guarantees as the SMS outbox (``notifications.tasks``): the row is written in the transaction of the
rating (call-back, rectification) it reports and published to Celery on commit; a periodic sweep re-publishes
whatever is still pending (broker down, worker killed, retry backoff over). ``record_id`` is unique: the
same record is queued once, and the endpoint, which deduplicates on it, accepts it once.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UpwardRecord(models.Model):
    """One record for the provincial 好差评 system (an outbox row), its payload frozen when it was queued.

    ``next_attempt_at``: for ``pending`` rows when the sweep should (re)publish it, for ``sending`` rows the
    end of the worker's claim, after which the sweep puts it back to ``pending`` (re-sending is safe: the
    endpoint answers ``duplicate`` for a record it holds).
    """

    class Kind(models.TextChoices):
        EVALUATION = "evaluation", _("评价")
        CALLBACK = "callback", _("回访")
        RECTIFICATION = "rectification", _("整改")

    class Status(models.TextChoices):
        PENDING = "pending", _("待上报")
        SENDING = "sending", _("上报中")
        ACCEPTED = "accepted", _("已上报")
        REFUSED = "refused", _("被拒收")

    record_id = models.CharField(_("记录编号"), max_length=64, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    rating = models.ForeignKey(
        "residents.Rating", on_delete=models.PROTECT, related_name="upward_records", verbose_name=_("评价")
    )
    site = models.ForeignKey(
        "agency.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("站点"), db_index=False
    )
    payload_version = models.CharField(_("格式版本"), max_length=8)
    payload = models.JSONField(_("上报内容"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最后错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次处理时间"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    answered_at = models.DateTimeField(_("应答时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("好差评上报记录")
        verbose_name_plural = _("好差评上报记录")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="upward_status_next_idx"),
            models.Index(fields=["site", "status"], name="upward_site_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} [{self.status}]"


class UpwardReceipt(models.Model):
    """The endpoint's final answer to one record: accepted (also as a duplicate) with its receipt number, or
    refused with its reason. Written once, when the record leaves the outbox."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("已接收")
        DUPLICATE = "duplicate", _("重复（已接收）")
        REFUSED = "refused", _("拒收")

    record = models.OneToOneField(
        UpwardRecord, on_delete=models.CASCADE, related_name="receipt", verbose_name=_("上报记录")
    )
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)
    receipt_no = models.CharField(_("回执编号"), max_length=128, blank=True)
    reason = models.TextField(_("拒收原因"), blank=True)
    http_status = models.PositiveSmallIntegerField(_("HTTP状态"))
    received_at = models.DateTimeField(_("回执时间"))

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("上报回执")
        verbose_name_plural = _("上报回执")

    def __str__(self) -> str:
        return f"{self.record_id_display} {self.outcome}"

    @property
    def record_id_display(self) -> str:
        return str(self.record.record_id)
