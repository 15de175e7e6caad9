from django.contrib import admin

from common.admin import ReadOnlyAdminMixin
from common.history_admin import SimpleHistoryAdmin
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
class ProjectAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Read-only (no add, edit, history revert or delete): projects are registered and changed through the
    clerk's pages and the import, where projects.services runs the push rules; a deleted or reverted project
    would erase its unit's P6 record."""

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
