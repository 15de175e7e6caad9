"""API plumbing shared by every app: the one error shape, pagination, the leaders' read-only rule, and API
tokens (django-rest-knox: who may hold one, how they expire, issue and revocation; settings.REST_KNOX).

Keep this module free of imports of rest_framework.views / drf_spectacular.openapi (see exception_handler);
the OpenAPI side of the error shape lives in common/api_schema.py.

Every error the API returns has this JSON shape (documented in the OpenAPI schema as `Error`, common/api_schema.py):

    {"code": "validation_error", "message": "提交的数据有误，请按提示修改", "errors": {"<field>": ["<中文消息>"]}}

`code` is machine-readable (validation_error, not_authenticated, authentication_failed, permission_denied,
not_found, method_not_allowed, parse_error, throttled, locked_out, …; request_too_large, server_error and the 404
of a path no route matches come from common.views' error handlers in the same shape); `message` is Chinese text
to show the user; `errors` is present only for validation errors, keyed by field, with `non_field_errors` for
errors not tied to one field. A
django.core.exceptions.ValidationError raised by a service (e.g. projects.services.project_validate) becomes
a validation_error with the service's own field keys, so the API and the form show the same messages.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken
from rest_framework import exceptions, pagination, permissions
from rest_framework.settings import api_settings

from common.access import may_use_api_token

MESSAGES = {
    "not_authenticated": "未登录或登录已过期，请重新登录",
    "authentication_failed": "身份认证失败",
    "permission_denied": "您没有执行该操作的权限",
    "not_found": "记录不存在或您无权查看",
    "method_not_allowed": "不支持该请求方法",
    "not_acceptable": "无法按请求的格式返回数据",
    "throttled": "请求过于频繁，请稍后再试",
    "locked_out": "该用户名连续登录失败5次，已锁定15分钟，请稍后再试；如需立即解锁，请联系系统管理员。",
    "parse_error": "请求数据格式错误",
    "unsupported_media_type": "不支持的数据格式",
    "validation_error": "提交的数据有误，请按提示修改",
}


def _field_errors(detail) -> dict:
    """DRF's detail as {field: [messages]}; Django's "__all__" becomes DRF's non_field_errors."""
    if not isinstance(detail, dict):
        return {api_settings.NON_FIELD_ERRORS_KEY: detail if isinstance(detail, list) else [detail]}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key): value
        for key, value in detail.items()
    }


def exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error in the one shape above, in Chinese."""
    # Imported here: this module is named in DEFAULT_PERMISSION_CLASSES, which rest_framework.views reads
    # while it is being imported (a module-level import would be circular).
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        )
    elif isinstance(exc, Http404):
        # Never echo why: "not yours" and "doesn't exist" must look the same (unit scoping).
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        # A service's refusal ("您只能为本单位登记和推送项目") is already worded for the user.
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        code = "validation_error"
        body = {"code": code, "message": MESSAGES[code], "errors": _field_errors(exc.detail)}
    else:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = code if isinstance(code, str) else "error"
        detail = str(getattr(exc, "detail", "") or "")
        # A specific message (the leader's read-only notice, "认证令牌无效。", "无效页面。") is kept;
        # DRF's generic default for the code is replaced by ours.
        # A parse error's detail is the parser's own English ("JSON parse error - …"): always ours.
        is_default = detail == str(getattr(exc, "default_detail", "")) or code == "parse_error"
        message = (MESSAGES.get(code) if is_default else detail) or detail or "请求失败"
        if detail.startswith("CSRF Failed"):  # DRF's SessionAuthentication words this in English
            message = "页面已过期（CSRF 校验失败），请刷新页面后重试"
        if isinstance(exc, exceptions.Throttled):  # DRF's detail mixes a Chinese and an English sentence
            message = MESSAGES["throttled"] + (f"（约{exc.wait:.0f}秒后可再试）" if exc.wait else "")
        body = {"code": code, "message": message}
    response.data = body
    return response


class StandardPagination(pagination.PageNumberPagination):
    """?page=2&page_size=100 — 50 a page by default, at most 200."""

    page_size = 50
    page_size_query_param = "page_size"
    page_size_query_description = "每页条数（默认50，最多200）"
    page_query_description = "页码（从1开始）"
    max_page_size = 200


class ReadOnlyForLeaders(permissions.BasePermission):
    """Leaders read everything and change nothing (SPEC roles): any write is a 403."""

    message = "领导账号为只读，不能修改数据"

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return not getattr(request.user, "is_read_only", False)


class LockedOut(exceptions.APIException):
    """POST /api/token/ for a username django-axes has locked (B3): 429, the same words as the login page."""

    status_code = 429
    default_code = "locked_out"
    default_detail = MESSAGES["locked_out"]


# Personal tokens come from POST /api/token/ without a prefix; an admin's integration tokens carry this one
# (knox keeps the prefix in token_key). The random part is hex, so it never contains "_".
INTEGRATION_TOKEN_PREFIX = "int_"


def is_integration_token(token) -> bool:
    return token.token_key.startswith(INTEGRATION_TOKEN_PREFIX)


class ExpiringTokenAuthentication(KnoxTokenAuthentication):
    """`Authorization: Token <key>` (knox, REST_KNOX in settings): personal tokens renew on use up to their
    12-hour cap, integration tokens keep their fixed expiry, and a leader's token stops working as soon as
    the admin withdraws the grant."""

    def renew_token(self, auth_token) -> None:
        if not is_integration_token(auth_token):
            super().renew_token(auth_token)

    def _cleanup_token(self, auth_token) -> bool:
        # knox would also load and purge the user's other expired tokens on every request (one more query per
        # call); they are purged when a new token is issued instead (common.api_views.ObtainTokenView).
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        if not may_use_api_token(user):
            raise exceptions.AuthenticationFailed("该账号未开通 API 令牌，请联系系统管理员")
        return user, token


class MayUseApiToken(permissions.BasePermission):
    """The API docs and schema (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]): for whoever may hold a token."""

    message = "该账号未开通 API，接口文档仅对可使用 API 的账号开放"

    def has_permission(self, request, view):
        return may_use_api_token(request.user)


# Token issue and revocation (B4). The browser session remembers the digests of the tokens minted while it was
# logged in, so logging out revokes exactly those; knox stores only the digest, never the token itself.
SESSION_TOKEN_DIGESTS = "api_token_digests"


def api_token_issue(*, user, request=None) -> tuple:
    """A personal token (30 idle minutes, REST_KNOX). Tied to the browser session that asked, if any."""
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()  # see _cleanup_token
    instance, token = AuthToken.objects.create(user=user)
    session = getattr(request, "session", None)
    # The session's own record of its login: DRF has replaced request.user with the view's (anonymous) user.
    if session is not None and SESSION_KEY in session:
        session[SESSION_TOKEN_DIGESTS] = [*session.get(SESSION_TOKEN_DIGESTS, []), instance.digest]
    return instance, token


def api_token_issue_integration(*, user) -> tuple:
    """An admin's token for another system: fixed lifetime (settings.API_INTEGRATION_TOKEN_DAYS), not renewed."""
    return AuthToken.objects.create(
        user=user,
        expiry=dt.timedelta(days=settings.API_INTEGRATION_TOKEN_DAYS),
        prefix=INTEGRATION_TOKEN_PREFIX,
    )


def api_tokens_revoke_for_session(request) -> int:
    """On logout: the tokens this browser session obtained stop working with it."""
    digests = request.session.get(SESSION_TOKEN_DIGESTS, [])
    return AuthToken.objects.filter(digest__in=digests).delete()[0] if digests else 0


def api_tokens_revoke_personal(*, user) -> int:
    """After a password change: every personal token of the user goes; admins' integration tokens stay."""
    return (
        AuthToken.objects.filter(user=user)
        .exclude(token_key__startswith=INTEGRATION_TOKEN_PREFIX)
        .delete()[0]
    )
