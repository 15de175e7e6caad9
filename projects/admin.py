from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from projects.models import Enterprise, Project


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    def get_readonly_fields(self, request, obj=None):
        # The 统一社会信用代码 is the enterprise's identity (P3); a rename keeps it.
        return ("uscc", "created_at", "updated_at") if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False

    list_display = ("name", "uscc", "created_at")
    search_fields = ("name", "uscc")
    date_hierarchy = "created_at"


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "unit",
        "street",
        "category",
        "funding_type",
        "status",
        "push_deadline",
        "pushed_at",
        "is_late",
    )
    list_filter = ("status", "is_late", "category", "funding_type", "trigger_type", "unit", "street")
    search_fields = ("name", "owner__name", "contractor__name", "owner__uscc", "contractor__uscc")
    list_select_related = ("unit", "street")
    autocomplete_fields = ("owner", "contractor")
    date_hierarchy = "trigger_date"
    # The unit, the trigger and the push facts decide P1/P6 and are written only by projects.services
    # (project_create / project_push); the admin shows them and may correct the other 附件1 columns.
    readonly_fields = (
        "unit",
        "trigger_type",
        "trigger_date",
        "status",
        "push_deadline",
        "pushed_at",
        "pushed_by",
        "is_late",
        "late_working_days",
        "created_by",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request):
        # Projects are registered through the clerk's form or the import, which run the push rules.
        return False

    def has_change_permission(self, request, obj=None):
        # Read-only here (no edit, no history revert): changes go through the project's edit page, where
        # projects.services validates them and P6 facts can't be undone.
        return False

    def has_delete_permission(self, request, obj=None):
        # A deleted project would erase its unit's P6 record.
        return False
