from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils import timezone
from knox.models import AuthToken

from common.access import may_use_api_token
from common.api import api_token_issue_integration, is_integration_token
from common.audit import action_label
from common.history_admin import SimpleHistoryAdmin
from common.jobs import job_label
from common.models import (
    ActionLog,
    CalendarOverride,
    CalendarYear,
    Job,
    Notification,
    NotificationDelivery,
    PolicyParameter,
    Unit,
    User,
)
from common.notifications import notification_kind_label
from common.policy import policy_parameter_update, policy_parameter_validate
from common.services import (
    calendar_override_save,
    calendar_overrides_delete,
    calendar_year_confirm,
    calendar_year_delete,
    calendar_year_validate,
)


class ReadOnlyAdminMixin:
    """For records written only by services (the action log, jobs, notices, ledgers, pushed projects): the
    admin may read and search them, never add, edit or delete — a change must pass the service's rules and
    leave its entry in the action log."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


# API tokens (B4) live on the user's page: knox's own admin is English and would show raw digests.
admin.site.unregister(AuthToken)


class ApiTokenInline(admin.TabularInline):
    """The user's tokens: 删除 revokes one. New ones come from the action “签发集成令牌” or POST /api/token/."""

    model = AuthToken
    verbose_name = verbose_name_plural = "API 令牌"
    fields = readonly_fields = ("kind", "beginning", "created_at", "expires_at")
    extra = max_num = 0

    @admin.display(description="类型")
    def kind(self, token):
        return "集成令牌（固定有效期）" if is_integration_token(token) else "个人令牌（30分钟无操作失效）"

    @admin.display(description="令牌开头")
    def beginning(self, token):
        return f"{token.token_key[:8]}…"

    @admin.display(description="签发时间")
    def created_at(self, token):
        return token.created

    @admin.display(description="到期时间")
    def expires_at(self, token):
        return token.expiry

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "full_name", "unit", "role", "is_active", "last_login")
    list_filter = ("role", "unit__unit_type", "is_active", "unit")
    search_fields = ("username", "full_name", "unit__name")
    list_select_related = ("unit",)
    inlines = (ApiTokenInline,)
    actions = ("issue_integration_token",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("单位与角色", {"fields": ("full_name", "unit", "role", "phone", "email")}),
        ("权限", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "api_token_allowed")}),
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

    @admin.action(description="签发集成令牌（供对接系统使用，固定有效期）")
    def issue_integration_token(self, request, queryset):
        for user in queryset:
            if not may_use_api_token(user):
                self.message_user(
                    request,
                    f"{user.username}：未开通 API 令牌（领导账号须先勾选“允许使用 API 令牌”）",
                    messages.ERROR,
                )
                continue
            instance, token = api_token_issue_integration(user=user)
            # Shown once: only its hash is stored.
            self.message_user(
                request,
                f"{user.username} 的集成令牌（有效至 {timezone.localtime(instance.expiry):%Y-%m-%d %H:%M}，只显示这一次，请立即复制）：{token}",
                messages.SUCCESS,
            )


def _report_recomputed(modeladmin: admin.ModelAdmin, request, count: int) -> None:
    # P1: say what the calendar change did to the deadlines clerks see on their 待办 pages.
    modeladmin.message_user(request, f"已重新计算 {count} 个待推送项目的推送截止日期", messages.INFO)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(SimpleHistoryAdmin):
    """Every write goes through common.services, which has stored push deadlines recomputed (P1)."""

    list_display = ("date", "is_working_day", "holiday", "note")
    list_filter = ("is_working_day", "holiday", ("date", admin.DateFieldListFilter))
    search_fields = ("note",)
    date_hierarchy = "date"
    fields = ("date", "is_working_day", "holiday", "note")

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


