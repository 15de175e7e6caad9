"""The API under /api/: one router for every app's endpoints (unit-scoped exactly like the pages).

Authentication: the browser session, or `Authorization: Token <key>` with a key from POST /api/token/
(common.api_views.ObtainTokenView; knox tokens, settings.REST_KNOX). The schema is at /api/schema/ and Swagger UI
at /api/docs/ (zhongzhan_wages/urls.py). A path that matches nothing here is a JSON 404 (common.views.page_not_found).
"""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from clues.api import ClueViewSet, LetterViewSet
from clues.review_api import WeeklyReviewViewSet
from common.api_views import ObtainTokenView, UnitViewSet
from common.notification_api import NotificationViewSet
from deposits.api import (
    DepositViewSet,
    FundMovementViewSet,
    GuaranteeViewSet,
    InstitutionViewSet,
    NoticeViewSet,
)
from projects.api import EnterpriseViewSet, ProjectViewSet
from supervision.api_blacklist import BlacklistEntryViewSet
from supervision.api_dashboard import DashboardViewSet, ScorecardViewSet
from supervision.api_five_systems import FiveSystemsViewSet
from supervision.api_meetings import JointMeetingViewSet, MeetingTaskViewSet
from supervision.api_oversight import (
    DelayReportViewSet,
    InspectionViewSet,
    KeyMonitoringViewSet,
    ProjectSupervisorViewSet,
    RectificationOrderViewSet,
)

router = DefaultRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("projects", ProjectViewSet, basename="project")
router.register("institutions", InstitutionViewSet, basename="institution")
router.register("notices", NoticeViewSet, basename="notice")
router.register("deposits", DepositViewSet, basename="deposit")
router.register("guarantees", GuaranteeViewSet, basename="guarantee")
router.register("fund-movements", FundMovementViewSet, basename="fund-movement")
router.register("clues", ClueViewSet, basename="clue")
router.register("letters", LetterViewSet, basename="letter")
router.register("weekly-reviews", WeeklyReviewViewSet, basename="weekly-review")
router.register("inbox", NotificationViewSet, basename="inbox")
router.register("five-systems", FiveSystemsViewSet, basename="five-system")
router.register("blacklist", BlacklistEntryViewSet, basename="blacklist")
router.register("meetings", JointMeetingViewSet, basename="meeting")
router.register("meeting-tasks", MeetingTaskViewSet, basename="meeting-task")
router.register("project-supervisors", ProjectSupervisorViewSet, basename="project-supervisor")
router.register("inspections", InspectionViewSet, basename="inspection")
router.register("rectification-orders", RectificationOrderViewSet, basename="rectification-order")
router.register("key-monitorings", KeyMonitoringViewSet, basename="key-monitoring")
router.register("delay-reports", DelayReportViewSet, basename="delay-report")
router.register("dashboard", DashboardViewSet, basename="dashboard")
router.register("scorecards", ScorecardViewSet, basename="scorecard")

urlpatterns = [
    path("token/", ObtainTokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
]
