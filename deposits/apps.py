from decimal import Decimal

from django.apps import AppConfig


class DepositsConfig(AppConfig):
    name = "deposits"
    verbose_name = "保证金与五金"

    def ready(self):
        from common.policy import Parameter, register_parameters

        register_parameters(
            [
                Parameter(
                    "D2.deposit_deadline_days",
                    "保证金缴存期限",
                    "D2",
                    "days",
                    Decimal(15),
                    "施工总承包单位自收到缴存通知书（附件2）之日起须在此期限内到人社局办理农民工工资保证金",
                ),
                Parameter(
                    "D2.fine_min_yuan",
                    "逾期未缴存罚款下限",
                    "D2",
                    "amount",
                    Decimal(50000),
                    "《保障农民工工资支付条例》第五十五条",
                ),
                Parameter(
                    "D2.fine_max_yuan",
                    "逾期未缴存罚款上限",
                    "D2",
                    "amount",
                    Decimal(100000),
                    "《保障农民工工资支付条例》第五十五条",
                ),
                Parameter(
                    "D3.deposit_ratio",
                    "保证金缴存比例",
                    "D3",
                    "ratio",
                    Decimal("0.01"),
                    "按合同金额计算应缴存额；人社部发〔2021〕65号第十一条：原则上不低于1%、不超过3%（待人社局确认）",
                ),
                Parameter(
                    "D3.deposit_ratio_min",
                    "保证金缴存比例下限",
                    "D3",
                    "ratio",
                    Decimal("0.005"),
                    "多个在建项目降低比例后不得低于0.5%",
                ),
                Parameter(
                    "D3.deposit_ratio_max",
                    "保证金缴存比例上限",
                    "D3",
                    "ratio",
                    Decimal("0.03"),
                    "原则上不超过3%",
                ),
                Parameter(
                    "D1.emergency_revolving_yuan",
                    "应急周转金规模",
                    "D1",
                    "amount",
                    Decimal(1000000),
                    "区财政局筹集100万元",
                ),
                Parameter(
                    "D1.emergency_reserve_yuan",
                    "应急储备金规模",
                    "D1",
                    "amount",
                    Decimal(4000000),
                    "区财政局筹集400万元",
                ),
                # D3 (人社部发〔2021〕65号 第十一条): one row per condition; the ratio is clamped to [min, max].
                Parameter(
                    "D3.ratio_clean_record_reduction",
                    "无拖欠记录降低比例",
                    "D3",
                    "ratio",
                    Decimal("0.005"),
                    "施工总承包单位已有项目保证金返还且从未动用支付欠薪时，比例降低的百分点（降低后不低于下限0.5%）",
                ),
                Parameter(
                    "D3.ratio_after_arrears_increase",
                    "发生拖欠后提高比例",
                    "D3",
                    "ratio",
                    Decimal("0.005"),
                    "施工总承包单位近两年有保证金被动用支付欠薪时，比例提高的百分点（提高后不超过上限3%）",
                ),
                Parameter(
                    "D3.arrears_lookback_months",
                    "拖欠记录追溯期",
                    "D3",
                    "months",
                    Decimal(24),
                    "在此期间内动用过保证金支付欠薪，视为发生拖欠",
                ),
                # D4 (第二十二条): the return's steps.
                Parameter(
                    "D4.return_public_notice_days",
                    "保证金返还公示期",
                    "D4",
                    "days",
                    Decimal(30),
                    "施工总承包单位书面承诺无拖欠后公示的天数",
                ),
                Parameter(
                    "D4.return_review_working_days",
                    "保证金返还审核期限",
                    "D4",
                    "working_days",
                    Decimal(5),
                    "公示期满后人社局审核的期限",
                ),
                Parameter(
                    "D4.return_confirmation_working_days",
                    "返还确认书出具期限",
                    "D4",
                    "working_days",
                    Decimal(3),
                    "审核通过后出具返还（销户）确认书的期限",
                ),
                Parameter(
                    "D1.guarantee_expiry_warning_days",
                    "支付担保到期提醒天数",
                    "D1",
                    "days",
                    Decimal(30),
                    "工程款支付担保在此天数内到期时标黄提醒",
                ),
            ]
        )
        from common.audit import register_actions as _register_fund_actions

        # Deposits, penalties, guarantees and fund ledgers (deposits.services, lower part).
        _register_fund_actions(
            {
                "deposit.recorded": "登记保证金缴存",
                "deposit.used": "动用保证金支付欠薪",
                "deposit.topped_up": "补足保证金",
                "deposit.return_requested": "申请返还保证金",
                "deposit.return_reviewed": "返还审核通过",
                "deposit.returned": "出具返还确认书",
                "penalty.decided": "登记逾期未缴存处罚决定",
                "guarantee.recorded": "登记工程款支付担保",
                "fund.created": "建立资金账户",
                "fund.moved": "资金变动",
            }
        )

        # P4/D2: the 附件2 notice (deposits.services, top part), its document kind and the push that issues it.
        from common.audit import register_actions as _register_notice_actions
        from common.documents import register_document_kind
        from deposits.documents import notice_render
        from projects.signals import project_pushed

        _register_notice_actions(
            {
                "notice.issued": "下发保证金缴纳通知书",
                "notice.receipt_recorded": "登记通知书签收",
                "notice.deposited": "通知书已缴存保证金",
                "notice.pdf_rerendered": "重新生成通知书 PDF",
            }
        )
        register_document_kind(
            "deposits.notice",
            label="农民工工资保证金缴纳通知书",
            render=notice_render,
            statuses={"received": "已签收", "deposited": "已缴存"},
        )
        # Same transaction as the push (send, not send_robust): a failed issue rolls the push back.
        project_pushed.connect(_on_project_pushed, dispatch_uid="deposits.notice_issue")


def _on_project_pushed(sender, *, project, user, **kwargs):
    from deposits.services import notice_issue

    notice_issue(project=project, actor=user)
