from django.apps import AppConfig


def _recompute_deadlines_on_calendar_change(sender, *, dates, user=None, **kwargs) -> int:
    """P1: common can't import projects (apps stack upwards), so it signals and projects recomputes."""
    from projects.services import project_recompute_deadlines

    return project_recompute_deadlines(changed_dates=dates, user=user)


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "项目推送"

    def ready(self):
        from common.signals import calendar_changed

        calendar_changed.connect(
            _recompute_deadlines_on_calendar_change, dispatch_uid="projects.recompute_deadlines"
        )
