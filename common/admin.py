from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from common.models import CalendarOverride, CalendarYear, Unit, User
from common.services import (
    calendar_override_save,
    calendar_overrides_delete,
    calendar_year_confirm,
    calendar_year_delete,
    calendar_year_validate,
)


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


def _report_recomputed(modeladmin: admin.ModelAdmin, request, count: int) -> None:
    # P1: say what the calendar change did to the deadlines clerks see on their 待办 pages.
    modeladmin.message_user(request, f"已重新计算 {count} 个待推送项目的推送截止日期", messages.INFO)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(SimpleHistoryAdmin):
    """Every write goes through common.services, which has stored push deadlines recomputed (P1)."""

    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day", ("date", admin.DateFieldListFilter))
    search_fields = ("note",)
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        _report_recomputed(self, request, calendar_override_save(override=obj, user=request.user))

    def delete_model(self, request, obj):
        _report_recomputed(self, request, calendar_overrides_delete(overrides=[obj], user=request.user))

    def delete_queryset(self, request, queryset):
        _report_recomputed(self, request, calendar_overrides_delete(overrides=queryset, user=request.user))


class CalendarYearForm(forms.ModelForm):
    class Meta:
        model = CalendarYear
        fields = ("year", "note")

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("year")
        # Out of range: leave it to the model's constraint message (年度应在2004年至2100年之间).
        if year is not None and "year" not in self.errors and 2004 <= year <= 2100:
            try:
                calendar_year_validate(year=year)
            except ValidationError as e:
                self.add_error(None, e)  # {"year": …}: shown beside the field
        return cleaned


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    """P1: after entering a year's holidays and 调休 days as overrides, the admin confirms the year here."""

    form = CalendarYearForm
    list_display = ("year", "confirmed_by", "confirmed_at", "note")
    list_select_related = ("confirmed_by",)
    search_fields = ("note",)
    readonly_fields = ("confirmed_by", "confirmed_at")

    def save_model(self, request, obj, form, change):
        _report_recomputed(self, request, calendar_year_confirm(calendar_year=obj, user=request.user))

    def delete_model(self, request, obj):
        calendar_year_delete(calendar_year=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            calendar_year_delete(calendar_year=obj, user=request.user)
