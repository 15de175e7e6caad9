"""Login, logout and password pages (Chinese), the login lockout's answer, the error pages' API side, favicon.

Logout is a POST from the header; a bookmarked GET lands on the home page.
"""

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views import defaults
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from common.api import MESSAGES, api_tokens_revoke_for_session, api_tokens_revoke_personal

LOCKED_OUT_MESSAGE = MESSAGES["locked_out"]


class _LockoutAwareMixin:
    """B3: when django-axes refuses the username, say so at the form instead of "wrong password"."""

    def get_invalid_login_error(self):
        # Set by axes during authenticate(): on the 5th failure, and on every attempt while locked.
        if getattr(self.request, "axes_locked_out", False):
            return ValidationError(LOCKED_OUT_MESSAGE, code="locked_out")
        return super().get_invalid_login_error()


class LoginForm(_LockoutAwareMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "用户名或密码不正确，请重新输入。注意区分大小写。",
    }


class AdminLoginForm(_LockoutAwareMixin, AdminAuthenticationForm):
    pass


def login_locked_out(request, original_response=None, credentials=None):
    """settings.AXES_LOCKOUT_CALLABLE. The login form (site or admin) and POST /api/token/ have already put the
    Chinese message where the user looks; only the status changes to 429 Too Many Requests."""
    if original_response is None:  # axes' async path; no view of ours answers without a response
        if request.path.startswith("/api/"):
            return _api_error("locked_out", 429)
        return HttpResponse(LOCKED_OUT_MESSAGE, status=429, content_type="text/plain; charset=utf-8")
    original_response.status_code = 429
    return original_response


@require_http_methods(["GET", "POST"])
def logout_view(request):
    if request.method == "GET":
        # A logout must not be triggered by a link or a prefetch; offer the page the user came from instead.
        return redirect("home")
    # B4: the API tokens this browser obtained (e.g. in the API docs) stop working with the session.
    api_tokens_revoke_for_session(request)
    logout(request)
    messages.info(request, "您已安全退出。")
    return redirect("login")


class PasswordChangeView(auth_views.PasswordChangeView):
    """B5: every logged-in user changes their own password (Django's validators, AUTH_PASSWORD_VALIDATORS)."""

    template_name = "registration/change_password.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever knew the old password may hold a personal API token: it goes with the old password.
        api_tokens_revoke_personal(user=form.user)
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/change_password_done.html"


# Error pages: under /api/ every error is the API's one JSON shape (common/api.py), e.g. /api/projects/0.5/push/
# matches no route; elsewhere the Chinese pages in templates/.
def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _api_error(code: str, status: int, message: str | None = None) -> JsonResponse:
    body = {"code": code, "message": message or MESSAGES[code]}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})  # like DRF's


def bad_request(request, exception):
    too_big = isinstance(exception, RequestDataTooBig)
    message = (
        f"提交的内容过大：每次最多 {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MB"
        if too_big
        else "请求无效，请返回后重试"
    )
    if _is_api(request):
        return _api_error("request_too_large" if too_big else "bad_request", 400, message)
    return render(request, "400.html", {"message": message}, status=400)


def page_not_found(request, exception):
    if _is_api(request):
        return _api_error("not_found", 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return _api_error("server_error", 500, "服务器内部错误，请稍后重试；如反复出现，请联系区人社局")
    return defaults.server_error(request)


CSRF_MESSAGE = "页面已过期或来源无法确认，请刷新页面后重新提交"


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: a Chinese 403 (Django's default page talks about DEBUG=True)."""
    if _is_api(request):
        return _api_error("csrf_failed", 403, CSRF_MESSAGE)
    return render(request, "403.html", {"exception": CSRF_MESSAGE}, status=403)


FAVICON = Path(settings.BASE_DIR) / "static" / "favicon.ico"


@cache_control(max_age=7 * 24 * 3600, public=True)
def favicon(request):
    """Browsers and the admin ask for /favicon.ico whatever the page says; answer with the site's icon."""
    return FileResponse(FAVICON.open("rb"), content_type="image/x-icon")
