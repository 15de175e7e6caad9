from django.urls import include, path

from supervision import views

app_name = "supervision"
# Each part of issue 9 has its own url module (same "supervision" namespace; names prefixed by part).
urlpatterns = [
    path("accountability/", views.accountability, name="accountability"),
    path("sweeps/", views.sweep_status, name="sweep_status"),
    path("five/", include("supervision.urls_five_systems")),
    path("oversight/", include("supervision.urls_oversight")),
    path("blacklist/", include("supervision.urls_blacklist")),
    path("meetings/", include("supervision.urls_meetings")),
    path("dashboard/", include("supervision.urls_dashboard")),
]
