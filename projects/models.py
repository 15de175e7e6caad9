"""Construction projects pushed to HRSS (P1–P6) and the enterprises they name (附件1)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from common.models import Unit


class Enterprise(models.Model):
    """One record per 统一社会信用代码 (P3): re-used by every project that names the enterprise."""

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("企业名称", max_length=200)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(verbose_name="企业变更记录")

    class Meta:
        verbose_name = "企业"
        verbose_name_plural = "企业"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(uscc__regex=r"^[0-9A-Z]{18}$"),
                name="enterprise_uscc_format",
                violation_error_message="统一社会信用代码应为18位数字或大写字母",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:enterprise", args=[self.pk])


class Category(models.TextChoices):
    HOUSING = "housing", "房屋建筑"
    MUNICIPAL = "municipal", "市政"
    TRANSPORT = "transport", "交通运输"
    WATER = "water", "水利"
    INFRASTRUCTURE = "infrastructure", "基础设施"
    PIPELINE = "pipeline", "线路管道"
    EQUIPMENT = "equipment", "设备安装"
    DECORATION = "decoration", "装饰装修"
    LANDSCAPING = "landscaping", "园林绿化"
    OTHER = "other", "其他"


class FundingType(models.TextChoices):
    GOVERNMENT = "government", "政府投资"
    ENTERPRISE = "enterprise", "企业投资"
    SPECIAL_BOND = "special_bond", "专项债"
    ULTRA_LONG_BOND = "ultra_long_bond", "超长期国债"
    CENTRAL_BUDGET = "central_budget", "中央预算内投资"
    OTHER = "other", "其他"


class TriggerType(models.TextChoices):
    """What starts the push clock (P1) — or, for a street's own project, the planned start (P2)."""

    GOV_APPROVAL = "gov_approval", "政府投资项目审批（发改委收到审批要件）"
    ENTERPRISE_FILING = "enterprise_filing", "企业投资项目备案（发改委收到备案申请）"
    INDUSTRY_INFO = "industry_info", "行业主管部门收到审批、资金落实、施工许可信息"
    ZONE_SETTLED = "zone_settled", "经开区招商引进企业项目落户"
    ZHONGSHENG_BID = "zhongsheng_bid", "中晟集团投资项目招投标结束"
    STREET_SELF = "street_self", "街道自主实施项目（开工前推送）"
    STREET_ENTERPRISE = "street_enterprise", "辖区内企业施工项目（街道掌握）"


STREET_TRIGGERS = (TriggerType.STREET_SELF, TriggerType.STREET_ENTERPRISE)


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", "待推送"
    PUSHED = "pushed", "已推送"


class Timeliness(models.TextChoices):
    """P6 timeliness of a push, as the ledger, the export and the API filter it (projects.selectors)."""

    ON_TIME = "on_time", "按时推送"
    LATE = "late", "逾期推送"
    OVERDUE = "overdue", "逾期未推送"
    PENDING = "pending", "期限内待推送"


