"""Admin: edit message texts; inspect the outbox, cancel or retry rows."""

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from core.masking import mask_phone
from notifications.models import MessageTemplate, Notification
from notifications.rendering import template_cache_clear
from notifications.selectors import provider_stats


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "audience", "length", "updated_at"]
    list_filter = ["audience"]
    search_fields = ["code", "name", "text"]
    readonly_fields = ["updated_at"]

    def save_model(self, request: HttpRequest, obj: MessageTemplate, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(template_cache_clear)  # this process uses the new text at once

    def delete_model(self, request: HttpRequest, obj: MessageTemplate) -> None:
        super().delete_model(request, obj)
        transaction.on_commit(template_cache_clear)

    @admin.display(description="字数（不含占位符）")
    def length(self, obj: MessageTemplate) -> int:
        import re

        return len(re.sub(r"\{[A-Za-z_][A-Za-z0-9_]*\}", "", obj.text))


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "dedupe_key",
        "channel",
        "audience",
        "masked_phone",
        "status",
        "provider",
        "delivery_state",
        "attempts",
        "send_after",
        "sent_at",
    ]
    list_filter = ["status", "channel", "audience", "provider", "delivery_state", "template"]
    change_list_template = "admin/notifications/notification/change_list.html"  # + per-provider figures
    search_fields = ["dedupe_key"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient_user"]
    actions = ["cancel", "retry"]
    exclude = ["recipient_phone"]
    readonly_fields = [f.name for f in Notification._meta.fields if f.name != "recipient_phone"] + [
        "masked_phone"
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        # issue 27: sent / delivered / failed by reason / receipt lag per SMS provider above the list
        return super().changelist_view(request, {**(extra_context or {}), "provider_stats": provider_stats()})

    @admin.display(description="手机号")
    def masked_phone(self, obj: Notification) -> str:
        return mask_phone(obj.recipient_phone)

    @admin.action(description="取消所选待发送通知")
    def cancel(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        n = queryset.filter(status=Notification.Status.PENDING).update(
            status=Notification.Status.CANCELLED, next_attempt_at=None
        )
        self.message_user(request, f"已取消 {n} 条", messages.SUCCESS)

    @admin.action(description="重新发送所选失败通知")
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        # Back to pending, due now: the outbox sweep publishes it within a minute.
        n = queryset.filter(status=Notification.Status.FAILED).update(
            status=Notification.Status.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            # issue 27: a fresh try starts at the first provider with no report of the failed one
            provider="",
            provider_message_id="",
            delivery_state="",
            delivery_code="",
            delivery_reason="",
            delivered_at=None,
            receipt_at=None,
        )
        self.message_user(request, f"已重新排队 {n} 条", messages.SUCCESS)