class PolicyParameterForm(forms.ModelForm):
    change_note = forms.CharField(
        label="修改依据",
        max_length=200,
        help_text="如：人社局2026年第3次局务会决定；记入操作记录",
        required=True,
    )

    class Meta:
        model = PolicyParameter
        fields = ("value", "kind")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and cleaned.get("value") is not None and cleaned.get("kind"):
            try:
                policy_parameter_validate(
                    parameter=self.instance, value=cleaned["value"], kind=cleaned["kind"]
                )
            except ValidationError as e:
                for field, errors in e.message_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
        return cleaned


@admin.register(PolicyParameter)
class PolicyParameterAdmin(SimpleHistoryAdmin):
    """The policy's numbers. Rows come from the apps' declarations (common.policy); only value (and, for a day
    count, calendar vs working days) is edited, with a reason, through common.policy.policy_parameter_update."""

    form = PolicyParameterForm
    list_display = ("rule", "name", "value", "kind", "default", "updated_at")
    list_filter = ("rule", "kind")
    search_fields = ("code", "name", "description")
    readonly_fields = ("code", "name", "rule", "default", "description", "updated_at")
    fields = ("code", "rule", "name", "description", "value", "kind", "default", "change_note", "updated_at")

    def has_add_permission(self, request):
        return False  # declared by the apps (common.policy.register_parameters), created by migrate

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        policy_parameter_update(
            parameter=obj,
            value=form.cleaned_data["value"],
            kind=form.cleaned_data["kind"],
            actor=request.user,
            note=form.cleaned_data["change_note"],
        )


@admin.register(ActionLog)
class ActionLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The action log, read-only: written only by services (common.audit.log_action)."""

    list_display = ("created_at", "action_display", "content_type", "object_id", "actor", "note")
    list_filter = ("content_type", "action")
    search_fields = ("object_id", "note", "actor__username", "actor__full_name")
    list_select_related = ("actor", "content_type")
    date_hierarchy = "created_at"

    @admin.display(description="操作", ordering="action")
    def action_display(self, obj):
        return action_label(obj.action)


class JobKindFilter(admin.SimpleListFilter):
    """By kind, named by the labels the apps registered, not by their codes."""

    title = "任务类型"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        kinds = Job.objects.order_by("kind").values_list("kind", flat=True).distinct()
        return [(kind, job_label(Job(kind=kind))) for kind in kinds]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Job)
class JobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind_display",
        "user",
        "status",
        "progress_done",
        "progress_total",
        "finished_at",
    )
    list_filter = (JobKindFilter, "status")
    list_select_related = ("user",)

    @admin.display(description="任务类型", ordering="kind")
    def kind_display(self, job):
        # The label each app registered ("导出项目推送台账"), not the code "projects.ledger_export".
        return job_label(job)


class NotificationDeliveryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = NotificationDelivery
    fields = readonly_fields = ("channel", "status", "address", "error", "created_at", "sent_at")
    extra = max_num = 0


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Inbox entries, read-only: written only by common.notifications.notify, marked read by their recipient."""

    list_display = ("created_at", "recipient", "kind_display", "title", "is_read")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "event", "recipient__username", "recipient__full_name")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    inlines = (NotificationDeliveryInline,)

    @admin.display(description="类型", ordering="kind")
    def kind_display(self, obj):
        return notification_kind_label(obj.kind)

    @admin.display(description="已读", boolean=True, ordering="read_at")
    def is_read(self, obj):
        return obj.read_at is not None


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """One notification through one channel (e-mail…). "发送中" long after its time: the worker stopped between
    claiming the channel and sending (common.notifications.notification_deliver) — it is never sent twice, so
    tell the recipient another way if it matters."""

    list_display = (
        "created_at",
        "notification",
        "recipient",
        "channel",
        "status",
        "address",
        "error_short",
        "sent_at",
    )
    list_filter = ("status", "channel")
    search_fields = ("address", "error", "notification__title", "notification__recipient__username")
    list_select_related = ("notification__recipient",)
    date_hierarchy = "created_at"

    @admin.display(description="接收人", ordering="notification__recipient")
    def recipient(self, obj):
        return obj.notification.recipient

    @admin.display(description="错误")
    def error_short(self, obj):
        return (obj.error[:80] + "…") if len(obj.error) > 80 else obj.error
