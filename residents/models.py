"""Resident-facing records: SMS codes, resident tokens, 好差评 ratings and the bad-rating loop.

Moved here from the workflows app (issue 19) with their tables kept (``db_table = "workflows_*"``): the
move was a state-only migration. Appointments (预约) came from the old oversight module.

A 差评 (rating 1 or 2) starts the loop the national 好差评 rules require: the station is alerted at once, a
call-back (``Callback``, 回访) is due within ``BAD_RATING_CALLBACK_DAYS`` working days, a rectification report
(``Rectification``) within ``BAD_RATING_RECTIFY_DAYS``; the resident is told the outcome and may give one
follow-up rating (追评). Staff may appeal (``Appeal``, 申诉) a malicious rating; an accepted appeal
excludes the
rating from statistics but keeps it on record.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

__all__ = [
    "Appeal",
    "Appointment",
    "Callback",
    "DoorstepRequest",
    "OtpCode",
    "Rating",
    "Rectification",
    "ResidentToken",
]


class OtpCode(models.Model):
    """A 6-digit SMS code for one phone. Only an HMAC of the code is stored; valid 5 minutes, single use."""

    phone = PhoneNumberField(_("手机号"), region="CN", db_index=True)
    code_hash = models.CharField(_("验证码摘要"), max_length=64)
    created_at = models.DateTimeField(_("发送时间"), db_index=True)
    expires_at = models.DateTimeField(_("过期时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)

    class Meta:
        db_table = "workflows_otpcode"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["phone", "-created_at"], name="otp_phone_created")]
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")

    def __str__(self) -> str:
        return f"OTP #{self.pk}"


class ResidentToken(models.Model):
    """A short-lived bearer token for one verified phone. Only its HMAC is stored.

    A leaked table therefore lets nobody in."""

    token_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    phone = PhoneNumberField(_("手机号"), region="CN", db_index=True)
    created_at = models.DateTimeField(_("签发时间"))
    expires_at = models.DateTimeField(_("过期时间"), db_index=True)
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True)

    class Meta:
        db_table = "workflows_residenttoken"
        ordering = ["-created_at"]
        verbose_name = _("居民查询令牌")
        verbose_name_plural = _("居民查询令牌")

    def __str__(self) -> str:
        return f"ResidentToken #{self.pk}"


# 差评: a rating of 1 or 2 (of 5). The one definition: ``Rating.is_bad`` for a row, ``bad_rating_q()`` for a query.
BAD_RATING_MAX = 2


def bad_rating_q(prefix: str = "") -> Q:
    """The filter for bad ratings (``prefix`` for a related lookup, e.g. ``"ratings__"``)."""
    return Q(**{f"{prefix}value__lte": BAD_RATING_MAX})


class Rating(models.Model):
    """One 好差评 rating: 5 非常满意 · 4 满意 · 3 基本满意 · 2 不满意 · 1 非常不满意.

    Normally about a case (one first rating plus at most one follow-up after rectification). A walk-in rating
    on the station's kiosk may name only the agent who served. ``excluded`` marks a rating removed from
    statistics by an accepted appeal; the row is never deleted.
    """

    class Value(models.IntegerChoices):
        VERY_DISSATISFIED = 1, _("非常不满意")
        DISSATISFIED = 2, _("不满意")
        BASIC = 3, _("基本满意")
        SATISFIED = 4, _("满意")
        VERY_SATISFIED = 5, _("非常满意")

    class Channel(models.TextChoices):
        TRACK = "track", _("进度查询页")
        SMS_LINK = "sms_link", _("短信评价链接")
        KIOSK = "kiosk", _("现场评价器")

    ASPECTS = ("服务态度", "办事效率", "结果满意度")

    case = models.ForeignKey(
        "workflows.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
        verbose_name=_("案件"),
    )
    site = models.ForeignKey(
        "agency.Site", on_delete=models.PROTECT, related_name="ratings", verbose_name=_("站点")
    )
    agent = models.ForeignKey(
        "agency.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ratings",
        verbose_name=_("服务人员"),
    )
    value = models.PositiveSmallIntegerField(_("评价"), choices=Value.choices)
    comment = models.TextField(_("意见"), blank=True, max_length=1000)
    aspects = models.JSONField(_("分项评价"), default=dict, blank=True)
    is_followup = models.BooleanField(_("追评"), default=False)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices, default=Channel.TRACK)
    created_at = models.DateTimeField(_("评价时间"), db_index=True)
    # The bad-rating loop's deadlines and escalation marks (set only for 差评).
    callback_due_at = models.DateTimeField(_("回访期限"), null=True, blank=True)
    rectify_due_at = models.DateTimeField(_("整改期限"), null=True, blank=True)
    callback_escalated_at = models.DateTimeField(_("回访超时升级"), null=True, blank=True)
    rectify_escalated_at = models.DateTimeField(_("整改超时升级"), null=True, blank=True)
    excluded = models.BooleanField(_("申诉成立，不计入统计"), default=False)
    excluded_at = models.DateTimeField(_("剔除时间"), null=True, blank=True)

    class Meta:
        db_table = "workflows_rating"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=1, value__lte=5), name="rating_value_1_5"),
            models.UniqueConstraint(
                fields=["case", "is_followup"], condition=Q(case__isnull=False), name="uniq_rating_per_case"
            ),
        ]
        indexes = [models.Index(fields=["site", "created_at"], name="rating_site_created")]
        verbose_name = _("评价")
        verbose_name_plural = _("好差评")

    def __str__(self) -> str:
        return f"评价 #{self.pk} {self.value}"

    @property
    def is_bad(self) -> bool:
        return self.value <= BAD_RATING_MAX


class Callback(models.Model):
    """A call-back (回访) to the resident after a bad rating."""

    rating = models.ForeignKey(
        Rating, on_delete=models.PROTECT, related_name="callbacks", verbose_name=_("评价")
    )
    at = models.DateTimeField(_("回访时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("回访人"),
    )
    reached = models.BooleanField(_("已联系上"), default=True)
    note = models.TextField(_("回访记录"), max_length=2000)

    class Meta:
        db_table = "workflows_callback"
        ordering = ["at"]
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")

    def __str__(self) -> str:
        return f"回访 #{self.pk}"


class Rectification(models.Model):
    """The rectification report (整改报告) that answers a bad rating; the resident is told its outcome."""

    rating = models.OneToOneField(
        Rating, on_delete=models.PROTECT, related_name="rectification", verbose_name=_("评价")
    )
    at = models.DateTimeField(_("整改时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("报告人"),
    )
    report = models.TextField(_("整改情况"), max_length=4000)
    resident_notified_at = models.DateTimeField(_("已告知居民"), null=True, blank=True)

    class Meta:
        db_table = "workflows_rectification"
        ordering = ["at"]
        verbose_name = _("整改报告")
        verbose_name_plural = _("整改报告")

    def __str__(self) -> str:
        return f"整改 #{self.pk}"


class Appeal(models.Model):
    """A station's appeal (申诉) against a rating it thinks malicious, decided by a town admin."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        ACCEPTED = "accepted", _("申诉成立")
        REJECTED = "rejected", _("申诉不成立")

    rating = models.ForeignKey(
        Rating, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("评价")
    )
    reason = models.TextField(_("申诉理由"), max_length=2000)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("申诉人"),
    )
    filed_at = models.DateTimeField(_("申诉时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True, max_length=2000)

    class Meta:
        db_table = "workflows_appeal"
        ordering = ["-filed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rating"], condition=Q(status="pending"), name="uniq_pending_appeal_per_rating"
            )
        ]
        verbose_name = _("差评申诉")
        verbose_name_plural = _("差评申诉")

    def __str__(self) -> str:
        return f"申诉 #{self.pk}"


