"""The only code that writes projects and enterprises (P1–P6). Forms, the API and the Excel import all call here."""

import dataclasses
import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed

from common.access import can_act_for_unit, is_read_only, may_postpone_deadlines
from common.audit import log_action
from common.formats import format_date
from common.models import Unit, User
from common.policy import policy_value
from common.validators import validate_phone, validate_uscc
from common.workdays import add_working_days, working_days_late

# P3: what a clerk enters (ProjectData), what a push needs and the phone fields are derived from the 附件1
# column spec, defined once (projects.columns); ledger_import is the P5 parser (it writes nothing).
from projects import ledger_import
from projects.columns import PHONE_FIELDS, PUSH_REQUIRED, ProjectData
from projects.models import (
    STREET_TRIGGERS,
    Enterprise,
    Project,
    TriggerType,
)
from projects.signals import project_pushed


def project_missing_for_push(project: Project) -> list[str]:
    """The 附件1 columns (P3) a draft still lacks before it can be pushed, as labels for the clerk."""
    data = ProjectData.from_project(project)
    return [label for field, label in PUSH_REQUIRED.items() if getattr(data, field) in (None, "")]


def project_push_deadline(
    *, trigger_type: str, trigger_date: dt.date, planned_start_on: dt.date | None
) -> dt.date:
    """P1: the N-th working day after the trigger date, N the policy parameter P1.push_working_days (5).
    P2: a street's own project — by its planned start."""
    if trigger_type == TriggerType.STREET_SELF:
        if planned_start_on is None:
            raise ValidationError(
                {"planned_start_on": "街道自主实施项目须填写计划开工日期（P2：开工前推送）"}
            )
        return planned_start_on
    return add_working_days(trigger_date, policy_value("P1.push_working_days"))


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


DUPLICATE_NAME_MESSAGE = "本单位已登记同名项目，请勿重复推送"


@dataclasses.dataclass
class _Subject:
    """What the rule checks look at, and the errors found so far (a later check may skip a field that is
    already wrong)."""

    unit: Unit
    data: ProjectData
    push: bool
    instance: Project | None
    actor: User | None
    today: dt.date
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)


def _check_p1_unit_pushes(s: _Subject) -> None:
    """P1/P2: only the units the policy binds push projects; HRSS receives them."""
    if not (s.unit.pushes_projects and s.unit.is_active):
        s.add(
            "unit",
            f"{s.unit.name}不在须向人社局推送项目的单位之列（行业主管部门、街道办事处、经开区管委会、中晟集团）",
        )


def _check_p3_name_given(s: _Subject) -> None:
    """P3: the project name is a 附件1 column every record has."""
    if not (s.data.name or "").strip():
        s.add("name", "请填写项目名称")


def _check_p3_street_is_a_street(s: _Subject) -> None:
    """P3: the location is one of 中站区's street offices."""
    if s.data.street is not None and not s.data.street.is_street:
        s.add("street", "所在街道必须是中站区的街道办事处")


def _check_p1_trigger_for_unit(s: _Subject) -> None:
    """P1/P2: each unit pushes on the triggers the policy names for it (allowed_trigger_types)."""
    allowed = allowed_trigger_types(s.unit)
    if s.data.trigger_type and s.data.trigger_type not in allowed:
        names = "、".join(f"“{TriggerType(t).label}”" for t in allowed)
        s.add("trigger_type", f"{s.unit.name}的推送依据应为{names}")


def _check_p2_street_self_in_own_street(s: _Subject) -> None:
    """P2: a street's self-implemented project lies in that street."""
    data = s.data
    if data.trigger_type == TriggerType.STREET_SELF and data.street is not None and data.street != s.unit:
        s.add("street", "街道自主实施项目的所在街道应为本街道")


def _check_p1_trigger_date_not_in_future(s: _Subject) -> None:
    """P1: the clock starts when the trigger happened, which can't be tomorrow."""
    if s.data.trigger_date and s.data.trigger_date > s.today:
        s.add("trigger_date", "依据发生日期不能晚于今天")


