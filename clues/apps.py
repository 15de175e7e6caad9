from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "clues"
    verbose_name = "欠薪线索"
