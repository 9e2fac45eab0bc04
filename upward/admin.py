from django.contrib import admin

from upward.models import UpwardReceipt, UpwardRecord


class UpwardReceiptInline(admin.StackedInline):
    model = UpwardReceipt
    extra = 0
    can_delete = False
    readonly_fields = ("outcome", "receipt_no", "reason", "http_status", "received_at")


@admin.register(UpwardRecord)
class UpwardRecordAdmin(admin.ModelAdmin):
    """Read-only: the outbox is written by the rating services and the delivery task only."""

    list_display = ("record_id", "kind", "status", "attempts", "created_at", "answered_at")
    list_filter = ("status", "kind")
    search_fields = ("record_id",)
    inlines = [UpwardReceiptInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
