from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from common.models import CalendarOverride, Unit, User


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "short_name",
        "unit_type",
        "pushes_projects",
        "leader_name",
        "phone",
        "is_active",
        "sort_order",
    )
    list_filter = ("unit_type", "pushes_projects", "is_active")
    search_fields = ("name", "short_name")
    list_editable = ("sort_order",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "full_name", "unit", "role", "is_active", "last_login")
    list_filter = ("role", "unit__unit_type", "is_active", "unit")
    search_fields = ("username", "full_name", "unit__name")
    list_select_related = ("unit",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("单位与角色", {"fields": ("full_name", "unit", "role", "phone", "email")}),
        ("权限", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("登录记录", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "unit", "role", "password1", "password2"),
            },
        ),
    )


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(SimpleHistoryAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day", ("date", admin.DateFieldListFilter))
    search_fields = ("note",)
    date_hierarchy = "date"
