from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "基础数据"