class DoorstepRequest(models.Model):
    """A resident's (or a family member's) request for a doorstep visit, made from /track/."""

    class Status(models.TextChoices):
        NEW = "new", _("待处理")
        HANDLED = "handled", _("已处理")

    phone = PhoneNumberField(_("联系电话"), region="CN", db_index=True)
    case = models.ForeignKey(
        "workflows.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="doorstep_requests",
        verbose_name=_("相关案件"),
    )
    site = models.ForeignKey(
        "agency.Site",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="doorstep_requests",
        verbose_name=_("站点"),
    )
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    note = models.TextField(_("需求说明"), max_length=1000, blank=True)
    for_family = models.BooleanField(_("家属代为申请"), default=False)
    special_groups = models.JSONField(_("特殊群体"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(_("申请时间"), db_index=True)

    class Meta:
        db_table = "workflows_doorsteprequest"
        ordering = ["-created_at"]
        verbose_name = _("上门服务申请")
        verbose_name_plural = _("上门服务申请")

    def __str__(self) -> str:
        return f"上门申请 #{self.pk}"


class Appointment(models.Model):
    """A resident's appointment request (预约): a site, a matter and a half-day slot on a working day.

    Station staff confirm it (it becomes a case through ``workflows.intake_services.case_create``) or decline it
    with a reason. The resident has no account: the phone is how staff reach them.
    """

    class HalfDay(models.TextChoices):
        AM = "am", _("上午")
        PM = "pm", _("下午")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        DECLINED = "declined", _("未受理")
        CANCELLED = "cancelled", _("已取消")

    ref = models.CharField(_("预约号"), max_length=16, unique=True)
    site = models.ForeignKey(
        "agency.Site", on_delete=models.PROTECT, related_name="appointments", verbose_name=_("站点")
    )
    matter = models.ForeignKey(
        "agency.Matter", on_delete=models.PROTECT, related_name="appointments", verbose_name=_("事项")
    )
    date = models.DateField(_("预约日期"))
    half_day = models.CharField(_("时段"), max_length=2, choices=HalfDay.choices)
    resident_name = models.CharField(_("姓名"), max_length=64)
    resident_phone = PhoneNumberField(_("联系电话"), region="CN")
    note = models.CharField(_("备注"), max_length=255, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    case = models.OneToOneField(
        "workflows.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointment",
        verbose_name=_("案件"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decline_reason = models.CharField(_("未受理原因"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        db_table = "workflows_appointment"
        ordering = ["date", "half_day", "id"]
        indexes = [models.Index(fields=["site", "date", "half_day"], name="appt_site_slot_idx")]
        verbose_name = _("预约")
        verbose_name_plural = _("预约")

    def __str__(self) -> str:
        return f"{self.ref} {self.date} {self.get_half_day_display()}"
