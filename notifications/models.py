"""The outbox (``Notification``) and the admin-editable message texts (``MessageTemplate``).

Every message is first a row here, written in the same transaction as the change that causes it; a
Celery task sends it after commit and a periodic sweep picks up whatever the task never got to
(broker down, worker killed, quiet hours over). See ``notifications.tasks`` for the delivery guarantees.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageTemplate(models.Model):
    """One message text, ``{placeholder}`` style, edited by staff in the admin.

    Seeded from ``notifications.templates_registry`` by a data migration; rendering falls back to the
    built-in default when a row is missing and never fails on an unknown or missing placeholder.
    """

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    audience = models.CharField(_("对象"), max_length=16, blank=True)
    text = models.TextField(_("内容"), help_text=_("占位符写作 {case_no}；每条短信建议不超过70字"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Notification(models.Model):
    """One outgoing message (an outbox row).

    ``dedupe_key`` is unique: asking twice for the same message (a retried request, a sweep run twice)
    yields one row and one SMS. ``next_attempt_at`` is when the outbox sweep should next look at the
    row: for ``pending`` rows the time it becomes (re)sendable, for ``sending`` rows the end of the
    worker's claim, after which the send is *in doubt* (see ``notifications.tasks``). The sweep reads
    only rows with ``next_attempt_at <= now`` through the ``(status, next_attempt_at)`` index.
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("短信")
        INAPP = "inapp", _("站内")
        EMAIL = "email", _("邮件")
        HANDOFF = "handoff", _("异地转办")  # issue 15: notifications.backends.handoff

    class Audience(models.TextChoices):
        RESIDENT = "resident", _("居民")
        STAFF = "staff", _("工作人员")
        OTP = "otp", _("验证码")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    class DeliveryState(models.TextChoices):
        ACCEPTED = "accepted", _("服务商已受理")
        DELIVERED = "delivered", _("已送达")
        UNDELIVERED = "undelivered", _("未送达")

    dedupe_key = models.CharField(_("去重键"), max_length=191, unique=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices, default=Channel.SMS)
    audience = models.CharField(_("对象"), max_length=8, choices=Audience.choices, default=Audience.RESIDENT)
    # Indexed through (recipient_phone, send_after) below; every extra index slows the outbox sweep's writes.
    recipient_phone = models.CharField(_("手机号"), max_length=20, blank=True)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # covered by the (recipient_user, read_at) index
    )
    template = models.CharField(_("模板"), max_length=64)
    context = models.JSONField(_("参数"), default=dict, blank=True)
    text = models.TextField(_("内容"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最后错误"), blank=True)
    send_after = models.DateTimeField(_("最早发送时间"))
    next_attempt_at = models.DateTimeField(_("下次处理时间"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Issue 27: which provider took the SMS and what its delivery report (回执) said. Database defaults, so
    # the outbox writer (``notifications.outbox.COLUMNS``) need not list them; ``notifications.receipts``
    # is their one writer after the send.
    # a backend's name (aliyun, tencent) or the dotted path of a gateway backend: which one may have sent it
    provider = models.CharField(_("服务商"), max_length=200, blank=True, default="", db_default="")
    provider_message_id = models.CharField(
        _("服务商流水号"), max_length=64, blank=True, default="", db_default=""
    )
    delivery_state = models.CharField(
        _("回执状态"),
        max_length=12,
        choices=DeliveryState.choices,
        blank=True,
        default="",
        db_default="",
    )
    delivery_code = models.CharField(_("运营商代码"), max_length=32, blank=True, default="", db_default="")
    delivery_reason = models.CharField(_("未送达原因"), max_length=64, blank=True, default="", db_default="")
    delivered_at = models.DateTimeField(_("回执时间"), null=True, blank=True)
    receipt_at = models.DateTimeField(_("收到回执时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [
            # The outbox sweep: due pending rows and expired claims.
            models.Index(fields=["status", "next_attempt_at"], name="notif_status_next_idx"),
            # The per-recipient SMS cap looks at one phone's recent schedule.
            models.Index(fields=["recipient_phone", "send_after"], name="notif_phone_after_idx"),
            # The bell: one user's unread in-app rows.
            models.Index(fields=["recipient_user", "read_at"], name="notif_user_read_idx"),
            # Issue 27: a delivery report names the provider's id of the message (only SMS rows have one).
            models.Index(
                fields=["provider_message_id"],
                name="notif_provider_msg_idx",
                condition=~models.Q(provider_message_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dedupe_key} [{self.status}]"
