"""Chinese names for third-party apps in the admin (Django's documented way: subclass the app's AppConfig)."""

from axes.apps import AppConfig as AxesAppConfig


class AxesConfig(AxesAppConfig):
    """django-axes: failed-login records; deleting a username's record in the admin unlocks it at once."""

    verbose_name = "登录防护"

    def ready(self):
        super().ready()
        # axes has no Chinese for these (no zh_Hans catalog, and some are plain f-strings): its lock list showed
        # a "STATUS" column, and unlocking asked to delete "Attempted Access: 2026-12-01 10:42:31.689548+00:00".
        from axes.admin import AccessAttemptAdmin
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        from common.formats import format_datetime

        AccessAttemptAdmin.status.short_description = "状态"
        AccessAttemptAdmin.expiration.short_description = "锁定到期时间"
        AccessAttempt.__str__ = lambda a: (
            f"{a.username} 的登录失败记录（最近 {format_datetime(a.attempt_time)}）"
        )
        AccessFailureLog.__str__ = lambda a: f"{a.username} 登录失败（{format_datetime(a.attempt_time)}）"
        AccessLog.__str__ = lambda a: f"{a.username} 登录（{format_datetime(a.attempt_time)}）"
