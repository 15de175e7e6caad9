from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from projects.models import Enterprise, Project


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
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
