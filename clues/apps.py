from decimal import Decimal

from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "clues"
    verbose_name = "欠薪线索"

    def ready(self):
        from common.audit import register_actions
        from common.notifications import register_notification_kinds
        from common.policy import Parameter, register_parameters

        from . import receivers  # noqa: F401  (connects the clue signals to notifications)

        register_notification_kinds(
            {
                "clues.dispatched": "线索交办",
                "clues.letter_reminder": "提醒函",
                "clues.letter_escalation": "通报",
                "clues.weekly_review": "周调度",
            }
        )

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
                "clue.letter_reminder": "发出提醒函（C3）",
                "clue.letter_escalation": "向区政府主要领导通报（C3）",
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

        # C3 steps 3 and 4: the letters, as numbered documents, and the sweep that writes them.
        import datetime as dt

        from common.documents import register_document_kind
        from common.sweeps import register_sweep
        from zhongzhan_wages.celery import SWEEP_INTERVAL_SECONDS

        from .documents import DOCUMENT_KINDS, letter_render
        from .models import LetterKind
        from .services import clue_letters_waiting, clue_process_deadlines

        for kind, document_kind in DOCUMENT_KINDS.items():
            register_document_kind(document_kind, label=LetterKind(kind).label, render=letter_render)
        register_sweep(
            "clues.letters",
            label="提醒函与通报（C3 第3、4步）",
            run=clue_process_deadlines,
            waiting=clue_letters_waiting,
            every=dt.timedelta(seconds=SWEEP_INTERVAL_SECONDS),
            labels={"reminder": "提醒函", "escalation": "通报", "requeued": "重新排队发送"},
        )

        # C3 step 5: the Friday review (its parameter, action and sweep).
        from .review import register as register_weekly_review

        register_weekly_review()
