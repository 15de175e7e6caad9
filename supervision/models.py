"""Supervision (SPEC S1–S6, V1–V6): the 五制 records of each project, inspections and rectification orders, key
monitoring declarations, delayed-payment reports, the blacklist and the joint meetings.

Supervision reads every app below it (common ← projects ← deposits ← clues ← supervision) and is read by none.
The services of each part write these tables (supervision/five_systems.py, oversight.py, blacklist.py,
meetings.py); every stored deadline is swept through common.sweeps like the clues' letters.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from common.models import Unit

# ----------------------------------------------------------------------------------------- S1–S6 五制


class LabourCostAllocation(models.Model):
    """S1 人工费拨付: the owner places labour cost in the dedicated wage account, the start-up allocation before
    construction, then at most one month apart (policy parameter S1.allocation_cycle_months)."""

    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="labour_allocations"
    )
    allocated_on = models.DateField("拨付日期")
    amount = models.DecimalField("拨付金额（元）", max_digits=14, decimal_places=2)
    is_startup = models.BooleanField("开工前首笔人工费", default=False)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "人工费拨付"
        verbose_name_plural = "人工费拨付"
        ordering = ["project", "-allocated_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="allocation_amount_positive",
                violation_error_message="拨付金额须大于0",
            ),
        ]
        indexes = [models.Index(fields=["project", "-allocated_on"], name="allocation_project_date")]

    def __str__(self) -> str:
        return f"{self.project} {self.allocated_on:%Y-%m-%d}"


class SubcontractorPayroll(models.Model):
    """S2 总承包代发 (and S4 银行代发): one month's payroll of one subcontractor, paid by the general contractor
    through the bank directly to each worker's own account; proof of payment returned; no wage card withheld."""

    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="payrolls"
    )
    month = models.DateField("工资月份", help_text="该月1日")
    subcontractor_name = models.CharField("分包单位", max_length=200)
    workers = models.PositiveIntegerField("人数")
    amount = models.DecimalField("代发金额（元）", max_digits=14, decimal_places=2)
    paid_on = models.DateField("代发日期", null=True, blank=True)
    proof = models.CharField("支付凭证", max_length=200, blank=True, help_text="银行代发回单编号等")
    # S4: the bank confirms it paid each worker's own account; a withheld wage card is non-compliant.
    bank_confirmed_on = models.DateField("银行代发确认日期", null=True, blank=True)
    wage_cards_withheld = models.BooleanField("存在扣押工资卡", default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "分包工资代发"
        verbose_name_plural = "分包工资代发"
        ordering = ["project", "-month", "subcontractor_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month", "subcontractor_name"], name="payroll_once_per_month_subcontractor"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payroll_amount_positive",
                violation_error_message="代发金额须大于0",
            ),
            models.CheckConstraint(
                condition=Q(workers__gt=0),
                name="payroll_workers_positive",
                violation_error_message="人数须大于0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.month:%Y-%m} {self.subcontractor_name}"


class WageAccount(models.Model):
    """S3 农民工工资专用账户: opened within S3.account_open_days of contract signing, filed with HRSS within
    S3.account_filing_days of opening (the service refuses an account opened before the contract)."""

    project = models.OneToOneField(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="wage_account"
    )
    bank_name = models.CharField("开户银行", max_length=100)
    account_number = models.CharField("账号", max_length=40)
    opened_on = models.DateField("开户日期")
    filed_on = models.DateField("向人社局备案日期", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "工资专用账户"
        verbose_name_plural = "工资专用账户"
        constraints = [
            models.CheckConstraint(
                condition=Q(filed_on__isnull=True) | Q(filed_on__gte=F("opened_on")),
                name="wage_account_filed_after_opening",
                violation_error_message="备案日期不能早于开户日期",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.bank_name}"


class RealNameRecord(models.Model):
    """S5 实名制: labour contracts, registered workers, the 劳资专管员, attendance and wage ledgers."""

    project = models.OneToOneField(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="real_name"
    )
    labour_contracts = models.PositiveIntegerField("签订劳动合同人数", default=0)
    registered_workers = models.PositiveIntegerField("实名登记人数", default=0)
    labour_manager_name = models.CharField("劳资专管员", max_length=50, blank=True)
    labour_manager_phone = models.CharField("劳资专管员电话", max_length=30, blank=True)
    attendance_ledger = models.BooleanField("考勤台账", default=False)
    wage_ledger = models.BooleanField("工资台账", default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "实名制管理"
        verbose_name_plural = "实名制管理"

    def __str__(self) -> str:
        return f"{self.project} 实名制"


class RightsTraining(models.Model):
    """S6 岗位维权培训: one training of all workers of a new project."""

    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="trainings"
    )
    held_on = models.DateField("培训日期")
    attendees = models.PositiveIntegerField("参训人数")
    trainer = models.CharField("授课人/单位", max_length=100, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "岗位维权培训"
        verbose_name_plural = "岗位维权培训"
        ordering = ["project", "-held_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(attendees__gt=0),
                name="training_attendees_positive",
                violation_error_message="参训人数须大于0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.held_on:%Y-%m-%d}"


class ProjectCompliance(models.Model):
    """The 五制 deadlines of a project, computed from the policy parameters and stored (like Clue.sweep_at), so
    the checklist, the dashboard and the sweep read columns instead of recomputing: recomputed by every 五制
    write (supervision.five_systems) and by the sweep when a due date passes."""

    project = models.OneToOneField(
        "projects.Project", verbose_name="项目", on_delete=models.CASCADE, related_name="compliance"
    )
    allocation_due_on = models.DateField("下次人工费拨付期限", null=True, blank=True)  # S1
    account_open_due_on = models.DateField("专用账户开户期限", null=True, blank=True)  # S3
    account_filing_due_on = models.DateField("专用账户备案期限", null=True, blank=True)  # S3
    training_due_on = models.DateField("维权培训期限", null=True, blank=True)  # S6
    red_items = models.PositiveSmallIntegerField("红色项数", default=0)
    yellow_items = models.PositiveSmallIntegerField("黄色项数", default=0)
    # The earliest date on which an item turns red (the sweep's index), NULL when nothing can.
    next_due_on = models.DateField("最近期限", null=True, blank=True)
    computed_on = models.DateField("计算日期", null=True, blank=True)

    class Meta:
        verbose_name = "五制合规状态"
        verbose_name_plural = "五制合规状态"
        indexes = [
            models.Index(
                fields=["next_due_on"], condition=Q(next_due_on__isnull=False), name="compliance_next_due"
            ),
            models.Index(fields=["red_items"], condition=Q(red_items__gt=0), name="compliance_red"),
        ]

    def __str__(self) -> str:
        return f"{self.project} 五制"


# ----------------------------------------------------------------------------------------- V1–V3 supervision


class ProjectSupervisor(models.Model):
    """V1 分包到人: the industry authority assigns each of its projects under construction to a leader and a
    responsible person, who inspect it every V1.inspection_days days."""

    project = models.OneToOneField(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="supervisor"
    )
    leader_name = models.CharField("包保领导", max_length=50)
    leader_title = models.CharField("领导职务", max_length=50, blank=True)
    responsible_person = models.CharField("责任人", max_length=50)
    responsible_phone = models.CharField("责任人电话", max_length=30)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="分派人", on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField("分派时间", default=timezone.now)
    next_inspection_due_on = models.DateField("下次巡查期限", null=True, blank=True)
    overdue_notified_on = models.DateField("逾期已提醒（期限）", null=True, blank=True)

    class Meta:
        verbose_name = "项目包保责任"
        verbose_name_plural = "项目包保责任"
        indexes = [
            models.Index(
                fields=["next_inspection_due_on"],
                condition=Q(next_inspection_due_on__isnull=False),
                name="supervisor_inspection_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.leader_name}"


class InspectionKind(models.TextChoices):
    ROUTINE = "routine", "日常巡查"
    JOINT = "joint", "联合巡查"


# V2's checklist: (field, label), in the order the form and the report print them.
INSPECTION_CHECKLIST = (
    ("labour_contracts_ok", "劳动合同签订"),
    ("real_name_ok", "实名制管理"),
    ("allocation_ok", "人工费用拨付"),
    ("wage_payment_ok", "工资支付"),
    ("notice_board_ok", "维权信息告示牌"),
    ("monitoring_system_ok", "工资支付监控系统使用"),
)


class Inspection(models.Model):
    """V1 periodic inspections and V2 joint inspections (联合巡查, HRSS with industry authorities) with the
    checklist; each item True (合格), False (不合格: a finding) or None (未检查)."""

    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="inspections"
    )
    kind = models.CharField("类型", max_length=20, choices=InspectionKind.choices)
    inspected_on = models.DateField("巡查日期")
    inspectors = models.CharField("巡查人员", max_length=200)
    units = models.ManyToManyField(Unit, verbose_name="参加单位", blank=True, related_name="inspections")
    labour_contracts_ok = models.BooleanField("劳动合同签订", null=True, blank=True)
    real_name_ok = models.BooleanField("实名制管理", null=True, blank=True)
    allocation_ok = models.BooleanField("人工费用拨付", null=True, blank=True)
    wage_payment_ok = models.BooleanField("工资支付", null=True, blank=True)
    notice_board_ok = models.BooleanField("维权信息告示牌", null=True, blank=True)
    monitoring_system_ok = models.BooleanField("工资支付监控系统使用", null=True, blank=True)
    findings = models.TextField("发现问题", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_unit = models.ForeignKey(
        Unit, verbose_name="登记单位", on_delete=models.PROTECT, related_name="recorded_inspections"
    )
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "巡查记录"
        verbose_name_plural = "巡查记录"
        ordering = ["-inspected_on", "-id"]
        indexes = [models.Index(fields=["project", "-inspected_on"], name="inspection_project_date")]

    def __str__(self) -> str:
        return f"{self.project} {self.get_kind_display()} {self.inspected_on:%Y-%m-%d}"


class RectificationStatus(models.TextChoices):
    OPEN = "open", "整改中"
    DONE = "done", "已整改"
    REFUSED = "refused", "拒不整改"


class RectificationOrder(models.Model):
    """V2 责令限期整改: a finding's order with a deadline, swept like the clues' deadlines (overdue once
    notified). Refusal leads to a penalty record and, where it qualifies, a blacklist proposal."""

    inspection = models.ForeignKey(
        Inspection,
        verbose_name="巡查",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="rectification_orders"
    )
    enterprise = models.ForeignKey(
        "projects.Enterprise",
        verbose_name="责任企业",
        on_delete=models.PROTECT,
        related_name="rectification_orders",
    )
    unit = models.ForeignKey(
        Unit, verbose_name="督办单位", on_delete=models.PROTECT, related_name="rectification_orders"
    )
    content = models.TextField("整改内容")
    issued_on = models.DateField("下达日期")
    deadline = models.DateField("整改期限")
    status = models.CharField("状态", max_length=20, choices=RectificationStatus.choices, default="open")
    closed_on = models.DateField("办结日期", null=True, blank=True)
    closed_note = models.TextField("整改情况", blank=True)
    overdue_notified_on = models.DateField("逾期已提醒", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="下达人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "限期整改"
        verbose_name_plural = "限期整改"
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=F("issued_on")),
                name="rectification_deadline_after_issue",
                violation_error_message="整改期限不能早于下达日期",
            ),
        ]
        indexes = [
            models.Index(fields=["deadline"], condition=Q(status="open"), name="rectification_open_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.project} 整改（{self.deadline:%Y-%m-%d}）"


class PenaltyRecord(models.Model):
    """V2: administrative handling or a penalty after a refused rectification (or another finding)."""

    order = models.ForeignKey(
        RectificationOrder,
        verbose_name="整改单",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="penalties",
    )
    enterprise = models.ForeignKey(
        "projects.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="supervision_penalties",
    )
    decided_on = models.DateField("决定日期")
    measure = models.CharField("处理措施", max_length=200)
    amount = models.DecimalField("罚款金额（元）", max_digits=12, decimal_places=2, default=0)
    basis = models.CharField("依据", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "行政处理处罚"
        verbose_name_plural = "行政处理处罚"
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="penalty_amount_nonnegative",
                violation_error_message="罚款金额不能为负数",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.measure}"


class MonitoringDeclaration(models.Model):
    """V3: a periodic declaration of an enterprise under key monitoring (clues.KeyMonitoring) — wages paid in the
    period; overdue when missed (KeyMonitoring.declaration_due_on, swept)."""

    monitoring = models.ForeignKey(
        "clues.KeyMonitoring", verbose_name="重点监控", on_delete=models.PROTECT, related_name="declarations"
    )
    period = models.DateField("申报月份", help_text="该月1日")
    declared_on = models.DateField("申报日期")
    workers = models.PositiveIntegerField("在岗农民工人数")
    wages_paid = models.DecimalField("当期发放工资（元）", max_digits=14, decimal_places=2)
    arrears = models.DecimalField("当期欠薪（元）", max_digits=14, decimal_places=2, default=0)
    note = models.TextField("说明", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "重点监控企业申报"
        verbose_name_plural = "重点监控企业申报"
        ordering = ["-period"]
        constraints = [
            models.UniqueConstraint(fields=["monitoring", "period"], name="declaration_once_per_period"),
            models.CheckConstraint(
                condition=Q(wages_paid__gte=0) & Q(arrears__gte=0),
                name="declaration_amounts_nonnegative",
                violation_error_message="金额不能为负数",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.monitoring} {self.period:%Y-%m}"


class DelayedPaymentReport(models.Model):
    """V3: an enterprise that must delay wages for genuine difficulty reports to HRSS in advance."""

    enterprise = models.ForeignKey(
        "projects.Enterprise", verbose_name="企业", on_delete=models.PROTECT, related_name="delay_reports"
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="项目",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField("延期原因")
    workers = models.PositiveIntegerField("涉及人数")
    amount = models.DecimalField("延期支付金额（元）", max_digits=14, decimal_places=2)
    normal_pay_day = models.DateField("原定支付日")
    pay_by = models.DateField("承诺支付日")
    reported_on = models.DateField("报告日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "延期支付报告"
        verbose_name_plural = "延期支付报告"
        ordering = ["-reported_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="delay_amount_positive", violation_error_message="金额须大于0"
            ),
            models.CheckConstraint(
                condition=Q(pay_by__gte=F("normal_pay_day")),
                name="delay_pay_by_after_pay_day",
                violation_error_message="承诺支付日不能早于原定支付日",
            ),
            # "In advance" (事先报告): filed no later than the normal pay day.
            models.CheckConstraint(
                condition=Q(reported_on__lte=F("normal_pay_day")),
                name="delay_reported_in_advance",
                violation_error_message="延期支付须在原定支付日前报告",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} 延期至 {self.pay_by:%Y-%m-%d}"


# ------------------------------------------------------------------------------------------- V4 blacklist


class BlacklistReason(models.TextChoices):
    """V4: what gets an employer listed for joint punishment."""

    PETITION_BEIJING = "petition_beijing", "欠薪引发赴京上访"
    PETITION_PROVINCE = "petition_province", "欠薪引发赴省上访"
    MASS_INCIDENT = "mass_incident", "欠薪引发群体性事件"
    EXTREME_INCIDENT = "extreme_incident", "欠薪引发极端事件"
    PUBLIC_OPINION = "public_opinion", "欠薪引发重大负面舆情"


class Restriction(models.TextChoices):
    """V4: the restrictions that apply to a listed employer."""

    GOVERNMENT_FUNDS = "government_funds", "政府资金支持"
    PROCUREMENT = "procurement", "政府采购"
    BIDDING = "bidding", "招投标"
    LOANS = "loans", "融资贷款"
    MARKET_ACCESS = "market_access", "市场准入"
    TAX = "tax", "税收优惠"
    HONOURS = "honours", "评优评先"
    TRAVEL = "travel", "交通出行（乘坐飞机、高铁）"


class BlacklistStatus(models.TextChoices):
    PROPOSED = "proposed", "建议列入"
    LISTED = "listed", "已列入"
    REMOVED = "removed", "已移出"
    REJECTED = "rejected", "不予列入"


class BlacklistEntry(models.Model):
    """V4 失信联合惩戒名单: HRSS lists an employer, with the reason, the linked clues and the restrictions; every
    unit sees the list. A refused rectification (V2) may propose a listing, which HRSS decides."""

    enterprise = models.ForeignKey(
        "projects.Enterprise", verbose_name="企业", on_delete=models.PROTECT, related_name="blacklist_entries"
    )
    status = models.CharField("状态", max_length=20, choices=BlacklistStatus.choices, default="listed")
    reason = models.CharField("列入事由", max_length=30, choices=BlacklistReason.choices)
    details = models.TextField("事实经过")
    restrictions = models.JSONField("惩戒措施", default=list, help_text="Restriction 代码列表")
    responsible_persons = models.CharField("相关责任人", max_length=200, blank=True)
    clues = models.ManyToManyField(
        "clues.Clue", verbose_name="关联线索", blank=True, related_name="blacklist_entries"
    )
    proposed_by_order = models.ForeignKey(
        RectificationOrder,
        verbose_name="由整改单建议",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="blacklist_proposals",
    )
    listed_on = models.DateField("列入日期", null=True, blank=True)
    removed_on = models.DateField("移出日期", null=True, blank=True)
    removal_reason = models.TextField("移出理由", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "失信联合惩戒名单"
        verbose_name_plural = "失信联合惩戒名单"
        ordering = ["-listed_on", "-id"]
        constraints = [
            # One live listing (or proposal) per enterprise.
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(status__in=["proposed", "listed"]),
                name="blacklist_one_live_entry_per_enterprise",
            ),
            models.CheckConstraint(
                condition=~Q(status="listed") | Q(listed_on__isnull=False),
                name="blacklist_listed_has_date",
                violation_error_message="已列入的须有列入日期",
            ),
            models.CheckConstraint(
                condition=~Q(status="removed") | (Q(removed_on__isnull=False) & ~Q(removal_reason="")),
                name="blacklist_removed_has_date_and_reason",
                violation_error_message="移出须有日期和理由",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise}（{self.get_status_display()}）"


# -------------------------------------------------------------------------------------- V5 joint meetings


class MeetingStatus(models.TextChoices):
    REQUESTED = "requested", "已申请"
    SCHEDULED = "scheduled", "已安排"
    HELD = "held", "已召开"
    DECLINED = "declined", "不予召开"


class JointMeeting(models.Model):
    """V5 联席会议: convened by HRSS at any unit's request; decisions and tasks recorded and tracked like clues."""

    requested_by_unit = models.ForeignKey(
        Unit, verbose_name="提请单位", on_delete=models.PROTECT, related_name="requested_meetings"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("提请时间", default=timezone.now)
    subject = models.CharField("议题", max_length=200)
    reason = models.TextField("提请事由")
    status = models.CharField("状态", max_length=20, choices=MeetingStatus.choices, default="requested")
    meeting_date = models.DateField("会议日期", null=True, blank=True)
    attendees = models.TextField("参会单位及人员", blank=True)
    decisions = models.TextField("会议决定", blank=True)

    class Meta:
        verbose_name = "联席会议"
        verbose_name_plural = "联席会议"
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class MeetingTask(models.Model):
    """V5: a task the meeting assigned to a unit, with a deadline swept like the clues' (overdue once notified)."""

    meeting = models.ForeignKey(
        JointMeeting, verbose_name="会议", on_delete=models.PROTECT, related_name="tasks"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="承办单位", on_delete=models.PROTECT, related_name="meeting_tasks"
    )
    content = models.TextField("任务内容")
    deadline = models.DateField("完成期限")
    done_on = models.DateField("完成日期", null=True, blank=True)
    done_note = models.TextField("完成情况", blank=True)
    overdue_notified_on = models.DateField("逾期已提醒", null=True, blank=True)

    class Meta:
        verbose_name = "会议任务"
        verbose_name_plural = "会议任务"
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(
                fields=["deadline"], condition=Q(done_on__isnull=True), name="meeting_task_open_deadline"
            ),
            models.Index(fields=["unit", "deadline"], name="meeting_task_unit_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.content[:20]}"


# ------------------------------------------------------------------------------------------- V6 考核评分


class ScorecardSnapshot(models.Model):
    """V6: the district's scorecard table for one period, as last computed (supervision.scorecards): the page,
    its Excel, PDF and API read it, so no request computes. Refreshed by the `supervision.scorecards` sweep
    (the current week, month, quarter and year) and by the page's refresh job; one row per period."""

    period = models.CharField("考核期间", max_length=10)  # supervision.dashboard.PERIODS: week, month, …
    period_start = models.DateField("期间起始日")
    period_end = models.DateField("统计截止日")  # the last day, or the day computed (a current period)
    computed_at = models.DateTimeField("数据截至")
    # Every unit's row (figures and scores, Decimals as strings), the number ranked and the layout's version.
    data = models.JSONField("评分数据", default=dict)

    class Meta:
        verbose_name = "考核评分快照"
        verbose_name_plural = "考核评分快照"
        constraints = [
            models.UniqueConstraint(
                fields=["period", "period_start"], name="scorecard_snapshot_one_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.period_start:%Y-%m-%d}（{timezone.localtime(self.computed_at):%Y-%m-%d %H:%M}）"
