"""Wage-arrears clues (SPEC C1–C6, P6 second half): intake, the state machine, results, accountability.

The transitions change fields only; clues/services.py is the only code that writes (lock, check, transition,
recompute the C3 ladder, save, log). Apps stack upwards: clues imports models of common, projects and deposits,
never the other way round.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from common.models import Unit


class Channel(models.TextChoices):
    """C1: where a clue came from."""

    PLATFORM = "platform", "根治欠薪平台"
    HOTLINE = "hotline", "投诉举报电话"
    VISIT_LETTER = "visit_letter", "来人来信来函"
    SUPERIOR = "superior", "上级交办转办"
    INSPECTION = "inspection", "日常监督检查"
    PETITION_BUREAU = "petition_bureau", "信访局转办"
    ONLINE_OPINION = "online_opinion", "网络舆情"


class Nature(models.TextChoices):
    """What the dispute is about. C2: disputes over contract, equity, price, quantity or quality go to the bidder
    and the courts (司法途径), not to a wage-arrears dispatch."""

    WAGE_ARREARS = "wage_arrears", "拖欠农民工工资"
    CONTRACT = "contract", "合同纠纷"
    EQUITY = "equity", "股权纠纷"
    PRICE = "price", "价款纠纷"
    QUANTITY = "quantity", "工程量纠纷"
    QUALITY = "quality", "质量纠纷"


CIVIL_DISPUTE_NATURES = (Nature.CONTRACT, Nature.EQUITY, Nature.PRICE, Nature.QUANTITY, Nature.QUALITY)


class Category(models.TextChoices):
    """The field (行业领域) of the employer. C2: outside construction, each field goes to its department."""

    CONSTRUCTION = "construction", "工程建设"
    FINANCE = "finance", "财政"
    SANITATION = "sanitation", "环卫"
    URBAN_MANAGEMENT = "urban_management", "城市管理"
    HOUSING_SECURITY = "housing_security", "住房保障"
    EDUCATION = "education", "教育"
    HEALTH = "health", "卫生健康"
    TRANSPORT = "transport", "交通运输"
    AGRICULTURE = "agriculture", "农业农村"
    CULTURE_TOURISM = "culture_tourism", "文化旅游"
    OTHER = "other", "其他"


class ClueStatus(models.TextChoices):
    """C4: the stages, in order. 退回 (returned) leads back to 已登记; 改派 (reassigned) to 已交办."""

    REGISTERED = "registered", "已登记"
    DISPATCHED = "dispatched", "已交办"
    ACKNOWLEDGED = "acknowledged", "已签收"
    IN_PROGRESS = "in_progress", "办理中"
    RESULT_SUBMITTED = "result_submitted", "待核实"
    CLOSED = "closed", "已办结"


# The stages in which a unit holds the clue (it may return it; HRSS may reassign it).
HELD_BY_UNIT = [ClueStatus.DISPATCHED, ClueStatus.ACKNOWLEDGED, ClueStatus.IN_PROGRESS]
OPEN_STATUSES = [s for s in ClueStatus.values if s != ClueStatus.CLOSED]

# Sane bounds (C1 bad input): the whole district has a few thousand construction workers; no single clue owes
# more than 1 亿元.
MAX_WORKERS = 10000
MAX_AMOUNT = 100_000_000


def _perm(name: str):
    """The permission of a transition, asked of common.access (role and unit rules live there, not here)."""

    def check(instance, user) -> bool:
        from common import access

        return getattr(access, name)(user, instance)

    check.__name__ = name
    return check


class Clue(ConcurrentTransitionMixin, models.Model):
    """C1: one wage-arrears clue, from receipt to HRSS's confirmed closure.

    ConcurrentTransitionMixin (django-fsm-2): a save whose status changed in the database since this instance
    was read raises ConcurrentTransition instead of writing a stale status back. The services lock the row
    first; this is the backstop.
    """

    number = models.CharField("线索编号", max_length=20, unique=True)
    channel = models.CharField("线索来源", max_length=20, choices=Channel.choices)
    is_petition = models.BooleanField("信访件", default=False, help_text="信访局转办或标记为信访的线索（P6）")
    received_at = models.DateTimeField("接收时间", help_text="人社局（或信访局）接到线索的时间，C3 由此起算")

    # C1 personal data: whole only for common.access.sees_personal_data, masked (common.masking) elsewhere.
    complainant_name = models.CharField("投诉人姓名", max_length=50)
    complainant_phone = models.CharField("投诉人电话", max_length=30)
    complainant_id_number = models.CharField("投诉人身份证号", max_length=18, blank=True)

    workers_affected = models.PositiveIntegerField("涉及人数")
    amount_owed = models.DecimalField("欠薪金额（元）", max_digits=12, decimal_places=2)
    employer = models.ForeignKey(
        "projects.Enterprise",
        verbose_name="欠薪单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clues",
    )
    employer_name = models.CharField("欠薪单位名称", max_length=200, help_text="已关联企业时为企业名称")
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="涉及项目",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clues",
    )
    street = models.ForeignKey(
        Unit,
        verbose_name="属地街道",
        on_delete=models.PROTECT,
        related_name="street_clues",
        limit_choices_to={"unit_type": "street"},
    )
    nature = models.CharField("纠纷性质", max_length=20, choices=Nature.choices, default=Nature.WAGE_ARREARS)
    category = models.CharField(
        "行业领域", max_length=20, choices=Category.choices, default=Category.CONSTRUCTION
    )
    description = models.TextField("情况描述")

    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    registering_unit = models.ForeignKey(
        Unit, verbose_name="登记单位", on_delete=models.PROTECT, related_name="registered_clues"
    )
    registered_at = models.DateTimeField("登记时间", default=timezone.now)
    # C6 首问负责制: the unit holding the clue — the first receiving unit until a recorded hand-over
    # (dispatch, reassignment, return). NOT NULL: no clue is ever without an owner.
    owner_unit = models.ForeignKey(
        Unit, verbose_name="责任主体单位", on_delete=models.PROTECT, related_name="owned_clues"
    )

    # C2 routing, as suggested and as decided by the dispatcher.
    suggested_unit = models.ForeignKey(
        Unit, verbose_name="建议责任单位", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    route_reason = models.TextField("分办理由", blank=True)
    route_override_reason = models.TextField("调整分办理由", blank=True)
    assisting_street = models.ForeignKey(
        Unit, verbose_name="协助街道", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_path = models.CharField("处理途径", max_length=50, blank=True)

    responsible_unit = models.ForeignKey(
        Unit, verbose_name="责任单位", on_delete=models.PROTECT, null=True, blank=True, related_name="clues"
    )
    responsible_person = models.CharField("责任人", max_length=50, blank=True)
    responsible_phone = models.CharField("责任人电话", max_length=30, blank=True)

    status = FSMField("办理状态", default=ClueStatus.REGISTERED, choices=ClueStatus.choices, protected=True)

    # C3 ladder: each step's timestamp, set by the transitions, and the next step due (services recompute it
    # after every transition).
    dispatched_at = models.DateTimeField("交办时间", null=True, blank=True)
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    first_progress_at = models.DateTimeField("首次进展时间", null=True, blank=True)
    result_at = models.DateTimeField("提交结果时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    next_deadline_at = models.DateTimeField("下一期限", null=True, blank=True)
    # C3/C4: when the deadline sweep must next act on this clue (a 提醒函 or 通报 falls due); NULL when no letter
    # is pending. Recomputed by every transition and by the sweep itself (clues.ladder.next_sweep_at).
    sweep_at = models.DateTimeField("下次催办时间", null=True, blank=True, editable=False)

    # Part 2: a repeat keeps its own timeline; the first clue counts its repeats.
    repeat_of = models.ForeignKey(
        "self",
        verbose_name="重复线索（原线索）",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
    )
    repeat_count = models.PositiveIntegerField("重复次数", default=0)
    # Part 9: the complainant's query code for /chaxun/ is kept only as a keyed hash (clues.lookup, HMAC under the
    # secret key), so a leaked database or history row cannot be used to read a clue's progress; the code is shown once,
    # on the receipt. Blank for clues registered before the lookup existed.
    query_code_hash = models.CharField("查询码（哈希）", max_length=128, blank=True, editable=False)

    # The query code's hash stays out of the history (the clue page's timeline would show it).
    history = HistoricalRecords(verbose_name="线索变更记录", excluded_fields=["query_code_hash"])

    class Meta:
        verbose_name = "欠薪线索"
        verbose_name_plural = "欠薪线索"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_owed__gt=0) & Q(amount_owed__lte=MAX_AMOUNT),
                name="clue_amount_owed_sane",
                violation_error_message="欠薪金额须大于0且不超过1亿元",
            ),
            models.CheckConstraint(
                condition=Q(workers_affected__gt=0) & Q(workers_affected__lte=MAX_WORKERS),
                name="clue_workers_affected_sane",
                violation_error_message="涉及人数须在1至10000之间",
            ),
            # C4: a dispatched clue names its unit and a responsible person.
            models.CheckConstraint(
                condition=Q(status="registered")
                | (Q(responsible_unit__isnull=False) & ~Q(responsible_person="")),
                name="clue_dispatched_has_responsible",
                violation_error_message="已交办的线索须有责任单位和责任人",
            ),
        ]
        indexes = [
            # The C3 sweep (issue 8, clues/tasks.py, beat in zhongzhan_wages/celery.py) asks "which open clues
            # are due?" every few minutes: one scan of this index whatever the size of the table.
            models.Index(
                fields=["next_deadline_at"],
                condition=~Q(status="closed"),
                name="clue_open_next_deadline",
            ),
            # The letters sweep (clues.services.clue_process_deadlines, every 5 minutes): "which clues owe a
            # letter now?" reads this index only — flat in the number of clues (bench/sweep_bench.py).
            models.Index(fields=["sweep_at"], condition=Q(sweep_at__isnull=False), name="clue_sweep_due"),
            models.Index(fields=["complainant_phone", "received_at"], name="clue_phone_received"),
            models.Index(fields=["owner_unit", "status"], name="clue_owner_status"),
            # The list's order (newest received first) and the dashboard's weekly/period counts: range scans of
            # received_at (with the stage, for the ladder funnel) and of closed_at, not of the whole table.
            models.Index(fields=["received_at", "status"], name="clue_received_status"),
            models.Index(fields=["closed_at"], condition=Q(closed_at__isnull=False), name="clue_closed"),
            # A unit's letters include those of the clues it holds (letter_visible_to): their ids from the index
            # alone.
            models.Index(fields=["owner_unit", "id"], name="clue_owner_id"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status != ClueStatus.CLOSED

    # --- C4 transitions: fields only -----------------------------------------------------------------------

    @transition(
        field=status,
        source=ClueStatus.REGISTERED,
        target=ClueStatus.DISPATCHED,
        permission=_perm("may_dispatch_clue"),
    )
    def dispatch(self, *, unit: Unit, person: str, phone: str, at):
        """C3 step 1 / C6: handed over to a unit and a named person."""
        self.responsible_unit, self.responsible_person, self.responsible_phone = unit, person, phone
        self.owner_unit = unit
        self.dispatched_at = at
        self.acknowledged_at = self.first_progress_at = None

    @transition(
        field=status,
        source=ClueStatus.DISPATCHED,
        target=ClueStatus.ACKNOWLEDGED,
        permission=_perm("may_act_as_responsible_unit"),
    )
    def acknowledge(self, *, at):
        """C3 step 2: the responsible unit signs for the clue."""
        self.acknowledged_at = at

    @transition(
        field=status,
        source=[ClueStatus.ACKNOWLEDGED, ClueStatus.IN_PROGRESS],
        target=ClueStatus.IN_PROGRESS,
        permission=_perm("may_act_as_responsible_unit"),
    )
    def note_progress(self, *, at):
        if self.first_progress_at is None:
            self.first_progress_at = at

    @transition(
        field=status,
        source=[ClueStatus.ACKNOWLEDGED, ClueStatus.IN_PROGRESS],
        target=ClueStatus.RESULT_SUBMITTED,
        permission=_perm("may_act_as_responsible_unit"),
    )
    def submit_result(self, *, at):
        if self.first_progress_at is None:
            self.first_progress_at = at
        self.result_at = at

    @transition(
        field=status,
        source=ClueStatus.RESULT_SUBMITTED,
        target=ClueStatus.CLOSED,
        permission=_perm("may_dispatch_clue"),
    )
    def confirm_closure(self, *, at):
        """C5: only HRSS's confirmation closes a clue."""
        self.closed_at = at

    @transition(
        field=status,
        source=HELD_BY_UNIT,
        target=ClueStatus.REGISTERED,
        permission=_perm("may_act_as_responsible_unit"),
    )
    def return_to_hrss(self, *, hrss: Unit):
        """退回: the unit hands the clue back to HRSS (C6: HRSS holds it again) for a new dispatch."""
        self.owner_unit = hrss
        self.responsible_unit, self.responsible_person, self.responsible_phone = None, "", ""
        self.dispatched_at = self.acknowledged_at = self.first_progress_at = None

    @transition(
        field=status, source=HELD_BY_UNIT, target=ClueStatus.DISPATCHED, permission=_perm("may_dispatch_clue")
    )
    def reassign(self, *, unit: Unit, person: str, phone: str, at):
        """改派: HRSS hands the clue to another unit (C6: a recorded hand-over); the new unit signs anew."""
        self.responsible_unit, self.responsible_person, self.responsible_phone = unit, person, phone
        self.owner_unit = unit
        self.dispatched_at = at
        self.acknowledged_at = self.first_progress_at = None