def _check_p6_pushed_trigger_fixed(s: _Subject) -> None:
    """P6: a pushed project's trigger and its date decided whether the push was late: they stay."""
    instance, data = s.instance, s.data
    if (
        instance is not None
        and instance.is_pushed
        and (data.trigger_type, data.trigger_date) != (instance.trigger_type, instance.trigger_date)
    ):
        s.add("trigger_date", "项目已推送，推送依据及其日期决定是否逾期，不能再修改")


def _check_p3_required_to_push(s: _Subject) -> None:
    """P3: a push carries every 附件1 column."""
    if not s.push:
        return
    for field, label in PUSH_REQUIRED.items():
        value = getattr(s.data, field)
        if value is None or (isinstance(value, str) and not value.strip()):
            s.add(field, f"推送前请填写{label}")


def _check_p2_street_self_has_planned_start(s: _Subject) -> None:
    """P2: a street's own project is due before construction starts, so its planned start is needed."""
    if s.data.trigger_type == TriggerType.STREET_SELF and s.data.planned_start_on is None:
        s.add("planned_start_on", "街道自主实施项目须填写计划开工日期（P2：开工前推送）")


def _check_p3_enterprise_uscc(s: _Subject) -> None:
    """P3: enterprises are identified by a valid 统一社会信用代码 (normalised in `data`); a named enterprise
    without one can't be matched to its record."""
    for role in ("owner", "contractor"):
        uscc = getattr(s.data, f"{role}_uscc")
        name = (getattr(s.data, f"{role}_name") or "").strip()
        if uscc:
            try:
                setattr(s.data, f"{role}_uscc", validate_uscc(uscc))
            except ValidationError as e:
                s.add(f"{role}_uscc", e.messages[0])
        elif name and not s.push:
            s.add(f"{role}_uscc", "填写企业名称时请同时填写统一社会信用代码")


def _check_p3_enterprise_name_matches_uscc(s: _Subject) -> None:
    """P3: one record per 统一社会信用代码 — a different name would be silently dropped, so say so."""
    for role in ("owner", "contractor"):
        uscc = getattr(s.data, f"{role}_uscc")
        name = (getattr(s.data, f"{role}_name") or "").strip()
        if not uscc or not name or f"{role}_uscc" in s.errors:
            continue
        registered = Enterprise.objects.filter(uscc=uscc).values_list("name", flat=True).first()
        if registered and registered != name:
            s.add(
                f"{role}_name",
                f"该信用代码已登记为“{registered}”，企业名称以登记为准；如企业已更名，请联系区人社局更正",
            )


def _check_p3_owner_is_not_contractor(s: _Subject) -> None:
    """P3: the 建设单位 and the 施工总承包单位 are two parties of the contract."""
    if s.data.owner_uscc and s.data.owner_uscc == s.data.contractor_uscc and "owner_uscc" not in s.errors:
        s.add("contractor_uscc", "施工总承包单位不能与建设单位为同一企业")


def _check_p3_phones(s: _Subject) -> None:
    """P3: the contacts' 联系方式 are phone numbers (normalised in `data`)."""
    for field in PHONE_FIELDS:
        value = getattr(s.data, field)
        if value:
            try:
                setattr(s.data, field, validate_phone(value))
            except ValidationError as e:
                s.add(field, e.messages[0])


def _check_p3_contract_total(s: _Subject) -> None:
    """P3: 合同总额 in 万元, positive, to the cent."""
    if s.data.contract_total_wan is None:
        return
    amount = Decimal(s.data.contract_total_wan)
    if amount <= 0:
        s.add("contract_total_wan", "合同总额必须大于0")
    elif amount.as_tuple().exponent < -2:
        s.add("contract_total_wan", "合同总额最多保留两位小数（单位：万元）")
    elif amount >= Decimal("1e12"):
        s.add("contract_total_wan", "合同总额过大，请确认单位为万元")


