"""Units (单位), users with their role, and the working-day calendar overrides."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
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


class CalendarOverride(models.Model):
    """An admin's word on one date; it wins over the chinesecalendar package (and fills years it lacks)."""

    date = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("是否工作日", help_text="勾选表示上班（含调休上班）；不勾选表示放假")
    note = models.CharField("说明", max_length=100, blank=True, help_text="如：2027年春节放假、国庆调休上班")
    history = HistoricalRecords(verbose_name="日历变更记录")

    class Meta:
        verbose_name = "工作日历调整"
        verbose_name_plural = "工作日历调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {'上班' if self.is_working_day else '放假'}"


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