class ClueProgress(models.Model):
    """C4: a progress note of the responsible unit (any number)."""

    clue = models.ForeignKey(
        Clue, verbose_name="线索", on_delete=models.CASCADE, related_name="progress_notes"
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    note = models.TextField("进展情况")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        verbose_name = "办理进展"
        verbose_name_plural = "办理进展"
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return self.note[:30]


class ResultType(models.TextChoices):
    """C5: how a clue ended."""

    WAGES_PAID = "wages_paid", "已支付工资"
    ADVANCED_REVOLVING = "advanced_revolving", "应急周转金垫付"
    ADVANCED_RESERVE = "advanced_reserve", "应急储备金垫付"
    ADVANCED_DEPOSIT = "advanced_deposit", "动用项目农民工工资保证金支付"
    POLICE = "police", "移送公安机关（涉嫌拒不支付劳动报酬罪）"
    COURT = "court", "引导通过诉讼解决（法院）"
    LEGAL_AID = "legal_aid", "转区司法局法律援助"
    NOT_SUBSTANTIATED = "not_substantiated", "经核查不属实"


# Results that pay money, so they carry an amount and a number of workers.
PAYING_RESULTS = (
    ResultType.WAGES_PAID,
    ResultType.ADVANCED_REVOLVING,
    ResultType.ADVANCED_RESERVE,
    ResultType.ADVANCED_DEPOSIT,
)
FUND_RESULTS = (ResultType.ADVANCED_REVOLVING, ResultType.ADVANCED_RESERVE)


class ClueResult(models.Model):
    """C5: the result the unit submits; HRSS's confirmation (clue_confirm_closure) closes the clue."""

    clue = models.ForeignKey(Clue, verbose_name="线索", on_delete=models.CASCADE, related_name="results")
    result_type = models.CharField("办理结果", max_length=30, choices=ResultType.choices)
    amount_paid = models.DecimalField(
        "支付金额（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    workers_paid = models.PositiveIntegerField("支付人数", null=True, blank=True)
    evidence = models.TextField("证明材料说明")
    unit = models.ForeignKey(Unit, verbose_name="提交单位", on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核实人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("核实时间", null=True, blank=True)
    # D1: the advance this result was paid with (deposits' ledgers; deposits never imports clues).
    fund_movement = models.OneToOneField(
        "deposits.FundMovement",
        verbose_name="资金垫付记录",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clue_result",
    )
    deposit = models.ForeignKey(
        "deposits.Deposit",
        verbose_name="动用的保证金",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "办理结果"
        verbose_name_plural = "办理结果"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_paid__isnull=True)
                | (Q(amount_paid__gt=0) & Q(amount_paid__lte=MAX_AMOUNT)),
                name="clue_result_amount_sane",
            ),
        ]

    def __str__(self) -> str:
        return self.get_result_type_display()

    @property
    def is_substantiated(self) -> bool:
        return self.result_type != ResultType.NOT_SUBSTANTIATED


class KeyMonitoring(models.Model):
    """C5: an employer found owing wages is under key monitoring (重点监控); supervision (V) reads this flag.

    Keyed by the enterprise when the clue named one, else by the employer's name."""

    enterprise = models.ForeignKey(
        "projects.Enterprise",
        verbose_name="企业",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="key_monitoring",
    )
    employer_name = models.CharField("单位名称", max_length=200)
    clue = models.ForeignKey(Clue, verbose_name="起因线索", on_delete=models.PROTECT, related_name="+")
    since = models.DateField("列入日期")
    is_active = models.BooleanField("监控中", default=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    # V3 (supervision.oversight): HRSS may end the monitoring, with a reason; while active the enterprise declares
    # periodically and the next declaration's due date is stored here and swept.
    removed_on = models.DateField("解除日期", null=True, blank=True)
    removal_reason = models.TextField("解除理由", blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="解除人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    declaration_due_on = models.DateField("下次申报期限", null=True, blank=True)
    overdue_notified_on = models.DateField("逾期已提醒（期限）", null=True, blank=True)

    class Meta:
        verbose_name = "重点监控企业"
        verbose_name_plural = "重点监控企业"
        constraints = [
            # One active monitoring per enterprise (or name); a removed one may be followed by a new one.
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(enterprise__isnull=False, is_active=True),
                name="key_monitoring_one_per_enterprise",
            ),
            models.UniqueConstraint(
                fields=["employer_name"],
                condition=Q(enterprise__isnull=True, is_active=True),
                name="key_monitoring_one_per_name",
            ),
            models.CheckConstraint(
                condition=Q(is_active=True) | (Q(removed_on__isnull=False) & ~Q(removal_reason="")),
                name="key_monitoring_removed_has_reason",
                violation_error_message="解除重点监控须填写日期和理由",
            ),
        ]
        indexes = [
            models.Index(
                fields=["declaration_due_on"],
                condition=Q(is_active=True, declaration_due_on__isnull=False),
                name="key_monitoring_declaration_due",
            ),
        ]

    def __str__(self) -> str:
        return self.employer_name


class AccountabilityReason(models.TextChoices):
    PUSHED_LATE = "pushed_late", "项目逾期推送"
    NEVER_PUSHED = "never_pushed", "项目逾期未推送"


class UnitAccountability(models.Model):
    """P6 second half: a petition clue on a project pushed late or never pushed flags the project's unit for
    检讨 to the district government and 通报全区."""

    clue = models.ForeignKey(
        Clue, verbose_name="信访线索", on_delete=models.CASCADE, related_name="accountabilities"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="clue_accountabilities"
    )
    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("原因", max_length=20, choices=AccountabilityReason.choices)
    late_working_days = models.PositiveIntegerField("逾期工作日数", default=0)
    measures = models.CharField("处理措施", max_length=100, default="向区政府作出检讨，并通报全区")
    created_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        verbose_name = "推送责任追究记录"
        verbose_name_plural = "推送责任追究记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["clue", "unit"], name="unit_accountability_once_per_clue"),
        ]

    def __str__(self) -> str:
        return f"{self.unit}：{self.get_reason_display()}"


class AttachmentKind(models.TextChoices):
    """C1 complaint material at intake; C5 evidence of the result."""

    COMPLAINT = "complaint", "投诉材料"
    EVIDENCE = "evidence", "办理结果证明材料"


class ClueAttachment(models.Model):
    """C1/C5: a file of a clue. Stored under settings.CLUE_FILES_ROOT — outside the static and media URL space —
    and served only through clues:attachment_download, to users who may see the clue."""

    clue = models.ForeignKey(Clue, verbose_name="线索", on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField("附件类别", max_length=20, choices=AttachmentKind.choices)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型（按内容识别）", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    stored_path = models.CharField("存储路径", max_length=500, help_text="相对于 CLUE_FILES_ROOT")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "线索附件"
        verbose_name_plural = "线索附件"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


# --------------------------------------------------------------------------------- C3 letters (issue 8)


class LetterKind(models.TextChoices):
    """C3 steps 3 and 4. The order of the values is the order in which they fall due."""

    REMINDER = "reminder", "提醒函"
    ESCALATION = "escalation", "通报"


class LetterStatus(models.TextChoices):
    CREATED = "created", "待发送"
    SENT = "sent", "已发送"


class Letter(models.Model):
    """C3/C4: the 提醒函 (day 3, nobody has taken the clue on) or the 通报 to the district's principal leaders
    (day 4, no progress) — each at most once per clue, guaranteed by the unique constraint on (clue, kind)
    whatever the number of sweeps, retries or beats. Created by the sweep together with its IssuedDocument
    (number from common.documents' sequence); the PDF is rendered and the recipients told by a task after
    commit, which then marks it sent."""

    clue = models.ForeignKey(Clue, verbose_name="线索", on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField("类型", max_length=20, choices=LetterKind.choices)
    number = models.CharField("发文字号", max_length=40, unique=True)
    addressee = models.CharField("主送", max_length=200)
    addressee_unit = models.ForeignKey(
        Unit, verbose_name="主送单位", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    copy_to = models.CharField("抄送", max_length=200, blank=True)
    responsible_unit = models.ForeignKey(
        Unit, verbose_name="责任单位", on_delete=models.PROTECT, null=True, blank=True, related_name="letters"
    )
    due_at = models.DateTimeField("应发时间", help_text="该步骤的期限（C3）")
    # The facts as they stood when the letter was written (the PDF prints these, not later values).
    facts = models.JSONField("函件内容", default=dict)
    status = models.CharField(
        "状态", max_length=20, choices=LetterStatus.choices, default=LetterStatus.CREATED
    )
    created_at = models.DateTimeField("生成时间", default=timezone.now)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    document = models.OneToOneField(
        "common.IssuedDocument", verbose_name="文书", on_delete=models.PROTECT, related_name="clue_letter"
    )

    class Meta:
        verbose_name = "催办函件"
        verbose_name_plural = "催办函件"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["clue", "kind"], name="letter_once_per_clue_and_kind"),
        ]
        indexes = [
            # The sweep re-queues letters whose send task was lost (worker killed after commit).
            models.Index(fields=["created_at"], condition=Q(status="created"), name="letter_unsent"),
            # The dashboard's and the letter list's "written in the period" (by kind).
            models.Index(fields=["created_at", "kind"], name="letter_created_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


# ------------------------------------------------------------------------ C3 step 5: the Friday review


class WeeklyReview(models.Model):
    """C3 step 5 (周调度): the week's list of open clues whose unit has not carried out the dispatch, built once
    per week (unique week_start) on the review day — Friday, or the last working day before it in that week."""

    week_start = models.DateField("周一日期", unique=True)
    review_date = models.DateField("调度日")
    built_at = models.DateTimeField("生成时间", default=timezone.now)
    built_late = models.BooleanField(
        "补生成", default=False, help_text="调度日当天未生成（系统停机），由之后的运行补上"
    )
    clue_count = models.PositiveIntegerField("线索数", default=0)
    unit_count = models.PositiveIntegerField("单位数", default=0)

    class Meta:
        verbose_name = "周调度"
        verbose_name_plural = "周调度"
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"{self.review_date:%Y-%m-%d} 周调度"


class WeeklyReviewItem(models.Model):
    """One clue on a week's review, with the figures as they stood when it was built."""

    review = models.ForeignKey(
        WeeklyReview, verbose_name="周调度", on_delete=models.CASCADE, related_name="items"
    )
    clue = models.ForeignKey(Clue, verbose_name="线索", on_delete=models.PROTECT, related_name="review_items")
    unit = models.ForeignKey(
        Unit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="review_items"
    )
    status = models.CharField("办理状态", max_length=20, choices=ClueStatus.choices)
    days_open = models.PositiveIntegerField("已历时（天）")
    letters_sent = models.CharField("已发函件", max_length=100, blank=True)
    last_progress_at = models.DateTimeField("最近进展时间", null=True, blank=True)
    last_progress_note = models.TextField("最近进展", blank=True)
    on_previous_review = models.BooleanField("上周已在列", default=False)

    class Meta:
        verbose_name = "周调度线索"
        verbose_name_plural = "周调度线索"
        ordering = ["review", "unit", "-days_open", "clue"]
        constraints = [
            models.UniqueConstraint(fields=["review", "clue"], name="reviewitem_once_per_clue"),
        ]

    def __str__(self) -> str:
        return f"{self.review} {self.clue}"
