from django.urls import path

from common import document_views, job_views

app_name = "common"
urlpatterns = [
    path("jobs/", job_views.job_list, name="jobs"),
    path("jobs/<int:pk>/", job_views.job_detail, name="job"),
    path("jobs/<int:pk>/status/", job_views.job_status_json, name="job_status"),
    path("jobs/<int:pk>/download/", job_views.job_download, name="job_download"),
    path("verify/", document_views.verify_lookup, name="document_verify_lookup"),
    path("verify/<str:code>/", document_views.verify, name="document_verify"),
]