def _check_p3_dates_in_order(s: _Subject) -> None:
    """P3 (P2 for a street's own project): the contract is signed by today, the start follows the signing
    and, for a street's own project, its approval."""
    data = s.data
    if data.contract_signed_on and data.contract_signed_on > s.today:
        s.add("contract_signed_on", "合同签订日期不能晚于今天")
    if data.contract_signed_on and data.planned_start_on and data.planned_start_on < data.contract_signed_on:
        s.add("planned_start_on", "计划开工日期不能早于合同签订日期")
    if (
        data.trigger_type == TriggerType.STREET_SELF
        and data.planned_start_on
        and data.trigger_date
        and data.planned_start_on < data.trigger_date
    ):
        s.add("planned_start_on", "计划开工日期不能早于依据发生日期（立项日期）")


def _check_p6_deadline_not_postponed(s: _Subject) -> None:
    """P6: a clerk's correction may bring the deadline forward, never push it back (that would erase
    lateness); HRSS dispatchers and admins may (common.access.may_postpone_deadlines)."""
    instance, data = s.instance, s.data
    if (
        instance is None
        or instance.is_pushed
        or may_postpone_deadlines(s.actor)
        or not data.trigger_date
        or {"trigger_type", "trigger_date", "planned_start_on"} & s.errors.keys()
    ):
        return
    try:
        new_deadline = project_push_deadline(
            trigger_type=data.trigger_type,
            trigger_date=data.trigger_date,
            planned_start_on=data.planned_start_on,
        )
    except ValidationError:
        return
    if new_deadline > instance.push_deadline:
        field = "planned_start_on" if data.trigger_type == TriggerType.STREET_SELF else "trigger_date"
        s.add(
            field,
            f"修改后推送截止日期将从{format_date(instance.push_deadline)}推后到{format_date(new_deadline)}："
            "截止日期只能提前不能推后，如确属填报错误，请联系区人社局更正",
        )


def _check_p1_registered_once(s: _Subject) -> None:
    """P1/P5: a unit registers (and pushes) each project once; its name tells them apart. The unique
    constraint project_unique_name_per_unit backs this against a concurrent save (see _save)."""
    name = (s.data.name or "").strip()
    duplicates = Project.objects.filter(unit=s.unit, name=name)
    if s.instance is not None:
        duplicates = duplicates.exclude(pk=s.instance.pk)
    if name and duplicates.exists():
        s.add("name", DUPLICATE_NAME_MESSAGE)


# In this order: a check may look at the errors of those before it (and at the values they normalised).
RULE_CHECKS = (
    _check_p1_unit_pushes,
    _check_p3_name_given,
    _check_p3_street_is_a_street,
    _check_p1_trigger_for_unit,
    _check_p2_street_self_in_own_street,
    _check_p1_trigger_date_not_in_future,
    _check_p6_pushed_trigger_fixed,
    _check_p3_required_to_push,
    _check_p2_street_self_has_planned_start,
    _check_p3_enterprise_uscc,
    _check_p3_enterprise_name_matches_uscc,
    _check_p3_owner_is_not_contractor,
    _check_p3_phones,
    _check_p3_contract_total,
    _check_p3_dates_in_order,
    _check_p6_deadline_not_postponed,
    _check_p1_registered_once,
)


def project_validate(
    *, unit: Unit, data: ProjectData, push: bool, instance: Project | None = None, actor: User | None = None
) -> None:
    """Every rule a project must meet (RULE_CHECKS, each named after its SPEC rule), raised together as
    {field: [中文消息]} so each shows at its field. USCCs and phones come back normalised in `data`."""
    subject = _Subject(
        unit=unit, data=data, push=push, instance=instance, actor=actor, today=timezone.localdate()
    )
    for check in RULE_CHECKS:
        check(subject)
    if subject.errors:
        raise ValidationError(subject.errors)


