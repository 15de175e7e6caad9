"""The only code that writes projects and enterprises (P1–P6). Forms, the API and the Excel import all call here."""

import dataclasses
import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed

from common.models import Role, Unit, User
from common.validators import validate_phone, validate_uscc
from common.workdays import add_working_days, next_working_day_on_or_after, working_days_between
from projects.models import (
    PUSH_WORKING_DAYS,
    STREET_TRIGGERS,
    Enterprise,
    Project,
    TriggerType,
)

# Fields a push needs beyond those every project has (P3: the 附件1 columns).
PUSH_REQUIRED = {
    "unit_leader_name": "所属行业部门负责人",
    "unit_leader_phone": "所属行业部门联系方式",
    "owner_name": "建设单位名称",
    "owner_uscc": "建设单位统一社会信用代码",
    "owner_manager_name": "建设单位项目负责人",
    "owner_manager_phone": "建设单位联系方式",
    "contractor_name": "施工总承包单位名称",
    "contractor_uscc": "施工总承包单位统一社会信用代码",
    "contractor_manager_name": "项目经理",
    "contractor_manager_phone": "施工单位联系方式",
    "contract_total_wan": "合同总额",
    "contract_signed_on": "合同签订日期",
    "planned_start_on": "计划开工日期",
}
PHONE_FIELDS = ("unit_leader_phone", "owner_manager_phone", "contractor_manager_phone")


@dataclasses.dataclass
class ProjectData:
    """What a clerk enters for a project (附件1 + P3), from a form, the API or an Excel row."""

    name: str
    street: Unit
    category: str
    funding_type: str
    trigger_type: str
    trigger_date: dt.date
    bidder_unit: Unit
    unit_leader_name: str = ""
    unit_leader_phone: str = ""
    owner_name: str = ""
    owner_uscc: str = ""
    owner_manager_name: str = ""
    owner_manager_phone: str = ""
    contractor_name: str = ""
    contractor_uscc: str = ""
    contractor_manager_name: str = ""
    contractor_manager_phone: str = ""
    contract_total_wan: Decimal | None = None
    contract_signed_on: dt.date | None = None
    planned_start_on: dt.date | None = None
    remarks: str = ""

    @classmethod
    def from_project(cls, project: Project) -> "ProjectData":
        values = {f.name: getattr(project, f.name, "") for f in dataclasses.fields(cls)}
        for role in ("owner", "contractor"):
            enterprise = getattr(project, role)
            values[f"{role}_name"] = enterprise.name if enterprise else ""
            values[f"{role}_uscc"] = enterprise.uscc if enterprise else ""
        return cls(**values)


def project_missing_for_push(project: Project) -> list[str]:
    """The 附件1 columns (P3) a draft still lacks before it can be pushed, as labels for the clerk."""
    data = ProjectData.from_project(project)
    return [label for field, label in PUSH_REQUIRED.items() if getattr(data, field) in (None, "")]


def project_push_deadline(
    *, trigger_type: str, trigger_date: dt.date, planned_start_on: dt.date | None
) -> dt.date:
    """P1: the 5th working day after the trigger date. P2: a street's own project — by its planned start."""
    if trigger_type == TriggerType.STREET_SELF:
        if planned_start_on is None:
            raise ValidationError(
                {"planned_start_on": "街道自主实施项目须填写计划开工日期（P2：开工前推送）"}
            )
        return planned_start_on
    return add_working_days(trigger_date, PUSH_WORKING_DAYS)


# P1 names who receives which trigger: 发改委 approvals and filings, 经开区 settlements, 中晟集团 bids; every
# industry authority receives approval / funding / permit information; streets push their own (P2).
# Keyed by the unit's 简称 from fixtures/units.json.
_UNIT_TRIGGERS = {
    "发改": (TriggerType.GOV_APPROVAL, TriggerType.ENTERPRISE_FILING, TriggerType.INDUSTRY_INFO),
    "经开": (TriggerType.ZONE_SETTLED, TriggerType.INDUSTRY_INFO),
    "中晟": (TriggerType.ZHONGSHENG_BID, TriggerType.INDUSTRY_INFO),
}


def allowed_trigger_types(unit: Unit) -> tuple[str, ...]:
    """The push triggers (P1/P2) that apply to `unit`."""
    if unit.is_street:
        return STREET_TRIGGERS
    return _UNIT_TRIGGERS.get(unit.short_name, (TriggerType.INDUSTRY_INFO,))


