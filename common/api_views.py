"""API: the unit list (单位) — read-only, the same for every logged-in user (SPEC "Units") — and the token
endpoint (POST /api/token/)."""

import django_filters
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from common.access import may_use_api_token
from common.api import LockedOut, api_token_issue
from common.api_schema import ErrorSerializer
from common.models import Unit, UnitType


class UnitSerializer(serializers.ModelSerializer):
    unit_type_display = serializers.CharField(source="get_unit_type_display", read_only=True)
    # Many units have no e-mail on file: the schema says a string that may be empty, not format "email".
    email = serializers.CharField(read_only=True, help_text="电子邮箱；未登记时为空字符串")

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "short_name",
            "unit_type",
            "unit_type_display",
            "leader_name",
            "phone",
            "email",
            "address",
            "is_active",
        ]
        read_only_fields = fields


class UnitFilter(django_filters.FilterSet):
    unit_type = django_filters.ChoiceFilter(label="单位类型", choices=UnitType.choices)
    is_active = django_filters.BooleanFilter(label="启用")

    class Meta:
        model = Unit
        fields = ["unit_type", "is_active"]


@extend_schema(tags=["单位"])
@extend_schema_view(
    list=extend_schema(summary="单位列表", description="全部单位（含10个街道办事处），可按单位类型筛选。"),
    retrieve=extend_schema(summary="单位详情"),
)
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units are public within the system: every role reads them (e.g. to fill a project's street)."""

    queryset = Unit.objects.all()
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    search_fields = ["name", "short_name"]
    ordering_fields = ["sort_order", "name", "id"]
    ordering = ["sort_order", "id"]


class TokenObtainSerializer(serializers.Serializer):
    username = serializers.CharField(label="用户名")
    password = serializers.CharField(label="密码", style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="令牌：在请求头加 `Authorization: Token <令牌>`；只显示这一次")
    expiry = serializers.DateTimeField(help_text="到期时间（每次使用后顺延至30分钟后，最长12小时）")


@extend_schema(
    tags=["认证"],
    summary="以用户名、密码换取个人令牌",
    description=(
        "之后在请求头加 `Authorization: Token <令牌>`。令牌30分钟无操作即失效（每次使用自动续期，最长12小时）；"
        "在已登录的浏览器中换取的令牌随退出登录作废，修改密码后全部作废。对接系统请向管理员申请集成令牌"
        "（固定有效期）。用户名或密码错误返回400；同一用户名连续5次错误后锁定15分钟，期间返回429"
        "（`locked_out`）；每个地址每分钟最多换取10次，超出返回429（`throttled`）；"
        "领导账号未经管理员开通返回403。"
    ),
    request=TokenObtainSerializer,
    responses={
        200: TokenSerializer,
        400: OpenApiResponse(ErrorSerializer, description="用户名或密码错误（errors.non_field_errors）"),
        403: OpenApiResponse(ErrorSerializer, description="该账号未开通 API 令牌（领导账号须经管理员开通）"),
        429: OpenApiResponse(
            ErrorSerializer, description="用户名已锁定15分钟（locked_out）或请求过于频繁（throttled）"
        ),
    },
)
class ObtainTokenView(APIView):
    """POST /api/token/ (B3, B4): django-axes counts the failures, knox issues the token."""

    authentication_classes = ()  # the password is the credential; a session cookie is only remembered
    permission_classes = ()
    # REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_token"], per client address (REST_FRAMEWORK["NUM_PROXIES"]).
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "api_token"

    def post(self, request):
        serializer = TokenObtainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Django's own request, so that django-axes sees and flags it like the login pages.
        user = authenticate(request._request, **serializer.validated_data)
        if user is None:
            if getattr(request._request, "axes_locked_out", False):
                raise LockedOut()
            raise ValidationError({"non_field_errors": ["用户名或密码不正确，请重新输入。注意区分大小写。"]})
        if not may_use_api_token(user):
            raise PermissionDenied("该账号未开通 API 令牌：领导账号须经系统管理员开通")
        # As knox's own login view does: last_login, and axes clears the username's failure count.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        instance, token = api_token_issue(user=user, request=request._request)
        return Response(TokenSerializer({"token": token, "expiry": instance.expiry}).data)