def enterprise_get_or_create(*, uscc: str, name: str, user: User | None = None) -> Enterprise:
    """P3: one enterprise per 统一社会信用代码; a known code re-uses the record (its registered name stays)."""
    uscc = validate_uscc(uscc)
    enterprise, created = Enterprise.objects.get_or_create(uscc=uscc, defaults={"name": name.strip()})
    if created:
        log_action(enterprise, action="enterprise.registered", actor=user)
    return enterprise


def _apply(project: Project, data: ProjectData, user: User) -> None:
    for field in dataclasses.fields(ProjectData):
        if field.name in {"owner_name", "owner_uscc", "contractor_name", "contractor_uscc"}:
            continue
        value = getattr(data, field.name)
        setattr(project, field.name, value.strip() if isinstance(value, str) else value)
    for role in ("owner", "contractor"):
        uscc = getattr(data, f"{role}_uscc")
        name = getattr(data, f"{role}_name")
        enterprise = enterprise_get_or_create(uscc=uscc, name=name, user=user) if uscc and name else None
        setattr(project, role, enterprise)
    if not project.is_pushed:
        project.push_deadline = project_push_deadline(
            trigger_type=data.trigger_type,
            trigger_date=data.trigger_date,
            planned_start_on=data.planned_start_on,
        )


def _save(project: Project) -> Project:
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError as e:
        # The unique constraint behind _check_p1_registered_once, hit by a concurrent save that passed the
        # check first. Ask the data, not the error's text (it differs between databases and versions): the
        # savepoint is rolled back, so the outer transaction can still look.
        if _name_taken(project):
            raise ValidationError({"name": DUPLICATE_NAME_MESSAGE}) from e
        raise
    return project


def _name_taken(project: Project) -> bool:
    others = Project.objects.filter(unit_id=project.unit_id, name=project.name)
    return (others.exclude(pk=project.pk) if project.pk else others).exists()


def _check_actor(user: User, unit: Unit) -> None:
    if not can_act_for_unit(user, unit):
        raise PermissionDenied("您只能为本单位登记和推送项目")


@transaction.atomic
def project_create(
    *, user: User, unit: Unit, data: ProjectData, push: bool, action: str = "project.created"
) -> Project:
    """Register a project for `unit`; with push=True it is pushed to HRSS at once (P1/P2).

    `action` names the registration in the action log: the ledger import passes "project.imported"."""
    _check_actor(user, unit)
    project_validate(unit=unit, data=data, push=push)
    project = Project(unit=unit, created_by=user)
    _apply(project, data, user)
    _save(project)
    log_action(project, action=action, actor=user)
    if push:
        _mark_pushed(project, user=user, at=timezone.now())
    return project


