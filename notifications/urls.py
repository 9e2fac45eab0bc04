"""Pages of this app."""

from django.urls import path

from notifications import receipt_views, views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    # issue 27: delivery reports pushed by the SMS providers (token-protected, see receipt_views)
    path("sms/receipts/aliyun/<str:token>/", receipt_views.aliyun_receipts, name="sms-receipts-aliyun"),
    path("sms/receipts/tencent/<str:token>/", receipt_views.tencent_receipts, name="sms-receipts-tencent"),
]
