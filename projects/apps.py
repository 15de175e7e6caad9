from decimal import Decimal

from django.apps import AppConfig


def _recompute_deadlines_on_calendar_change(sender, *, dates, user=None, **kwargs) -> int:
    """P1: common can't import projects (apps stack upwards), so it signals and projects recomputes."""
    from projects.services import project_recompute_deadlines

    return project_recompute_deadlines(changed_dates=dates, user=user)


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "项目推送"

    def ready(self):
        from common.audit import register_actions
        from common.jobs import register_job_kind
        from common.policy import Parameter, register_parameters
        from common.signals import calendar_changed
        from projects import jobs

        register_job_kind("projects.ledger_export", jobs.ledger_export_job, label="导出项目推送台账")
        register_job_kind("projects.ledger_import", jobs.ledger_import_job, label="批量导入项目台账")
        calendar_changed.connect(
            _recompute_deadlines_on_calendar_change, dispatch_uid="projects.recompute_deadlines"
        )
        register_actions(
            {
                "project.created": "登记项目",
                "project.updated": "修改项目",
                "project.pushed": "推送至人社局",
                "project.imported": "台账导入",
                "project.deadline_recomputed": "工作日历调整，重新计算推送截止日期",
                "enterprise.registered": "登记企业",
            }
        )
        register_parameters(
            [
                Parameter(
                    code="P1.push_working_days",
                    name="项目推送期限",
                    rule="P1",
                    kind="working_days",
                    default=Decimal(5),
                    description="发改委、行业主管部门、经开区、中晟集团自推送依据发生之日起须在此期限内向人社局推送项目",
                ),
            ]
        )
