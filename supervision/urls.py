from django.urls import path

from supervision import views

app_name = "supervision"
urlpatterns = [
    path("accountability/", views.accountability, name="accountability"),
]
