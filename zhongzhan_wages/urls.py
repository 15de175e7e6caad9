from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from common.views import logout_view
from supervision.views import home

admin.site.site_header = "中站区根治欠薪协同办案系统 · 管理后台"
admin.site.site_title = "根治欠薪管理后台"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("", home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", logout_view, name="logout"),
    path("projects/", include("projects.urls")),
    path("supervision/", include("supervision.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("zhongzhan_wages.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
