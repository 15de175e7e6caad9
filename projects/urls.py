from django.urls import path

from projects import views

app_name = "projects"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("new/", views.project_create, name="create"),
    path("export.xlsx", views.ledger_export, name="export"),
    path("import/", views.ledger_import, name="import"),
    path("import/template.xlsx", views.ledger_template, name="template"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/push/", views.project_push, name="push"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise"),
    path("enterprises/flags/", views.enterprise_flags_lookup, name="enterprise_flags"),
]
