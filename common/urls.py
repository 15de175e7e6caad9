from django.urls import path

from common import document_views, job_views, notification_views

app_name = "common"
urlpatterns = [
    path("jobs/", job_views.job_list, name="jobs"),
    path("jobs/<int:pk>/", job_views.job_detail, name="job"),
    path("jobs/<int:pk>/status/", job_views.job_status_json, name="job_status"),
    path("jobs/<int:pk>/download/", job_views.job_download, name="job_download"),
    path("inbox/", notification_views.inbox, name="inbox"),
    path("inbox/read-all/", notification_views.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/open/", notification_views.inbox_open, name="inbox_open"),
    path("inbox/<int:pk>/read/", notification_views.inbox_read, name="inbox_read"),
    path("verify/", document_views.verify_lookup, name="document_verify_lookup"),
    path("verify/<str:code>/", document_views.verify, name="document_verify"),
]
