from django.urls import include, path

from . import views

app_name = "clues"

urlpatterns = [
    path("", views.clue_list, name="clue_list"),
    path("export/", views.clue_export, name="clue_export"),
    path("new/", views.clue_create, name="clue_create"),
    path("<int:pk>/", views.clue_detail, name="clue_detail"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment_download"),
    path("<int:pk>/receipt/", views.clue_receipt, name="clue_receipt"),
    path("<int:pk>/<str:action>/", views.clue_act, name="clue_act"),
]

# The clerks' pages live under /clues/; the complainant's public lookup (part 9) is /chaxun/, in the same
# namespace (clues:public_lookup). The project's urls.py includes this module at the root.
urlpatterns = [
    path("clues/", include(urlpatterns)),
    path("chaxun/", views.public_lookup, name="public_lookup"),
]
