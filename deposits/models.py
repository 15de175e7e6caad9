"""五金 and the 附件2 deposit notice (SPEC P4, D1–D4).

Top part (Institution, Notice): the notice issued on push. Below: deposits, guarantees and fund ledgers."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords


class InstitutionKind(models.TextChoices):
    BANK = "bank", "银行"
    INSURER = "insurer", "保险公司"
    GUARANTOR = "guarantor", "工程担保公司"


class InstitutionQuerySet(models.QuerySet):
    def accepting_new(self):
        """D3: the institutions a contractor may choose for a new deposit (附件3 minus 暂停新业务)."""
        return self.filter(accepts_new=True)


class Institution(models.Model):
    """附件3 焦作市农民工工资保证金业务经办机构名录 (fixtures/institutions.json)."""

    name = models.CharField("机构名称", max_length=100, unique=True)
    kind = models.CharField("机构类别", max_length=20, choices=InstitutionKind.choices)
    accepts_new = models.BooleanField(
        "受理新业务", default=True, help_text="取消勾选即“暂停新业务”：新缴存不可选，已有缴存照常显示"
    )
    note = models.CharField("备注", max_length=200, blank=True)
    sort = models.PositiveIntegerField("排序", default=100)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        verbose_name = "保证金经办机构"
        verbose_name_plural = "保证金经办机构"
        ordering = ["sort", "pk"]

    def __str__(self):
        return self.name if self.accepts_new else f"{self.name}（暂停新业务）"


class NoticeStatus(models.TextChoices):
    ISSUED = "issued", "已下发"
    RECEIVED = "received", "已签收"
    DEPOSITED = "deposited", "已缴存"
    OVERDUE = "overdue", "逾期未缴存"


class Notice(models.Model):
    """P4/D2: the 附件2 农民工工资保证金缴纳通知书, issued by the pushing unit to the project's general
    contractor when the project is pushed. Its PDF is a common.IssuedDocument (rendered once, verifiable)."""

    project = models.OneToOneField(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="notice"
    )
    unit = models.ForeignKey(
        "common.Unit", verbose_name="下发单位", on_delete=models.PROTECT, related_name="deposit_notices"
    )
    contractor = models.ForeignKey(
        "projects.Enterprise",
        verbose_name="施工总承包单位",
        on_delete=models.PROTECT,
        related_name="deposit_notices",
    )
    document = models.OneToOneField(
        "common.IssuedDocument",
        verbose_name="文书",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deposit_notice",
    )
    number = models.CharField("通知书编号", max_length=60, unique=True)
    year = models.PositiveIntegerField("年度")
    sequence_number = models.PositiveIntegerField("序号")
    issued_at = models.DateTimeField("下发时间")
    issued_by = models.ForeignKey(
        "common.User",
        verbose_name="下发人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # D2: issue date (or receipt date once recorded) + D2.deposit_deadline_days calendar days; stored, so
    # "overdue" is one indexed comparison (deposits.selectors.notice_filter_overdue).
    deadline = models.DateField("缴存期限")
    deadline_days = models.PositiveSmallIntegerField(
        "缴存期限（日）", help_text="下发时的 D2.deposit_deadline_days"
    )
    status = models.CharField(
        "状态", max_length=20, choices=NoticeStatus.choices, default=NoticeStatus.ISSUED
    )
    received_at = models.DateTimeField("签收时间", null=True, blank=True)
    receipt_signer = models.CharField("签收人", max_length=50, blank=True)
    receipt_position = models.CharField("职务", max_length=50, blank=True)
    receipt_phone = models.CharField("联系电话", max_length=30, blank=True)
    deposited_at = models.DateTimeField("缴存时间", null=True, blank=True)
    history = HistoricalRecords(verbose_name="缴纳通知书变更记录")

    class Meta:
        verbose_name = "保证金缴纳通知书"
        verbose_name_plural = "保证金缴纳通知书"
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "sequence_number"], name="deposits_notice_unique_unit_year_n"
            ),
        ]
        indexes = [
            # The overdue list (HRSS, D4): notices still waiting for a deposit, by deadline.
            models.Index(
                fields=["deadline"],
                name="deposits_notice_open_deadline",
                condition=models.Q(status__in=["issued", "received"]),
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("deposits:notice_detail", args=[self.pk])

    @property
    def deadline_counts_from_receipt(self) -> bool:
        return self.received_at is not None


# ---------------------------------------------------------------------------------------------------------------
# Deposits (D3, D4), penalty decisions, payment guarantees and fund ledgers (D1). Written by deposits.services only.
# ---------------------------------------------------------------------------------------------------------------


class DepositForm(models.TextChoices):
    CASH = "cash", "银行专户存储现金"
    BANK_GUARANTEE = "bank_guarantee", "银行保函"
    INSURANCE = "insurance", "工程保证保险"
    GUARANTEE_COMPANY = "guarantee_company", "担保公司保函"


class DepositStatus(models.TextChoices):
    NOTIFIED = "notified", "已通知待缴存"
    DEPOSITED = "deposited", "已缴存"
    USED = "used", "已动用支付欠薪"
    TOPPED_UP = "topped_up", "已补足"
    RETURN_REQUESTED = "return_requested", "申请返还"
    RETURNED = "returned", "已返还"


class RatioBasis(models.TextChoices):
    """D3: which policy row set the ratio (one parameter per condition, deposits.services.deposit_requirement)."""

    DEFAULT = "default", "基准比例"
    CLEAN_RECORD = "clean_record", "无拖欠记录降低比例"
    AFTER_ARREARS = "after_arrears", "发生拖欠后提高比例"


def _reviewed(deposit) -> bool:
    return deposit.reviewed_on is not None


class Deposit(ConcurrentTransitionMixin, models.Model):
    """D3/D4: the wage deposit the general contractor makes for a project's 附件2 notice.

    The lifecycle is a django-fsm-2 machine (transitions change fields only; deposits.services runs them):
    notified → deposited → (used to pay arrears → topped up) → return requested → returned."""

    notice = models.OneToOneField(
        Notice, verbose_name="缴纳通知书", on_delete=models.PROTECT, related_name="deposit"
    )
    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="deposits"
    )
    form = models.CharField("缴存形式", max_length=30, choices=DepositForm.choices)
    institution = models.ForeignKey(
        Institution, verbose_name="经办机构", on_delete=models.PROTECT, related_name="deposits"
    )
    amount = models.DecimalField("缴存金额（元）", max_digits=14, decimal_places=2)
    document_number = models.CharField("凭证编号", max_length=60, help_text="存单、保函或保单编号")
    valid_from = models.DateField("有效期自", null=True, blank=True)
    valid_to = models.DateField("有效期至", null=True, blank=True)
    deposited_on = models.DateField("缴存日期")
    # D3: the requirement as computed when the deposit was recorded (the policy may change later).
    required_amount = models.DecimalField("应缴存额（元）", max_digits=14, decimal_places=2)
    required_ratio = models.DecimalField("缴存比例", max_digits=6, decimal_places=4)
    ratio_basis = models.CharField("比例依据", max_length=20, choices=RatioBasis.choices)
    used_amount = models.DecimalField("已动用金额（元）", max_digits=14, decimal_places=2, default=Decimal(0))
    topped_up_amount = models.DecimalField(
        "已补足金额（元）", max_digits=14, decimal_places=2, default=Decimal(0)
    )
    last_used_on = models.DateField("最近动用日期", null=True, blank=True)
    status = FSMField("状态", default=DepositStatus.NOTIFIED, choices=DepositStatus.choices, protected=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间")

    # D4 return (人社部发〔2021〕65号 第二十二条): each step's deadline stored when the step before it happens.
    return_pledge = models.TextField("无拖欠书面承诺", blank=True)
    return_requested_on = models.DateField("申请返还日期", null=True, blank=True)
    public_notice_ends_on = models.DateField("公示期满日期", null=True, blank=True)
    review_due_on = models.DateField("审核截止日期", null=True, blank=True)
    reviewed_on = models.DateField("审核日期", null=True, blank=True)
    confirmation_due_on = models.DateField("返还确认书截止日期", null=True, blank=True)
    confirmation_number = models.CharField("返还（销户）确认书编号", max_length=60, blank=True)
    returned_on = models.DateField("返还日期", null=True, blank=True)

    history = HistoricalRecords(verbose_name="保证金变更记录")

    class Meta:
        verbose_name = "农民工工资保证金"
        verbose_name_plural = "农民工工资保证金"
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="deposit_amount_positive",
                violation_error_message="缴存金额必须大于0",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="deposit_validity_ordered",
                violation_error_message="有效期结束日期不能早于开始日期",
            ),
            models.CheckConstraint(
                condition=Q(used_amount__gte=0, topped_up_amount__gte=0),
                name="deposit_use_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="deposit_status")]

    def __str__(self):
        return f"{self.project} 保证金"

    def get_absolute_url(self):
        return reverse("deposits:deposit_detail", args=[self.pk])

    @property
    def balance(self) -> Decimal:
        """What the deposit still secures: deposited, minus what paid arrears, plus top-ups."""
        return self.amount - self.used_amount + self.topped_up_amount

    @property
    def shortfall(self) -> Decimal:
        """D3: how much the balance falls short of the required amount (0 when it doesn't)."""
        return max(self.required_amount - self.balance, Decimal(0))

    @property
    def ratio_percent(self) -> str:
        return f"{(self.required_ratio * 100).normalize():f}%"

    @transition(field=status, source=DepositStatus.NOTIFIED, target=DepositStatus.DEPOSITED)
    def record(self):
        """D3: the contractor deposited at one institution of 附件3."""

    @transition(
        field=status,
        source=[DepositStatus.DEPOSITED, DepositStatus.USED, DepositStatus.TOPPED_UP],
        target=DepositStatus.USED,
    )
    def use_for_arrears(self, amount: Decimal, on):
        """D4: HRSS paid wages in arrears out of the deposit."""
        self.used_amount += amount
        self.last_used_on = on

    @transition(field=status, source=DepositStatus.USED, target=DepositStatus.TOPPED_UP)
    def top_up(self, amount: Decimal):
        """D4: the contractor restored the deposit after it was used."""
        self.topped_up_amount += amount

    @transition(
        field=status,
        source=[DepositStatus.DEPOSITED, DepositStatus.TOPPED_UP],
        target=DepositStatus.RETURN_REQUESTED,
    )
    def request_return(self, *, pledge: str, on, public_notice_ends_on, review_due_on):
        """D4 第二十二条: the contractor applies with a written no-arrears pledge; 30 days' public notice."""
        self.return_pledge = pledge
        self.return_requested_on = on
        self.public_notice_ends_on = public_notice_ends_on
        self.review_due_on = review_due_on

    @transition(
        field=status,
        source=DepositStatus.RETURN_REQUESTED,
        target=DepositStatus.RETURNED,
        conditions=[_reviewed],
    )
    def confirm_return(self, *, number: str, on):
        """D4: HRSS issues the 返还（销户）确认书 after its review."""
        self.confirmation_number = number
        self.returned_on = on


class PenaltyDecision(models.Model):
    """D4: HRSS's penalty decision on an overdue notice (《保障农民工工资支付条例》第五十五条, 5万–10万元)."""

    notice = models.ForeignKey(
        Notice, verbose_name="缴纳通知书", on_delete=models.PROTECT, related_name="penalty_decisions"
    )
    amount = models.DecimalField("罚款金额（元）", max_digits=14, decimal_places=2)
    decision_number = models.CharField("处罚决定书文号", max_length=60, unique=True)
    decided_on = models.DateField("决定日期")
    note = models.TextField("备注", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间")
    history = HistoricalRecords(verbose_name="处罚决定变更记录")

    class Meta:
        verbose_name = "逾期未缴存处罚决定"
        verbose_name_plural = "逾期未缴存处罚决定"
        ordering = ["-decided_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="penalty_amount_positive",
                violation_error_message="罚款金额必须大于0",
            )
        ]

    def __str__(self):
        return self.decision_number


class PaymentGuarantee(models.Model):
    """D1 (1): the builder's 工程款支付担保 for a project, supervised by the industry authority (the project's unit)."""

    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="payment_guarantees"
    )
    guarantor = models.CharField("担保机构", max_length=100)
    document_number = models.CharField("保函编号", max_length=60)
    amount = models.DecimalField("担保金额（元）", max_digits=14, decimal_places=2)
    valid_from = models.DateField("有效期自")
    valid_to = models.DateField("有效期至")
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间")
    history = HistoricalRecords(verbose_name="支付担保变更记录")

    class Meta:
        verbose_name = "工程款支付担保"
        verbose_name_plural = "工程款支付担保"
        ordering = ["valid_to", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="guarantee_amount_positive",
                violation_error_message="担保金额必须大于0",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")),
                name="guarantee_validity_ordered",
                violation_error_message="有效期结束日期不能早于开始日期",
            ),
        ]

    def __str__(self):
        return f"{self.project} 支付担保 {self.document_number}"


