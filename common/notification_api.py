"""API of the inbox (收件箱, common.notifications): the caller's own entries, newest first (?unread=1 for the
unread ones), one marked read, all marked read. Another user's entry is a 404, the same answer as an id that
doesn't exist. Reading one's own inbox changes no case data, so leaders (read-only accounts) may mark their
entries read too: the endpoints ask only for a logged-in user, not common.api.ReadOnlyForLeaders.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.models import Notification
from common.notifications import (
    inbox_for,
    notification_kind_label,
    notification_mark_read,
    notifications_mark_all_read,
)


class NotificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.SerializerMethodField(help_text="类型（中文）")
    is_read = serializers.SerializerMethodField(help_text="是否已读")

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_display", "title", "body", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields
        extra_kwargs = {"url": {"help_text": "相关页面的站内路径（可能为空）"}}

    def get_kind_display(self, notification) -> str:
        return notification_kind_label(notification.kind)

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


@extend_schema(tags=["收件箱"])
@extend_schema_view(
    list=extend_schema(
        summary="我的通知",
        description="当前用户自己的站内通知，按时间倒序。",
        parameters=[OpenApiParameter("unread", str, description="1：只列未读通知")],
    ),
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # schema only; requests go through get_queryset
    permission_classes = [permissions.IsAuthenticated]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        unread_only = self.action == "list" and self.request.query_params.get("unread") == "1"
        return inbox_for(self.request.user, unread_only=unread_only)

    @extend_schema(summary="标为已读", request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        notification_mark_read(user=request.user, notification=notification)
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        summary="全部标为已读",
        request=None,
        responses=inline_serializer(
            "InboxReadAll", {"marked": serializers.IntegerField(help_text="本次标为已读的条数")}
        ),
    )
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request):
        return Response({"marked": notifications_mark_all_read(user=request.user)})
