from decimal import Decimal

from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "clues"
    verbose_name = "欠薪线索"

    def ready(self):
        from common.audit import register_actions
        from common.policy import Parameter, register_parameters

        register_actions(
            {
                "clue.registered": "登记线索",
                "clue.dispatched": "交办",
                "clue.acknowledged": "签收",
                "clue.progress_noted": "记录办理进展",
                "clue.result_submitted": "提交办理结果",
                "clue.closed": "确认办结",
                "clue.returned": "退回人社局",
                "clue.reassigned": "改派",
                "clue.linked_as_repeat": "关联为重复线索",
                "clue.attachment_added": "上传附件",
                "clue.accountability_flagged": "信访件涉及逾期推送项目，记录单位责任（P6）",
            }
        )

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
