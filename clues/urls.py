from django.urls import path

from . import views

app_name = "clues"

urlpatterns = [
    path("", views.clue_list, name="clue_list"),
    path("export/", views.clue_export, name="clue_export"),
    path("new/", views.clue_create, name="clue_create"),
    path("<int:pk>/", views.clue_detail, name="clue_detail"),
    path("<int:pk>/<str:action>/", views.clue_act, name="clue_act"),
]
