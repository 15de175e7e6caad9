from decimal import Decimal

from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "clues"
    verbose_name = "欠薪线索"

    def ready(self):
        from common.policy import Parameter, register_parameters

        # C3 "12345": counted from the moment HRSS receives the clue, in calendar days unless HRSS switches
        # a count to working days.
        register_parameters(
            [
                Parameter(
                    "C3.dispatch_days",
                    "线索交办期限",
                    "C3",
                    "days",
                    Decimal(1),
                    "人社局接到线索后交办到具体单位、具体责任人",
                ),
                Parameter("C3.feedback_days", "签收反馈期限", "C3", "days", Decimal(2), "责任单位签收并反馈"),
                Parameter(
                    "C3.reminder_days",
                    "提醒函期限",
                    "C3",
                    "days",
                    Decimal(3),
                    "仍无单位和责任人承接的，人社局发提醒函",
                ),
                Parameter(
                    "C3.escalation_days",
                    "报告区政府主要领导期限",
                    "C3",
                    "days",
                    Decimal(4),
                    "仍无进展的，报告区政府主要领导",
                ),
            ]
        )
