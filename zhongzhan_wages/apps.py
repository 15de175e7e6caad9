"""Chinese names for third-party apps in the admin (Django's documented way: subclass the app's AppConfig)."""

from axes.apps import AppConfig as AxesAppConfig


class AxesConfig(AxesAppConfig):
    """django-axes: failed-login records; deleting a username's record in the admin unlocks it at once."""

    verbose_name = "登录防护"
