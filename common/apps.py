from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_policy_parameters(sender, **kwargs) -> None:
    from common.policy import sync_parameters

    sync_parameters()


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "基础数据"

    def ready(self):
        import common.documents  # noqa: F401  (its action labels and the batch-print job kind)
        from common import audit  # connects the history-row hook of the action log

        audit.register_actions(
            {
                "calendar.override_saved": "保存工作日历调整",
                "calendar.override_deleted": "删除工作日历调整",
                "calendar.year_confirmed": "确认年度节假日安排",
                "calendar.year_withdrawn": "撤销年度节假日安排确认",
            }
        )

        # Every app has registered its parameters by now (ready() of all apps runs before migrate ends).
        post_migrate.connect(
            _sync_policy_parameters, sender=self, dispatch_uid="common.sync_policy_parameters"
        )