@transaction.atomic
def project_update(*, user: User, project: Project, data: ProjectData, push: bool = False) -> Project:
    """Correct a project. A pushed project keeps its trigger, deadline and lateness (they decide P6)."""
    _check_actor(user, project.unit)
    # The row lock makes a concurrent push or edit wait: this one then validates against what the other
    # committed (a push in between makes the record pushed, so P3 completeness and P6 fixity apply).
    project = Project.objects.select_for_update().get(pk=project.pk)
    project_validate(
        unit=project.unit, data=data, push=push or project.is_pushed, instance=project, actor=user
    )
    _apply(project, data, user)
    _save(project)
    log_action(project, action="project.updated", actor=user)
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
    counted in working days (common.workdays.working_days_late: one on a rest day after the deadline counts
    from the next working day, when HRSS receives it)."""
    project.mark_pushed()
    project.pushed_at = at
    project.pushed_by = user
    project.late_working_days = working_days_late(project.push_deadline, timezone.localdate(at))
    project.is_late = project.late_working_days > 0
    _save(project)
    log_action(project, action="project.pushed", actor=user)
    # P4: the 附件2 deposit notice, issued in this transaction by deposits.services.notice_issue (connected
    # in deposits/apps.py: deposits sits above projects, so projects cannot import it). send, not
    # send_robust: a failed issue rolls the push back.
    project_pushed.send(sender=Project, project=project, user=user)
    return project


def _recompute_lookback() -> dt.timedelta:
    """How far before a changed date a trigger may lie and still count its P1 working days across it: n
    working days span at most about 2n calendar days plus the longest holiday run (Spring Festival, 9 days
    with weekends); 3n + 45 (60 days for the policy's 5) leaves room to spare."""
    return dt.timedelta(days=3 * policy_value("P1.push_working_days") + 45)


@transaction.atomic
def project_recompute_deadlines(*, changed_dates: list[dt.date], user: User | None = None) -> int:
    """P1: the admin changed the working-day calendar (common.services → common.signals.calendar_changed):
    unpushed projects whose working days may count across a changed date get their stored deadline
    recomputed. Returns how many deadlines moved.

    Pushed projects keep theirs: whether they were late (P6) was judged when they were pushed, against the
    calendar then in force, and a ledger entry doesn't change behind the unit's back. A street's own
    project (P2) is due by its planned start, which no calendar moves.
    """
    from django.db.models import Q

    from projects.models import ProjectStatus

    # Merge the windows [d − lookback, d] of nearby dates, so a whole year of dates is one range.
    lookback = _recompute_lookback()
    windows: list[list[dt.date]] = []
    for day in sorted(set(changed_dates)):
        start = day - lookback
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
        old = project.push_deadline
        project.push_deadline = deadline
        project.save(update_fields=["push_deadline", "updated_at"])
        log_action(
            project,
            action="project.deadline_recomputed",
            actor=user,
            data={"old": old.isoformat(), "new": deadline.isoformat()},
        )
        moved += 1
    return moved


# P5: a progress report every this many rows, for a background job's progress bar.
IMPORT_PROGRESS_EVERY = 50


def project_ledger_import(*, user: User, upload, progress=None) -> ledger_import.ImportResult:
    """P5 bulk push from a 附件1 workbook, all rows or none: every row is read
    (projects.ledger_import.parse_ledger) and pushed through project_create — the web form's rules, push=True
    — inside one transaction, each logged as project.imported. Any error in any row → the transaction is
    rolled back, nothing is saved, and every error of every row is returned (a row with a format error is
    still checked against the rules, so each shows in one round).

    `progress(done, total)` (optional, a background job's progress bar) is called every
    IMPORT_PROGRESS_EVERY rows and after the last."""
    if is_read_only(user):
        return ledger_import.refused("领导账号为只读，不能导入项目")
    parsed = ledger_import.parse_ledger(user=user, upload=upload)
    if parsed.file_errors:
        return ledger_import.ImportResult(projects=[], errors=parsed.file_errors)

    total, projects = len(parsed.rows), []
    with transaction.atomic():
        for done, row in enumerate(parsed.rows, start=1):
            if row.unit is None:
                pass  # a unit the user may not push for, or none: its error is there already
            elif row.errors:
                try:
                    project_validate(unit=row.unit, data=row.data, push=True)
                except ValidationError as e:
                    row.add_validation_error(e)
            else:
                try:
                    # A savepoint each (project_create is atomic): a refused row leaves nothing behind.
                    projects.append(
                        project_create(
                            user=user, unit=row.unit, data=row.data, push=True, action="project.imported"
                        )
                    )
                except ValidationError as e:
                    row.add_validation_error(e)
                except PermissionDenied as e:
                    row.add_error("__all__", str(e))
            if progress is not None and (done % IMPORT_PROGRESS_EVERY == 0 or done == total):
                progress(done, total)
        if errors := parsed.errors:
            transaction.set_rollback(True)  # P5: nothing half-imported
            return ledger_import.ImportResult(projects=[], errors=ledger_import.shown(errors))
    return ledger_import.ImportResult(projects=projects, errors=[])
