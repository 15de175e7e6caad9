"""V4 失信联合惩戒名单 — /supervision/blacklist/… (names in the "supervision" namespace, prefixed blacklist_)."""

from django.urls import path

from supervision import views_blacklist as views

urlpatterns = [
    path("", views.blacklist_list, name="blacklist_list"),
    path("export/", views.blacklist_export, name="blacklist_export"),
    path("new/", views.blacklist_create, name="blacklist_create"),
    path("<int:pk>/", views.blacklist_detail, name="blacklist_detail"),
    path("<int:pk>/<slug:action>/", views.blacklist_act, name="blacklist_act"),
]
