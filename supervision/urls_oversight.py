"""/supervision/oversight/… — daily supervision (V1–V3); names live in "supervision:" with the oversight_ prefix."""

from django.urls import path

from supervision import views_oversight as views

urlpatterns = [
    path("", views.index, name="oversight_index"),
    # V1 分包到人
    path("assignments/", views.assignments, name="oversight_assignments"),
    path("projects/<int:pk>/assign/", views.assign, name="oversight_assign"),
    # V1/V2 巡查
    path("inspections/", views.inspection_list, name="oversight_inspection_list"),
    path("projects/<int:pk>/inspections/new/", views.inspection_new, name="oversight_inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="oversight_inspection_detail"),
    path("inspections/<int:pk>/orders/new/", views.order_issue, name="oversight_order_issue"),
    # V2 限期整改
    path("orders/", views.order_list, name="oversight_order_list"),
    path("orders/export/", views.order_export, name="oversight_order_export"),
    path("orders/<int:pk>/", views.order_detail, name="oversight_order_detail"),
    path("orders/<int:pk>/close/", views.order_close, name="oversight_order_close"),
    path("orders/<int:pk>/refuse/", views.order_refuse, name="oversight_order_refuse"),
    # V3 重点监控、延期支付报告
    path("monitoring/", views.monitoring_list, name="oversight_monitoring_list"),
    path("monitoring/<int:pk>/", views.monitoring_detail, name="oversight_monitoring_detail"),
    path("monitoring/<int:pk>/declare/", views.monitoring_declare, name="oversight_monitoring_declare"),
    path("monitoring/<int:pk>/remove/", views.monitoring_remove, name="oversight_monitoring_remove"),
    path("delays/", views.delay_list, name="oversight_delay_list"),
    path("delays/new/", views.delay_new, name="oversight_delay_new"),
]
