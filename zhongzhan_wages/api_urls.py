"""The API: one router for every app's endpoints (unit-scoped exactly like the pages)."""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from common.api_views import UnitViewSet
from projects.api import EnterpriseViewSet, ProjectViewSet

router = DefaultRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("projects", ProjectViewSet, basename="project")

urlpatterns = [
    path("token/", obtain_auth_token, name="api-token"),
    path("", include(router.urls)),
]