class FundKind(models.TextChoices):
    REVOLVING = "revolving", "应急周转金"
    RESERVE = "reserve", "应急储备金"
    PRESALE = "presale", "商品房预售监管资金"


EMERGENCY_FUND_KINDS = (FundKind.REVOLVING, FundKind.RESERVE)


class MovementKind(models.TextChoices):
    TOP_UP = "top_up", "注资（入账）"
    ADVANCE = "advance", "垫付欠薪"
    RECOVERY = "recovery", "追回"
    RELEASE = "release", "按进度拨付"
    LABOUR_PAYMENT = "labour_payment", "优先支付人工费"


# Money in; everything else goes out and may never take the balance below zero (D1).
INFLOW_KINDS = (MovementKind.TOP_UP, MovementKind.RECOVERY)
KINDS_BY_FUND = {
    FundKind.REVOLVING: (MovementKind.TOP_UP, MovementKind.ADVANCE, MovementKind.RECOVERY),
    FundKind.RESERVE: (MovementKind.TOP_UP, MovementKind.ADVANCE, MovementKind.RECOVERY),
    FundKind.PRESALE: (MovementKind.TOP_UP, MovementKind.RELEASE, MovementKind.LABOUR_PAYMENT),
}


class Fund(models.Model):
    """D1 (3)(4)(5): a ledger with a stored balance — the district's 应急周转金 and 应急储备金 (kept by 区财政局),
    or one housing project's 商品房预售监管资金 account (supervised by 区住房保障中心).

    The balance changes only in deposits.services.fund_move, under a row lock; the CheckConstraint is the
    backstop that makes a negative balance impossible even for code that forgets the lock."""

    kind = models.CharField("资金类别", max_length=20, choices=FundKind.choices)
    name = models.CharField("名称", max_length=100)
    unit = models.ForeignKey(
        "common.Unit", verbose_name="管理单位", on_delete=models.PROTECT, related_name="funds"
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="项目",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="presale_funds",
    )
    bank = models.CharField("开户银行", max_length=100, blank=True)
    account_number = models.CharField("账号", max_length=40, blank=True)
    balance = models.DecimalField("余额（元）", max_digits=14, decimal_places=2, default=Decimal(0))
    created_at = models.DateTimeField("建立时间", auto_now_add=True)

    class Meta:
        verbose_name = "资金账户"
        verbose_name_plural = "资金账户"
        ordering = ["kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0),
                name="fund_balance_non_negative",
                violation_error_message="余额不能为负数",
            ),
            models.CheckConstraint(
                condition=Q(kind=FundKind.PRESALE, project__isnull=False)
                | (~Q(kind=FundKind.PRESALE) & Q(project__isnull=True)),
                name="fund_presale_has_project",
                violation_error_message="预售监管资金须对应一个项目",
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(project__isnull=True), name="fund_one_per_emergency_kind"
            ),
            models.UniqueConstraint(fields=["kind", "project"], name="fund_one_per_project"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("deposits:fund_detail", args=[self.pk])


class FundMovement(models.Model):
    """One movement of a fund's ledger, with the balance it left (the page's balance over time)."""

    fund = models.ForeignKey(
        Fund, verbose_name="资金账户", on_delete=models.PROTECT, related_name="movements"
    )
    kind = models.CharField("类型", max_length=20, choices=MovementKind.choices)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    balance_after = models.DecimalField("变动后余额（元）", max_digits=14, decimal_places=2)
    # An advance goes to a project now; clues (an app above this one) will link their advances to a movement
    # from their side, so this model never imports clues.
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="垫付项目",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_movements",
    )
    counterparty = models.CharField("付款方/收款方", max_length=100, blank=True)
    occurred_on = models.DateField("发生日期")
    note = models.CharField("摘要", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "资金变动"
        verbose_name_plural = "资金变动"
        ordering = ["recorded_at", "pk"]
        indexes = [models.Index(fields=["fund", "recorded_at"], name="fund_movement_fund_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="fund_movement_amount_positive",
                violation_error_message="金额必须大于0",
            ),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="fund_movement_balance_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.fund} {self.get_kind_display()} {self.amount}"

    @property
    def is_inflow(self) -> bool:
        return self.kind in INFLOW_KINDS
