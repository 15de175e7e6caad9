"""Issue 9 parts 5 and 6 under /supervision/dashboard/ (names in the "supervision" namespace)."""

from django.urls import path

from . import views_dashboard as views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("flags/", views.flag_list, name="dashboard_flag_list"),
    path("scorecards/", views.scorecard_list, name="scorecard_list"),
    path("scorecards/export.xlsx", views.scorecard_export, name="scorecard_export"),
    path("scorecards/print/", views.scorecard_print, name="scorecard_print"),
]
