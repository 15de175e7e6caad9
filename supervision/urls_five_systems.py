"""/supervision/five/… — the 五制 pages (S1–S6), names prefixed five_ in the "supervision" namespace."""

from django.urls import path

from supervision import views_five_systems as views

urlpatterns = [
    path("", views.five_list, name="five_list"),
    path("export/", views.five_export, name="five_export"),
    path("projects/<int:pk>/", views.five_project, name="five_project"),
    path("projects/<int:pk>/record/<slug:kind>/", views.five_record, name="five_record"),
    path(
        "projects/<int:pk>/payrolls/<int:payroll_pk>/", views.five_payroll_update, name="five_payroll_update"
    ),
]
