from django.urls import path

from deposits import deposit_views, notice_views

app_name = "deposits"
urlpatterns = [
    # The 附件2 notices (P4/D2): deposits/notice_views.py.
    path("notices/", notice_views.notice_list, name="notice_list"),
    path("notices/export.xlsx", notice_views.notice_export, name="notice_export"),
    path("notices/print/", notice_views.notice_print, name="notice_print"),
    path("notices/<int:pk>/", notice_views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/pdf/", notice_views.notice_pdf, name="notice_pdf"),
    path("notices/<int:pk>/receipt/", notice_views.notice_receipt, name="notice_receipt"),
    path("notices/<int:pk>/rerender/", notice_views.notice_rerender, name="notice_rerender"),
    path("notices/issue/<int:project_pk>/", notice_views.notice_issue_for_project, name="notice_issue"),
    # Deposits, guarantees and fund ledgers (D1, D3, D4) below.
    # deposits/deposit_views.py.
    path("deposits/", deposit_views.deposit_list, name="deposit_list"),
    path("deposits/export.xlsx", deposit_views.deposit_export, name="deposit_export"),
    path("notices/<int:notice_pk>/deposit/", deposit_views.deposit_create, name="deposit_create"),
    path("deposits/<int:pk>/", deposit_views.deposit_detail, name="deposit_detail"),
    path("deposits/<int:pk>/<slug:action>/", deposit_views.deposit_action, name="deposit_action"),
    path("overdue/", deposit_views.overdue_list, name="overdue_list"),
    path("overdue/export.xlsx", deposit_views.overdue_export, name="overdue_export"),
    path("overdue/<int:notice_pk>/penalty/", deposit_views.penalty_create, name="penalty_create"),
    path("guarantees/", deposit_views.guarantee_list, name="guarantee_list"),
    path("guarantees/new/", deposit_views.guarantee_create, name="guarantee_create"),
    path("guarantees/export.xlsx", deposit_views.guarantee_export, name="guarantee_export"),
    path("funds/", deposit_views.fund_list, name="fund_list"),
    path("funds/open-emergency/", deposit_views.fund_open_emergency, name="fund_open_emergency"),
    path("funds/presale/new/", deposit_views.fund_presale_create, name="fund_presale_create"),
    path("funds/<int:pk>/", deposit_views.fund_detail, name="fund_detail"),
    path("funds/<int:pk>/move/", deposit_views.fund_move, name="fund_move"),
    path("funds/<int:pk>/export.xlsx", deposit_views.fund_export, name="fund_export"),
]
