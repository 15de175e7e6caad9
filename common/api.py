"""API plumbing shared by every app: the one error shape and the unit-scoping permission.

Every error the API returns has this JSON shape (documented in the OpenAPI description):

    {"code": "validation_error", "message": "提交的数据有误", "errors": {"<field>": ["<中文消息>"]}}

`errors` is present only for validation errors; `non_field_errors` holds errors not tied to a field.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, permissions
from rest_framework.views import exception_handler as drf_exception_handler

MESSAGES = {
    "not_authenticated": "未登录或登录已过期，请重新登录",
    "authentication_failed": "身份认证失败",
    "permission_denied": "您没有执行该操作的权限",
    "not_found": "记录不存在或您无权查看",
    "method_not_allowed": "不支持该请求方法",
    "throttled": "请求过于频繁，请稍后再试",
    "parse_error": "请求数据格式错误",
    "unsupported_media_type": "不支持的数据格式",
    "validation_error": "提交的数据有误，请按提示修改",
}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        code = "validation_error"
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = {"code": code, "message": MESSAGES[code], "errors": detail}
    else:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = code if isinstance(code, str) else "error"
        message = MESSAGES.get(code) or str(getattr(exc, "detail", "请求失败"))
        body = {"code": code, "message": message}
    response.data = body
    return response


class ReadOnlyForLeaders(permissions.BasePermission):
    """Leaders read everything and change nothing (SPEC roles)."""

    message = "领导账号为只读，不能修改数据"

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return not request.user.is_read_only
