"""Units (单位), users with their role, and the working-day calendar overrides."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class UnitType(models.TextChoices):
    HRSS = "hrss", "人社局"
    INDUSTRY = "industry", "行业工程建设主管部门"
    STREET = "street", "街道办事处"
    OTHER = "other", "其他单位"


class Unit(models.Model):
    """A government unit bound by the policy (SPEC "Units"). Loaded from fixtures/units.json."""

    name = models.CharField("单位名称", max_length=100, unique=True)
    short_name = models.CharField(
        "简称", max_length=20, unique=True, help_text="用于通知书文号，如“中区人社农保通字”中的“人社”"
    )
    unit_type = models.CharField("单位类型", max_length=20, choices=UnitType.choices)
    leader_name = models.CharField("负责人", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    pushes_projects = models.BooleanField(
        "须推送项目",
        default=False,
        help_text="P1/P2：行业主管部门、街道办事处、经开区管委会、中晟集团须向人社局推送项目",
    )
    sort_order = models.PositiveIntegerField("排序", default=100)
    is_active = models.BooleanField("启用", default=True)
    history = HistoricalRecords(verbose_name="单位变更记录")

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["sort_order", "id"]
        constraints = [
            # Exactly one lead unit: notices and dispatch all name it.
            models.UniqueConstraint(
                fields=["unit_type"],
                condition=Q(unit_type="hrss"),
                name="unit_single_hrss",
                violation_error_message="只能有一个人社局",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_street(self) -> bool:
        return self.unit_type == UnitType.STREET


class Role(models.TextChoices):
    CLERK = "clerk", "部门经办人"
    DISPATCHER = "dispatcher", "人社局调度员"
    PETITION_CLERK = "petition_clerk", "信访局经办人"
    LEADER = "leader", "领导"
    ADMIN = "admin", "管理员"


class UserManager(DjangoUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `createsuperuser` makes the first production administrator: an admin needs no unit.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in. Belongs to one unit; the role decides what they may see and do."""

    objects = UserManager()

    unit = models.ForeignKey(
        Unit, verbose_name="所属单位", on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.CLERK)
    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    # Issue 5 B4: leaders read through the pages; a token is an admin's decision (common.access.may_use_api_token).
    api_token_allowed = models.BooleanField(
        "允许使用 API 令牌",
        default=False,
        help_text="仅对领导账号起作用：勾选后该领导可换取 API 令牌、查看接口文档；其他角色始终可以。",
    )

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            # Clerks, dispatchers and petition clerks act for a unit; only leaders and admins may have none.
            models.CheckConstraint(
                condition=Q(role__in=["leader", "admin"]) | Q(unit__isnull=False),
                name="user_unit_required_for_unit_roles",
                violation_error_message="部门经办人、人社局调度员和信访局经办人须选择所属单位",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_admin_role(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def sees_all_units(self) -> bool:
        """HRSS keeps the district ledger; leaders and admins read everything."""
        return self.is_admin_role or self.role in (Role.DISPATCHER, Role.LEADER)

    @property
    def is_read_only(self) -> bool:
        return self.role == Role.LEADER and not self.is_superuser


class Holiday(models.TextChoices):
    """The seven statutory holidays of the State Council's yearly 放假安排 (P1's working-day calendar)."""

    NEW_YEAR = "new_year", "元旦"
    SPRING_FESTIVAL = "spring_festival", "春节"
    QINGMING = "qingming", "清明节"
    LABOUR_DAY = "labour_day", "劳动节"
    DRAGON_BOAT = "dragon_boat", "端午节"
    MID_AUTUMN = "mid_autumn", "中秋节"
    NATIONAL_DAY = "national_day", "国庆节"


class CalendarOverride(models.Model):
    """An admin's word on one date; it wins over the chinesecalendar package (and fills years it lacks).

    `holiday` says which statutory holiday's arrangement a date belongs to: a year the package lacks can be
    confirmed only once each of the seven has its rest days entered (common.services.calendar_year_validate).
    """

    date = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("是否工作日", help_text="勾选表示上班（含调休上班）；不勾选表示放假")
    holiday = models.CharField(
        "所属节日",
        max_length=20,
        choices=Holiday.choices,
        blank=True,
        help_text="国务院放假安排中的放假日（及调休上班日）请选择所属节日；确认年度时据此检查七个法定节日是否都已录入",
    )
    note = models.CharField("说明", max_length=100, blank=True, help_text="如：2027年春节放假、国庆调休上班")
    history = HistoricalRecords(verbose_name="日历变更记录")

    class Meta:
        verbose_name = "工作日历调整"
        verbose_name_plural = "工作日历调整"
        ordering = ["date"]

    def __str__(self) -> str:
        holiday = f"（{self.get_holiday_display()}）" if self.holiday else ""
        return f"{self.date:%Y-%m-%d} {'上班' if self.is_working_day else '放假'}{holiday}"


class CalendarYear(models.Model):
    """The admin's confirmation that a year's holidays and 调休 days are entered in full (P1).

    For a year chinesecalendar lacks, CalendarOverride rows alone don't prove the year is complete (one
    New Year's Day entry says nothing about Spring Festival): the banner stays and undeclared dates fall
    back to Monday–Friday with a warning until the admin confirms the year here (common.workdays).
    """

    year = models.PositiveSmallIntegerField(
        "年度",
        unique=True,
        help_text="录入该年度国务院公布的全部放假和调休上班日期后再确认",
    )
    confirmed_by = models.ForeignKey(
        User, verbose_name="确认人", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField("确认时间", auto_now_add=True)
    note = models.CharField(
        "说明", max_length=200, blank=True, help_text="如：依据国务院办公厅放假安排通知录入"
    )
    history = HistoricalRecords(verbose_name="年度确认变更记录")

    class Meta:
        verbose_name = "节假日安排年度确认"
        verbose_name_plural = "节假日安排年度确认"
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2004, year__lte=2100),
                name="calendaryear_year_range",
                violation_error_message="年度应在2004年至2100年之间",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年节假日安排（已录入完整）"


class ActionLog(models.Model):
    """One entry of the action log (common.audit.log_action): who did what to which record, when, and why.

    Every app writes here through its services, inside the service's transaction, with a dotted action code
    (`project.pushed`, later `clue.dispatched`, `notice.issued`); each app registers the Chinese labels of its
    codes in its AppConfig.ready (common.audit.register_actions). django-simple-history keeps the field diffs;
    `history_id` links the entry to the diff its service wrote in the same transaction.
    """

    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name="对象类型", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField("对象编号", max_length=64)
    action = models.CharField("操作代码", max_length=100)
    actor = models.ForeignKey(
        "common.User",
        verbose_name="操作人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField("说明", blank=True)
    data = models.JSONField("数据", default=dict, blank=True)
    history_id = models.BigIntegerField("变更记录编号", null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "操作记录"
        verbose_name_plural = "操作记录"
        ordering = ["-created_at", "-id"]
        indexes = [
            # A record's timeline (common.audit.timeline): one index range scan, newest first.
            models.Index(fields=["content_type", "object_id", "-created_at"], name="actionlog_target"),
            models.Index(fields=["action", "-created_at"], name="actionlog_action"),
        ]

    def __str__(self) -> str:
        from common.audit import action_label

        return f"{action_label(self.action)}（{self.created_at:%Y-%m-%d %H:%M}）"


class PolicyKind(models.TextChoices):
    DAYS = "days", "自然日"
    WORKING_DAYS = "working_days", "工作日"
    MONTHS = "months", "月"
    RATIO = "ratio", "比例"
    AMOUNT = "amount", "金额（元）"
    WEEKDAY = "weekday", "星期（1=周一…7=周日）"


class PolicyParameter(models.Model):
    """A number of the policy (5 working days, 15 days, 1%…), edited by the admin, read via common.policy.

    The rows and their defaults are declared once in common.policy.PARAMETERS and created by migration;
    the admin changes `value` (and, for a day count, whether it counts calendar or working days) through
    common.policy.policy_parameter_update, which writes the action log.
    """

    code = models.CharField("参数代码", max_length=60, unique=True)
    name = models.CharField("参数名称", max_length=100)
    rule = models.CharField("政策依据", max_length=20, help_text="SPEC 规则编号，如 P1、C3")
    kind = models.CharField("计量方式", max_length=20, choices=PolicyKind.choices)
    value = models.DecimalField("取值", max_digits=14, decimal_places=4)
    default = models.DecimalField("默认值", max_digits=14, decimal_places=4)
    description = models.TextField("说明", blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    history = HistoricalRecords(verbose_name="政策参数变更记录")

    class Meta:
        verbose_name = "政策参数"
        verbose_name_plural = "政策参数"
        ordering = ["rule", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="policyparameter_value_nonnegative",
                violation_error_message="取值不能为负数",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.name}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class Job(models.Model):
    """A heavy request run in the background (common.jobs): a ledger export, a large import, later the batch
    PDF and the weekly review. The page polls it for progress, then offers the result file."""

    kind = models.CharField("任务类型", max_length=60)
    user = models.ForeignKey(
        "common.User", verbose_name="提交人", on_delete=models.CASCADE, related_name="jobs"
    )
    status = models.CharField("状态", max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    params = models.JSONField("参数", default=dict, blank=True)
    progress_done = models.PositiveIntegerField("已完成", default=0)
    progress_total = models.PositiveIntegerField("总数", default=0)
    message = models.TextField("说明", blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    # Paths relative to settings.JOB_FILES_ROOT (outside every URL: only the job's download view serves them).
    result_file = models.CharField("结果文件", max_length=300, blank=True)
    result_name = models.CharField("下载文件名", max_length=200, blank=True)
    upload_file = models.CharField("上传文件", max_length=300, blank=True)
    upload_name = models.CharField("上传文件名", max_length=200, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="job_user_created")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}（{self.get_status_display()}）"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("common:job", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


# ------------------------------------------------------------------------------------- issued documents
# common.documents: numbered, stored and verifiable PDFs (the 附件2 deposit notice first, later clue letters).


class DocumentSequence(models.Model):
    """The last number an issuing unit gave a kind of document in a year (中区人社农保通字〔2026〕第7号 → 7).

    Incremented only by common.documents.next_document_number, under this row's lock and inside the issuing
    transaction: a rolled-back issue gives its number back, two clerks issuing at once get consecutive ones."""

    unit = models.ForeignKey(Unit, verbose_name="签发单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("文书类型", max_length=60)
    year = models.PositiveSmallIntegerField("年度")
    last_number = models.PositiveIntegerField("已用到的序号", default=0)

    class Meta:
        verbose_name = "文书编号序列"
        verbose_name_plural = "文书编号序列"
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "year"], name="documentsequence_unit_kind_year"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.kind} {self.year}年：{self.last_number}"


class IssuedDocument(models.Model):
    """A document as issued: its number, who issued it to whom, its status, and the code of its verification
    page (/verify/<code>/). Its PDF lives in DocumentVersion rows: rendered once, kept byte for byte."""

    kind = models.CharField("文书类型", max_length=60)
    unit = models.ForeignKey(Unit, verbose_name="签发单位", on_delete=models.PROTECT, related_name="+")
    number = models.CharField("文号", max_length=100, unique=True)
    sequence_number = models.PositiveIntegerField("序号")
    year = models.PositiveSmallIntegerField("年度")
    addressee = models.CharField("受文单位", max_length=200)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name="对象类型", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField("对象编号")
    target = GenericForeignKey("content_type", "object_id")
    issued_at = models.DateTimeField("签发时间")
    issued_by = models.ForeignKey(
        "common.User",
        verbose_name="签发人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set by the owning app through common.documents.document_set_status; labels registered with the kind.
    status = models.CharField("状态", max_length=30, default="issued")
    verify_code = models.CharField("验证码", max_length=16, unique=True)
    current_version = models.PositiveSmallIntegerField("当前版本", default=1)

    class Meta:
        verbose_name = "签发文书"
        verbose_name_plural = "签发文书"
        ordering = ["-issued_at", "-id"]
        constraints = [
            # The backstop of next_document_number: one number per (kind, unit, year, n), whatever happens.
            models.UniqueConstraint(
                fields=["kind", "unit", "year", "sequence_number"], name="issueddocument_sequence_unique"
            ),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="issueddocument_target")]

    def __str__(self) -> str:
        return self.number


class DocumentVersion(models.Model):
    """One rendering of a document. Version 1 is rendered after the issuing transaction commits; a re-render
    (with its reason, in the action log) adds version n+1 and becomes current; old versions are kept.
    `file` is relative to settings.DOCUMENT_FILES_ROOT (outside every URL); empty until rendered."""

    document = models.ForeignKey(
        IssuedDocument, verbose_name="文书", on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveSmallIntegerField("版本")
    reason = models.CharField("生成原因", max_length=200)
    file = models.CharField("文件", max_length=300, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    size = models.PositiveIntegerField("字节数", default=0)
    rendered_at = models.DateTimeField("生成时间", null=True, blank=True)
    rendered_by = models.ForeignKey(
        "common.User",
        verbose_name="操作人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "文书版本"
        verbose_name_plural = "文书版本"
        ordering = ["document", "version"]
        constraints = [
            models.UniqueConstraint(fields=["document", "version"], name="documentversion_document_version"),
        ]

    def __str__(self) -> str:
        return f"{self.document} 第{self.version}版"

    @property
    def is_rendered(self) -> bool:
        return bool(self.sha256)


# ---------------------------------------------------------------------------------------- notifications
# common.notifications: one inbox row per event and recipient (the unique key is what makes a retried sweep or
# a second beat harmless), each delivered once per channel (e-mail, later SMS) by a task after commit.


class Notification(models.Model):
    """An entry in a user's in-app inbox (收件箱): a dispatch to their unit, a letter, an escalation, a review.

    `event` names the event the notification is about (e.g. "clues.letter:42"): with the recipient it is unique,
    so telling the same person twice about one event is refused by the database, not by a check in code."""

    recipient = models.ForeignKey(
        "common.User", verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField("事件", max_length=120)
    kind = models.CharField("类型", max_length=60)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient"], name="notification_once_per_event_recipient"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_created"),
            # The header's unread count on every page: a scan of this user's unread rows only.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title


class DeliveryStatus(models.TextChoices):
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    SKIPPED = "skipped", "无需发送"


class NotificationDelivery(models.Model):
    """One notification sent through one channel (e-mail, SMS…). Unique per (notification, channel): the
    delivery task claims a channel by inserting this row, so a retried task never sends twice."""

    notification = models.ForeignKey(
        Notification, verbose_name="通知", on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField("渠道", max_length=30)
    status = models.CharField(
        "状态", max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.SENDING
    )
    address = models.CharField("地址", max_length=200, blank=True)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知发送记录"
        verbose_name_plural = "通知发送记录"
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel} {self.status}"


# --------------------------------------------------------------------------------------- deadline sweeps


class SweepRun(models.Model):
    """One run of a registered deadline sweep (common.sweeps): when, what it created, how many due items it
    left waiting. The health page reads the newest run of each sweep, so a stopped scheduler shows."""

    name = models.CharField("巡检", max_length=60)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    as_of = models.DateTimeField("按时间点", help_text="--now 指定的时间点；平时与开始时间相同")
    ok = models.BooleanField("成功", default=False)
    counts = models.JSONField("本次生成", default=dict, blank=True)
    waiting = models.PositiveIntegerField("仍待处理", default=0)
    error = models.TextField("错误", blank=True)

    class Meta:
        verbose_name = "期限巡检记录"
        verbose_name_plural = "期限巡检记录"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["name", "-started_at"], name="sweeprun_name_started")]

    def __str__(self) -> str:
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M}"
