from django.urls import path

from supervision import views

app_name = "supervision"
urlpatterns = [
    path("accountability/", views.accountability, name="accountability"),
    path("sweeps/", views.sweep_status, name="sweep_status"),
]
