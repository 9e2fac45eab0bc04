"""In-app notifications of the logged-in user: list, unread count, mark read."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import selectors, services
from notifications.api.serializers import NotificationSerializer, UnreadCountSerializer


class NotificationListView(generics.ListAPIView):
    """``GET /api/v1/notifications/?unread=1`` → the caller's own in-app notifications, paginated."""

    serializer_class = NotificationSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = selectors.inapp_for_user(self.request.user)
        if self.request.query_params.get("unread") in {"1", "true"}:
            qs = qs.filter(read_at__isnull=True)
        return qs


class UnreadCountView(APIView):
    """``GET /api/v1/notifications/unread-count/`` → ``{"unread": n}``."""

    @extend_schema(responses=UnreadCountSerializer)
    def get(self, request: Request) -> Response:
        return Response({"unread": selectors.unread_count(request.user)})


class MarkReadView(APIView):
    """``POST /api/v1/notifications/{id}/read/`` → the notification, now read. Someone else's: 404."""

    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        row = services.notification_mark_read(user=request.user, notification_id=pk)
        return Response(NotificationSerializer(row).data)


class MarkAllReadView(APIView):
    """``POST /api/v1/notifications/read-all/`` → ``{"marked": n}``."""

    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request) -> Response:
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})
