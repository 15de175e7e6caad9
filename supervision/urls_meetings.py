"""V5 联席会议 — /supervision/meetings/… (names in the "supervision" namespace, prefixed meeting_)."""

from django.urls import path

from supervision import views_meetings as views

urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("export/", views.meeting_export, name="meeting_export"),
    path("new/", views.meeting_create, name="meeting_create"),
    path("tasks/", views.meeting_task_list, name="meeting_task_list"),
    path("tasks/export/", views.meeting_task_export, name="meeting_task_export"),
    path("tasks/<int:pk>/done/", views.meeting_task_done, name="meeting_task_done"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/<slug:action>/", views.meeting_act, name="meeting_act"),
]
