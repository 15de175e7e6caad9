from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from common.views import (
    AdminLoginForm,
    LoginForm,
    PasswordChangeDoneView,
    PasswordChangeView,
    favicon,
    logout_view,
)
from supervision.views import home

admin.site.site_header = "中站区根治欠薪协同办案系统 · 管理后台"
admin.site.site_title = "根治欠薪管理后台"
admin.site.index_title = "数据管理"
# The admin's login says "locked for 15 minutes" like the site's (B3, django-axes).
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", logout_view, name="logout"),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("favicon.ico", favicon, name="favicon"),
    path("", include("common.urls")),
    path("projects/", include("projects.urls")),
    path("deposits/", include("deposits.urls")),
    path("", include("clues.urls")),  # /clues/… and the public /chaxun/
    path("supervision/", include("supervision.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("zhongzhan_wages.api_urls")),
]

# Under /api/ these answer the API's JSON error shape (an unmatched path such as /api/projects/0.5/push/ too);
# elsewhere the Chinese pages in templates/.
handler400 = "common.views.bad_request"
handler404 = "common.views.page_not_found"
handler500 = "common.views.server_error"
