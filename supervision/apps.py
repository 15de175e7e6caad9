from decimal import Decimal

from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "督办与考核"

    def ready(self):
        from common.policy import Parameter, register_parameters

        register_parameters(
            [
                Parameter(
                    "S1.allocation_cycle_months",
                    "人工费拨付周期",
                    "S1",
                    "months",
                    Decimal(1),
                    "人工费用拨付周期不超过1个月",
                ),
                Parameter(
                    "S3.account_open_days",
                    "专用账户开立期限",
                    "S3",
                    "days",
                    Decimal(30),
                    "自合同签订之日起开立农民工工资专用账户",
                ),
                Parameter(
                    "S3.account_filing_days",
                    "专用账户备案期限",
                    "S3",
                    "days",
                    Decimal(30),
                    "自专用账户开立之日起向人社局备案",
                ),
            ]
        )

        # Issue 9's parts register their parameters, actions, sweeps and panels themselves.
        from . import blacklist, dashboard, five_systems, meetings, oversight, scorecards

        for part in (five_systems, oversight, blacklist, meetings, dashboard, scorecards):
            part.register()
