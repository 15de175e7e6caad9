from django.urls import include, path

from . import letter_views, views

app_name = "clues"

urlpatterns = [
    path("", views.clue_list, name="clue_list"),
    path("reviews/", include("clues.review_urls")),
    path("letters/", letter_views.letter_list, name="letter_list"),
    path("letters/export/", letter_views.letter_export, name="letter_export"),
    path("letters/<int:pk>/", letter_views.letter_detail, name="letter_detail"),
    path("letters/<int:pk>/pdf/", letter_views.letter_pdf, name="letter_pdf"),
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