class Project(ConcurrentTransitionMixin, models.Model):
    """A project a unit must push to HRSS. Its push deadline is computed once and stored (P1/P2).

    ConcurrentTransitionMixin (django-fsm-2): a save whose status was changed in the database since this
    instance was read fails (ConcurrentTransition) instead of writing a stale status back — also with
    update_fields, since the UPDATE is filtered on the status read. The services lock the row first, so
    this is the backstop; its FSMModelMixin lets refresh_from_db reload the protected status.
    """

    # 所属行业部门 (附件1): the unit that owns and pushes the project.
    unit = models.ForeignKey(
        Unit, verbose_name="所属行业部门", on_delete=models.PROTECT, related_name="projects"
    )
    unit_leader_name = models.CharField("部门负责人", max_length=50, blank=True)
    unit_leader_phone = models.CharField("部门联系方式", max_length=30, blank=True)

    name = models.CharField("项目名称", max_length=200)
    street = models.ForeignKey(
        Unit,
        verbose_name="所在街道",
        on_delete=models.PROTECT,
        related_name="street_projects",
        limit_choices_to={"unit_type": "street"},
    )
    category = models.CharField("项目类别", max_length=20, choices=Category.choices)
    funding_type = models.CharField("资金类型", max_length=20, choices=FundingType.choices)
    trigger_type = models.CharField("推送依据", max_length=30, choices=TriggerType.choices)
    trigger_date = models.DateField(
        "依据发生日期", help_text="收到审批、备案、资金落实或施工许可等信息的日期"
    )
    bidder_unit = models.ForeignKey(
        Unit, verbose_name="招投标单位", on_delete=models.PROTECT, related_name="bid_projects"
    )

    owner = models.ForeignKey(
        Enterprise,
        verbose_name="建设单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_projects",
    )
    owner_manager_name = models.CharField("建设单位项目负责人", max_length=50, blank=True)
    owner_manager_phone = models.CharField("建设单位联系方式", max_length=30, blank=True)
    contractor = models.ForeignKey(
        Enterprise,
        verbose_name="施工总承包单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracted_projects",
    )
    contractor_manager_name = models.CharField("项目经理", max_length=50, blank=True)
    contractor_manager_phone = models.CharField("施工单位联系方式", max_length=30, blank=True)

    contract_total_wan = models.DecimalField(
        "合同总额（万元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    contract_signed_on = models.DateField("合同签订日期", null=True, blank=True)
    planned_start_on = models.DateField("计划开工日期", null=True, blank=True)
    remarks = models.TextField("备注", blank=True)

    status = FSMField("推送状态", default=ProjectStatus.DRAFT, choices=ProjectStatus.choices, protected=True)
    push_deadline = models.DateField(
        "推送截止日期",
        help_text="P1：依据发生日期后的推送期限（工作日数见政策参数“项目推送期限”）；P2：计划开工日期",
    )
    pushed_at = models.DateTimeField("推送时间", null=True, blank=True)
    pushed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="推送人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_late = models.BooleanField("逾期推送", default=False)
    late_working_days = models.PositiveIntegerField("逾期工作日数", default=0)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(verbose_name="项目变更记录", excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目推送台账"
        ordering = ["-created_at", "-id"]
        indexes = [
            # P6 overdue-unpushed and the clerk's 待办: status='draft' ordered by deadline.
            models.Index(fields=["status", "push_deadline"], name="project_status_deadline"),
            models.Index(fields=["unit", "status"], name="project_unit_status"),
            models.Index(fields=["pushed_at"], name="project_pushed_at"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="project_unique_name_per_unit"),
            models.CheckConstraint(
                condition=Q(contract_total_wan__isnull=True) | Q(contract_total_wan__gt=Decimal("0")),
                name="project_contract_total_positive",
                violation_error_message="合同总额必须大于0",
            ),
            # A pushed project carries every 附件1 column and its push facts.
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(
                    pushed_at__isnull=False,
                    owner__isnull=False,
                    contractor__isnull=False,
                    contract_total_wan__isnull=False,
                    contract_signed_on__isnull=False,
                    planned_start_on__isnull=False,
                ),
                name="project_pushed_is_complete",
                violation_error_message="已推送的项目须填写完整的附件1信息",
            ),
            models.CheckConstraint(
                condition=Q(is_late=False, late_working_days=0) | Q(is_late=True),
                name="project_late_days_only_when_late",
                violation_error_message="只有逾期推送的项目才有逾期工作日数",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.pk])

    @transition(field=status, source=ProjectStatus.DRAFT, target=ProjectStatus.PUSHED)
    def mark_pushed(self):
        """P1: the push itself; projects.services.project_push sets the push facts."""

    @property
    def is_pushed(self) -> bool:
        return self.status == ProjectStatus.PUSHED
