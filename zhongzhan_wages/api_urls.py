"""The API under /api/: one router for every app's endpoints (unit-scoped exactly like the pages).

Authentication: the browser session, or `Authorization: Token <key>` with a key from POST /api/token/.
The schema is at /api/schema/ and Swagger UI at /api/docs/ (zhongzhan_wages/urls.py).
"""

from django.urls import include, path
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter

from common.api_views import UnitViewSet
from projects.api import EnterpriseViewSet, ProjectViewSet

router = DefaultRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("projects", ProjectViewSet, basename="project")

obtain_auth_token = extend_schema_view(
    post=extend_schema(
        tags=["认证"],
        summary="以用户名、密码换取令牌",
        description="之后在请求头加 `Authorization: Token <令牌>`。用户名或密码错误返回400。",
    )
)(ObtainAuthToken).as_view()

urlpatterns = [
    path("token/", obtain_auth_token, name="api-token"),
    path("", include(router.urls)),
]