def user_can_act_for_unit(user: User, unit: Unit) -> bool:
    """A clerk acts for their own unit only; HRSS (which keeps the ledger) and admins for any; leaders never."""
    if user.is_read_only:
        return False
    if user.sees_all_units:
        return True
    return user.unit_id == unit.pk


def user_may_postpone_deadlines(user: User | None) -> bool:
    """HRSS keeps the ledger: only its dispatchers and admins may correct a trigger so a deadline moves later."""
    return user is not None and (user.is_admin_role or user.role == Role.DISPATCHER)


def project_validate(
    *, unit: Unit, data: ProjectData, push: bool, instance: Project | None = None, actor: User | None = None
) -> None:
    """Every rule a project must meet, raised together as {field: [中文消息]} so each shows at its field."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    today = timezone.localdate()
    # P1/P2: only the units the policy binds push projects; HRSS receives them.
    if not (unit.pushes_projects and unit.is_active):
        add(
            "unit",
            f"{unit.name}不在须向人社局推送项目的单位之列（行业主管部门、街道办事处、经开区管委会、中晟集团）",
        )
    if not (data.name or "").strip():
        add("name", "请填写项目名称")
    if data.street is not None and not data.street.is_street:
        add("street", "所在街道必须是中站区的街道办事处")
    allowed = allowed_trigger_types(unit)
    if data.trigger_type and data.trigger_type not in allowed:
        names = "、".join(f"“{TriggerType(t).label}”" for t in allowed)
        add("trigger_type", f"{unit.name}的推送依据应为{names}")
    if data.trigger_type == TriggerType.STREET_SELF and data.street is not None and data.street != unit:
        add("street", "街道自主实施项目的所在街道应为本街道")
    if data.trigger_date and data.trigger_date > today:
        add("trigger_date", "依据发生日期不能晚于今天")
    if (
        instance is not None
        and instance.is_pushed
        and (data.trigger_type, data.trigger_date) != (instance.trigger_type, instance.trigger_date)
    ):
        add("trigger_date", "项目已推送，推送依据及其日期决定是否逾期，不能再修改")

    if push:
        for field, label in PUSH_REQUIRED.items():
            value = getattr(data, field)
            if value is None or (isinstance(value, str) and not value.strip()):
                add(field, f"推送前请填写{label}")
    if data.trigger_type == TriggerType.STREET_SELF and data.planned_start_on is None:
        add("planned_start_on", "街道自主实施项目须填写计划开工日期（P2：开工前推送）")

    for role in ("owner", "contractor"):
        uscc = getattr(data, f"{role}_uscc")
        name = (getattr(data, f"{role}_name") or "").strip()
        if uscc:
            try:
                setattr(data, f"{role}_uscc", validate_uscc(uscc))
            except ValidationError as e:
                add(f"{role}_uscc", e.messages[0])
            else:
                # P3: one record per 统一社会信用代码 — a different name would be silently dropped, so say so.
                registered = (
                    Enterprise.objects.filter(uscc=getattr(data, f"{role}_uscc"))
                    .values_list("name", flat=True)
                    .first()
                )
                if registered and name and registered != name:
                    add(
                        f"{role}_name",
                        f"该信用代码已登记为“{registered}”，企业名称以登记为准；如企业已更名，请联系区人社局更正",
                    )
        elif name and not push:
            add(f"{role}_uscc", "填写企业名称时请同时填写统一社会信用代码")
    if data.owner_uscc and data.owner_uscc == data.contractor_uscc and "owner_uscc" not in errors:
        add("contractor_uscc", "施工总承包单位不能与建设单位为同一企业")
    for field in PHONE_FIELDS:
        value = getattr(data, field)
        if value:
            try:
                setattr(data, field, validate_phone(value))
            except ValidationError as e:
                add(field, e.messages[0])

    if data.contract_total_wan is not None:
        amount = Decimal(data.contract_total_wan)
        if amount <= 0:
            add("contract_total_wan", "合同总额必须大于0")
        elif amount.as_tuple().exponent < -2:
            add("contract_total_wan", "合同总额最多保留两位小数（单位：万元）")
        elif amount >= Decimal("1e12"):
            add("contract_total_wan", "合同总额过大，请确认单位为万元")
    if data.contract_signed_on and data.contract_signed_on > today:
        add("contract_signed_on", "合同签订日期不能晚于今天")
    if data.contract_signed_on and data.planned_start_on and data.planned_start_on < data.contract_signed_on:
        add("planned_start_on", "计划开工日期不能早于合同签订日期")
    if (
        data.trigger_type == TriggerType.STREET_SELF
        and data.planned_start_on
        and data.trigger_date
        and data.planned_start_on < data.trigger_date
    ):
        add("planned_start_on", "计划开工日期不能早于依据发生日期（立项日期）")

    # P6: a clerk's correction may bring the deadline forward, never push it back (that would erase lateness).
    if (
        instance is not None
        and not instance.is_pushed
        and not user_may_postpone_deadlines(actor)
        and data.trigger_date
        and not {"trigger_type", "trigger_date", "planned_start_on"} & errors.keys()
    ):
        try:
            new_deadline = project_push_deadline(
                trigger_type=data.trigger_type,
                trigger_date=data.trigger_date,
                planned_start_on=data.planned_start_on,
            )
        except ValidationError:
            new_deadline = None
        if new_deadline and new_deadline > instance.push_deadline:
            field = "planned_start_on" if data.trigger_type == TriggerType.STREET_SELF else "trigger_date"
            add(
                field,
                f"修改后推送截止日期将从{instance.push_deadline:%Y-%m-%d}推后到{new_deadline:%Y-%m-%d}："
                "截止日期只能提前不能推后，如确属填报错误，请联系区人社局更正",
            )

    duplicates = Project.objects.filter(unit=unit, name=(data.name or "").strip())
    if instance is not None:
        duplicates = duplicates.exclude(pk=instance.pk)
    if data.name and duplicates.exists():
        add("name", "本单位已登记同名项目，请勿重复推送")

    if errors:
        raise ValidationError(errors)


def enterprise_get_or_create(*, uscc: str, name: str) -> Enterprise:
    """P3: one enterprise per 统一社会信用代码; a known code re-uses the record (its registered name stays)."""
    uscc = validate_uscc(uscc)
    enterprise, _ = Enterprise.objects.get_or_create(uscc=uscc, defaults={"name": name.strip()})
    return enterprise


def _apply(project: Project, data: ProjectData) -> None:
    for field in dataclasses.fields(ProjectData):
        if field.name in {"owner_name", "owner_uscc", "contractor_name", "contractor_uscc"}:
            continue
        value = getattr(data, field.name)
        setattr(project, field.name, value.strip() if isinstance(value, str) else value)
    for role in ("owner", "contractor"):
        uscc = getattr(data, f"{role}_uscc")
        name = getattr(data, f"{role}_name")
        setattr(project, role, enterprise_get_or_create(uscc=uscc, name=name) if uscc and name else None)
    if not project.is_pushed:
        project.push_deadline = project_push_deadline(
            trigger_type=data.trigger_type,
            trigger_date=data.trigger_date,
            planned_start_on=data.planned_start_on,
        )


def _save(project: Project, reason: str, user: User) -> Project:
    # simple-history keeps the action code and the actor, also outside a request (API, import, commands).
    project._change_reason = reason
    project._history_user = user
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError as e:
        # The unique constraint behind project_validate's duplicate check, hit by a concurrent save.
        if "project_unique_name_per_unit" in str(
            e
        ) or "projects_project.unit_id, projects_project.name" in str(e):
            raise ValidationError({"name": "本单位已登记同名项目，请勿重复推送"}) from e
        raise
    return project


def _check_actor(user: User, unit: Unit) -> None:
    if not user_can_act_for_unit(user, unit):
        raise PermissionDenied("您只能为本单位登记和推送项目")


@transaction.atomic
def project_create(*, user: User, unit: Unit, data: ProjectData, push: bool) -> Project:
    """Register a project for `unit`; with push=True it is pushed to HRSS at once (P1/P2)."""
    _check_actor(user, unit)
    project_validate(unit=unit, data=data, push=push)
    project = Project(unit=unit, created_by=user)
    _apply(project, data)
    _save(project, "project.created", user)
    if push:
        _mark_pushed(project, user=user, at=timezone.now())
    return project


@transaction.atomic
def project_update(*, user: User, project: Project, data: ProjectData, push: bool = False) -> Project:
    """Correct a project. A pushed project keeps its trigger, deadline and lateness (they decide P6)."""
    _check_actor(user, project.unit)
    project = Project.objects.select_for_update().get(pk=project.pk)
    project_validate(
        unit=project.unit, data=data, push=push or project.is_pushed, instance=project, actor=user
    )
    _apply(project, data)
    _save(project, "project.updated", user)
    if push and not project.is_pushed:
        _mark_pushed(project, user=user, at=timezone.now())
    return project


@transaction.atomic
def project_push(*, user: User, project: Project, at: dt.datetime | None = None) -> Project:
    """P1/P2/P6: push a registered project to HRSS (the detail page's button, the API's push action)."""
    _check_actor(user, project.unit)
    # Lock only the project row: PostgreSQL refuses FOR UPDATE on the nullable side of the enterprise joins.
    project = (
        Project.objects.select_for_update(of=("self",))
        .select_related("unit", "street", "bidder_unit", "owner", "contractor")
        .get(pk=project.pk)
    )
    if not can_proceed(project.mark_pushed):
        raise ValidationError({"__all__": "该项目已推送，不能重复推送"})
    project_validate(unit=project.unit, data=ProjectData.from_project(project), push=True, instance=project)
    return _mark_pushed(project, user=user, at=at or timezone.now())


def _mark_pushed(project: Project, *, user: User, at: dt.datetime) -> Project:
    """The push itself, on a validated and locked project: a push after the stored deadline is late (P6),
    counted in working days; one on a rest day after the deadline counts from the next working day
    (HRSS receives it then)."""
    pushed_on = timezone.localdate(at)
    project.mark_pushed()
    project.pushed_at = at
    project.pushed_by = user
    project.is_late = pushed_on > project.push_deadline
    project.late_working_days = (
        working_days_between(project.push_deadline, next_working_day_on_or_after(pushed_on))
        if project.is_late
        else 0
    )
    # P4 (issue the 附件2 deposit notice through deposits.services) arrives with the deposits issue.
    return _save(project, "project.pushed", user)


# P1: 5 working days never span more than about three weeks (Spring Festival plus weekends); 60 days back
# from a changed date reaches every trigger whose deadline could count across it, with room to spare.
DEADLINE_RECOMPUTE_LOOKBACK = dt.timedelta(days=60)


@transaction.atomic
def project_recompute_deadlines(*, changed_dates: list[dt.date], user: User | None = None) -> int:
    """P1: the admin changed the working-day calendar (common.services → common.signals.calendar_changed):
    unpushed projects whose 5 working days may count across a changed date get their stored deadline
    recomputed. Returns how many deadlines moved.

    Pushed projects keep theirs: whether they were late (P6) was judged when they were pushed, against the
    calendar then in force, and a ledger entry doesn't change behind the unit's back. A street's own
    project (P2) is due by its planned start, which no calendar moves.
    """
    from django.db.models import Q

    from projects.models import ProjectStatus

    # Merge the windows [d − lookback, d] of nearby dates, so a whole year of dates is one range.
    windows: list[list[dt.date]] = []
    for day in sorted(set(changed_dates)):
        start = day - DEADLINE_RECOMPUTE_LOOKBACK
        if windows and start <= windows[-1][1] + dt.timedelta(days=1):
            windows[-1][1] = day
        else:
            windows.append([start, day])
    if not windows:
        return 0
    in_windows = Q()
    for start, end in windows:
        in_windows |= Q(trigger_date__range=(start, end))
    # Lock the rows so a push racing this change either comes first (and keeps its deadline) or waits.
    candidates = (
        Project.objects.select_for_update(of=("self",))
        .filter(in_windows, status=ProjectStatus.DRAFT)
        .exclude(trigger_type=TriggerType.STREET_SELF)
        .order_by("pk")
    )
    moved = 0
    for project in candidates:
        deadline = project_push_deadline(
            trigger_type=project.trigger_type,
            trigger_date=project.trigger_date,
            planned_start_on=project.planned_start_on,
        )
        if deadline == project.push_deadline:
            continue
        project.push_deadline = deadline
        project._change_reason = "project.deadline_recomputed"
        project._history_user = user
        project.save(update_fields=["push_deadline", "updated_at"])
        moved += 1
    return moved
