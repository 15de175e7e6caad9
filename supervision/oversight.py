"""Daily supervision (issue 9 part 2; SPEC V1–V3, the original's 四(二) 日常监督管理): services, selectors and sweeps.

- V1 分包到人: each industry authority assigns each of its projects under construction (pushed, 在建) to a leader
  and a responsible person (ProjectSupervisor), who inspect it every V1.inspection_days days. The next inspection's
  due date is stored on the assignment and swept ("supervision.inspections").
- V2 联合巡查: HRSS and the industry authorities inspect with the six-item checklist (INSPECTION_CHECKLIST); a
  failed item gets a rectification order with a deadline (责令限期整改), swept ("supervision.rectifications");
  the order is closed as rectified, or refused — then a penalty record (行政处理或处罚) and, when the clerk ticks
  it, a blacklist proposal (supervision.blacklist.blacklist_propose, decided by HRSS).
- V3 重点监控: an employer whose clue was substantiated is under key monitoring (clues.KeyMonitoring, set by
  clues.services); it declares every V3.declaration_months months, the next due date stored on the monitoring and
  swept ("supervision.declarations"); HRSS ends a monitoring with a reason. An enterprise that must delay wages
  for genuine difficulty reports to HRSS in advance (DelayedPaymentReport).

"Under construction" is a pushed project: the ledger of pushed projects is the district's 在建工程项目台账 (P3).
Overdue for a date deadline means deadline < today (Asia/Shanghai): due today is not overdue.

Writes are the services here (keyword-only, atomic, log_action); reads are the *_visible_to / *_search selectors
(pages, exports, the API and the dashboard use the same ones); every role and unit rule asks common.access.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from clues.models import KeyMonitoring
from common.access import (
    can_act_for_unit,
    is_hrss,
    is_read_only,
    require_writer,
    sees_all_units,
    sees_personal_data,
    visible_to,
)
from common.audit import log_action
from common.models import PolicyKind, Unit, UnitType, User
from common.policy import policy_parameter, policy_value
from common.search import text_match
from common.sweeps import sweep_claim_each
from common.validators import validate_phone
from common.workdays import add_working_days
from projects.models import Enterprise, Project, ProjectStatus
from supervision.models import (
    INSPECTION_CHECKLIST,
    BlacklistEntry,
    DelayedPaymentReport,
    Inspection,
    InspectionKind,
    MonitoringDeclaration,
    PenaltyRecord,
    ProjectSupervisor,
    RectificationOrder,
    RectificationStatus,
)

logger = logging.getLogger(__name__)

CHECKLIST_FIELDS = tuple(field for field, _label in INSPECTION_CHECKLIST)
CHECKLIST_LABELS = dict(INSPECTION_CHECKLIST)

ASSIGN_OTHER_UNIT = "只能为本单位的在建项目分派包保领导和责任人（区人社局可为各单位分派）"
INSPECT_OTHER_UNIT = "只能登记本单位项目的巡查（联合巡查由区人社局或项目所属行业主管部门登记）"
ORDER_OTHER_UNIT = "只能对本单位的项目责令整改（或由区人社局下达）"
CLOSE_OTHER_UNIT = "只有下达整改的督办单位或区人社局可以办理该整改单"
MONITORING_HRSS_ONLY = "只有区人社局可以解除重点监控"
MONITORING_OTHER_UNIT = "只有区人社局或负责监管该企业的单位可以登记申报"
DELAY_WHO = "延期支付报告由区人社局登记；行业主管部门可为本单位的项目登记"

# The sweeps' names (beat calls common.sweeps.sweep_run(name); zhongzhan_wages/celery.py).
SWEEP_INSPECTIONS = "supervision.inspections"
SWEEP_RECTIFICATIONS = "supervision.rectifications"
SWEEP_DECLARATIONS = "supervision.declarations"


# ----------------------------------------------------------------------------------------------- dates


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's end (01-31 + 1 month = 02-28)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def inspection_due_after(day: dt.date) -> dt.date:
    """V1: the next periodic inspection is due V1.inspection_days after `day` (calendar days, or working days
    when the admin switches the parameter)."""
    days, kind = policy_parameter("V1.inspection_days")
    if kind == PolicyKind.WORKING_DAYS:
        return add_working_days(day, days)
    return day + dt.timedelta(days=days)


def declaration_due_for(monitoring: KeyMonitoring, last_period: dt.date | None) -> dt.date:
    """V3: when the next declaration is due. Periods are V3.declaration_months months long, named by their first
    month (MonitoringDeclaration.period, the 1st). The first declaration is due one period after the monitoring
    began (since + 1 period); after that, one period after the end of the last declared period — i.e. the next
    period's declaration by that period's last day (declared September → October's due 10-31)."""
    months = policy_value("V3.declaration_months")
    if last_period is None:
        return add_months(monitoring.since, months)
    last_period_end = add_months(last_period.replace(day=1), months) - dt.timedelta(days=1)
    return add_months(last_period_end + dt.timedelta(days=1), months) - dt.timedelta(days=1)


# ------------------------------------------------------------------------------------------- selectors


def checklist_items(inspection: Inspection) -> list[tuple[str, str, bool | None]]:
    """(field, label, result) of the V2 checklist, in print order; result None means 未检查."""
    return [(field, label, getattr(inspection, field)) for field, label in INSPECTION_CHECKLIST]


def failed_items(inspection: Inspection) -> list[str]:
    """The labels of the items found 不合格."""
    return [label for _field, label, value in checklist_items(inspection) if value is False]


def _failed_count_expression():
    return sum(
        (Case(When(**{field: False}, then=Value(1)), default=Value(0), output_field=IntegerField()))
        for field in CHECKLIST_FIELDS
    )


def construction_projects_visible_to(user: User) -> QuerySet[Project]:
    """Projects under construction (pushed) the user may see: a clerk their unit's, HRSS and leaders all."""
    return visible_to(user, Project.objects.filter(status=ProjectStatus.PUSHED))


def assignment_search(
    user: User, *, unit: Unit | None = None, state: str = "", q: str = "", today: dt.date | None = None
) -> QuerySet[Project]:
    """V1: projects under construction with their assignment, last inspection and open orders; unassigned first.
    state: unassigned | assigned | overdue (inspection due date passed). A constant number of queries."""
    today = today or timezone.localdate()
    last = Inspection.objects.filter(project=OuterRef("pk")).order_by("-inspected_on", "-id")
    open_orders = (
        RectificationOrder.objects.filter(project=OuterRef("pk"), status=RectificationStatus.OPEN)
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = (
        construction_projects_visible_to(user)
        .select_related("unit", "street", "contractor", "supervisor")
        .annotate(
            is_assigned=Exists(ProjectSupervisor.objects.filter(project=OuterRef("pk"))),
            last_inspected_on=Subquery(last.values("inspected_on")[:1]),
            last_inspection_id=Subquery(last.values("pk")[:1]),
            open_orders=Coalesce(Subquery(open_orders, output_field=IntegerField()), Value(0)),
            inspection_overdue=Case(
                When(supervisor__next_inspection_due_on__lt=today, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )
    if unit is not None:
        qs = qs.filter(unit=unit)
    if state == "unassigned":
        qs = qs.filter(supervisor__isnull=True)
    elif state == "assigned":
        qs = qs.filter(supervisor__isnull=False)
    elif state == "overdue":
        qs = qs.filter(supervisor__next_inspection_due_on__lt=today)
    if q:
        qs = qs.filter(
            text_match(
                q, "name", "contractor__name", "supervisor__leader_name", "supervisor__responsible_person"
            )
        )
    return qs.order_by("is_assigned", "unit__sort_order", "unit_id", "name", "pk")


def projects_unassigned(user: User) -> QuerySet[Project]:
    """V1: the user's projects under construction nobody has been assigned to yet."""
    return construction_projects_visible_to(user).filter(supervisor__isnull=True)


def assignment_unit_summary(user: User, *, today: dt.date | None = None) -> list[dict]:
    """Per unit: projects under construction, assigned, unassigned, inspection overdue (one grouped query)."""
    today = today or timezone.localdate()
    rows = (
        construction_projects_visible_to(user)
        .order_by()
        .values("unit_id", "unit__name", "unit__sort_order")
        .annotate(
            total=Count("pk"),
            assigned=Count("supervisor"),
            overdue=Count("pk", filter=Q(supervisor__next_inspection_due_on__lt=today)),
        )
        .order_by("unit__sort_order", "unit_id")
    )
    return [dict(row, unassigned=row["total"] - row["assigned"]) for row in rows]


def inspection_visible_to(user: User) -> QuerySet[Inspection]:
    """A clerk sees the inspections of their unit's projects, those their unit recorded or took part in; HRSS,
    leaders and admins all."""
    qs = Inspection.objects.all()
    if sees_all_units(user):
        return qs
    if user is None or not user.is_authenticated or user.unit_id is None:
        return qs.none()
    took_part = Inspection.units.through.objects.filter(unit_id=user.unit_id).values("inspection_id")
    return qs.filter(
        Q(project__unit_id=user.unit_id) | Q(recorded_unit_id=user.unit_id) | Q(pk__in=took_part)
    )


def inspection_search(
    user: User,
    *,
    kind: str = "",
    unit: Unit | None = None,
    project: Project | None = None,
    failed: bool = False,
    q: str = "",
) -> QuerySet[Inspection]:
    qs = (
        inspection_visible_to(user)
        .select_related("project__unit", "recorded_unit", "recorded_by")
        .annotate(
            failed_count=_failed_count_expression(),
            order_count=Coalesce(
                Subquery(
                    RectificationOrder.objects.filter(inspection=OuterRef("pk"))
                    .order_by()
                    .values("inspection")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
        )
    )
    if kind:
        qs = qs.filter(kind=kind)
    if unit is not None:
        qs = qs.filter(project__unit=unit)
    if project is not None:
        qs = qs.filter(project=project)
    if failed:
        qs = qs.filter(failed_count__gt=0)
    if q:
        qs = qs.filter(text_match(q, "project__name", "inspectors", "findings"))
    return qs.order_by("-inspected_on", "-id")


def order_visible_to(user: User) -> QuerySet[RectificationOrder]:
    """A clerk sees their unit's orders (the order's 督办单位, the project's unit); HRSS, leaders, admins all."""
    return visible_to(user, RectificationOrder.objects.all(), unit_field="unit")


def order_overdue_q(today: dt.date) -> Q:
    """V2: an order is overdue when it is still open and its deadline has passed (due today is not overdue)."""
    return Q(status=RectificationStatus.OPEN, deadline__lt=today)


def order_search(
    user: User,
    *,
    status: str = "",
    overdue: bool = False,
    unit: Unit | int | None = None,
    q: str = "",
    today: dt.date | None = None,
) -> QuerySet[RectificationOrder]:
    """The order list's one filter (page, Excel, API, the dashboard's links): ?status=open|done|refused
    &overdue=1 &unit=<id> &q=<project, enterprise name or USCC, content>. Open orders first, by deadline."""
    today = today or timezone.localdate()
    qs = order_visible_to(user).select_related("project", "enterprise", "unit", "inspection")
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(order_overdue_q(today))
    if unit is not None:
        qs = qs.filter(unit_id=getattr(unit, "pk", unit))
    if q:
        qs = qs.filter(
            text_match(q, "project__name", "enterprise__name", "content")
            | Q(enterprise__uscc=q.strip().upper())
        )
    return qs.annotate(
        is_overdue=Case(When(order_overdue_q(today), then=Value(True)), default=Value(False)),
        open_first=Case(When(status=RectificationStatus.OPEN, then=Value(0)), default=Value(1)),
    ).order_by("open_first", "deadline", "id")


def monitoring_visible_to(user: User) -> QuerySet[KeyMonitoring]:
    """V3: HRSS, leaders and admins see every key monitoring; a clerk those of their unit's clues (the clue's
    owner or responsible unit, or its project's unit) and of enterprises building their unit's projects."""
    qs = KeyMonitoring.objects.all()
    if sees_all_units(user):
        return qs
    if user is None or not user.is_authenticated or user.unit_id is None:
        return qs.none()
    unit_id = user.unit_id
    own = Project.objects.filter(unit_id=unit_id)
    return qs.filter(
        Q(clue__owner_unit_id=unit_id)
        | Q(clue__responsible_unit_id=unit_id)
        | Q(clue__project__unit_id=unit_id)
        | Q(enterprise_id__in=own.values("contractor_id"))
        | Q(enterprise_id__in=own.values("owner_id"))
    )


def monitoring_overdue_q(today: dt.date) -> Q:
    """V3: a declaration is overdue when an active monitoring's due date has passed."""
    return Q(is_active=True, declaration_due_on__lt=today)


def monitoring_search(
    user: User, *, overdue: bool = False, active: str = "1", q: str = "", today: dt.date | None = None
) -> QuerySet[KeyMonitoring]:
    """The key monitoring list: ?overdue=1 (declaration overdue), active=1 (default) | 0 (ended) | all."""
    today = today or timezone.localdate()
    last = MonitoringDeclaration.objects.filter(monitoring=OuterRef("pk")).order_by("-period")
    qs = (
        monitoring_visible_to(user)
        .select_related("enterprise", "clue", "removed_by")
        .annotate(
            last_period=Subquery(last.values("period")[:1]),
            last_declared_on=Subquery(last.values("declared_on")[:1]),
            is_overdue=Case(When(monitoring_overdue_q(today), then=Value(True)), default=Value(False)),
        )
    )
    if overdue:
        qs = qs.filter(monitoring_overdue_q(today))
    elif active == "1":
        qs = qs.filter(is_active=True)
    elif active == "0":
        qs = qs.filter(is_active=False)
    if q:
        qs = qs.filter(
            text_match(q, "employer_name", "enterprise__name")
            | Q(enterprise__uscc=q.strip().upper())
            | Q(clue__number=q.strip())
        )
    return qs.order_by("-is_active", F("declaration_due_on").asc(nulls_last=True), "pk")


def delay_report_visible_to(user: User) -> QuerySet[DelayedPaymentReport]:
    """HRSS, leaders and admins all; a clerk the reports on their unit's projects or recorded by their unit."""
    qs = DelayedPaymentReport.objects.all()
    if sees_all_units(user):
        return qs
    if user is None or not user.is_authenticated or user.unit_id is None:
        return qs.none()
    return qs.filter(Q(project__unit_id=user.unit_id) | Q(recorded_by__unit_id=user.unit_id))


def delay_report_search(user: User, *, q: str = "") -> QuerySet[DelayedPaymentReport]:
    qs = delay_report_visible_to(user).select_related("enterprise", "project", "recorded_by__unit")
    if q:
        qs = qs.filter(
            text_match(q, "enterprise__name", "project__name") | Q(enterprise__uscc=q.strip().upper())
        )
    return qs.order_by("-reported_on", "-id")


def may_act_for_monitoring(user: User, monitoring: KeyMonitoring) -> bool:
    """V3 declarations are recorded by HRSS or by a unit supervising the enterprise (who sees the monitoring)."""
    if user is None or not user.is_authenticated or is_read_only(user):
        return False
    return is_hrss(user) or monitoring_visible_to(user).filter(pk=monitoring.pk).exists()


def may_file_delay_report(user: User, project: Project | None = None) -> bool:
    if user is None or not user.is_authenticated or is_read_only(user):
        return False
    if is_hrss(user):
        return True
    if project is not None:
        return can_act_for_unit(user, project.unit_id)
    return user.unit_id is not None and user.unit is not None and user.unit.unit_type == UnitType.INDUSTRY


# -------------------------------------------------------------------------------------------- services


def _text(value) -> str:
    return (value or "").strip()


def _decimal(value, errors: dict, field: str, *, label: str, positive: bool, required: bool = True):
    if value in (None, ""):
        if required:
            errors[field] = f"请填写{label}"
        return Decimal(0)
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = f"{label}格式不正确"
        return None
    if not amount.is_finite():
        errors[field] = f"{label}格式不正确"
    elif positive and amount <= 0:
        errors[field] = f"{label}须大于0"
    elif amount < 0:
        errors[field] = f"{label}不能为负数"
    elif amount != amount.quantize(Decimal("0.01")):
        errors[field] = f"{label}最多两位小数"
    return amount


def _count(value, errors: dict, field: str, *, label: str, positive: bool) -> int | None:
    if value in (None, ""):
        errors[field] = f"请填写{label}"
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = f"{label}须为整数"
        return None
    if positive and number <= 0:
        errors[field] = f"{label}须大于0"
    elif number < 0:
        errors[field] = f"{label}不能为负数"
    return number


@transaction.atomic
def supervisor_assign(
    *,
    user: User,
    project: Project,
    leader_name: str,
    responsible_person: str,
    responsible_phone: str,
    leader_title: str = "",
) -> ProjectSupervisor:
    """V1 分包到人: the project's industry authority (a clerk of its unit) or HRSS names the 包保领导 and the
    责任人 of a project under construction; another unit's clerk is refused. The first assignment starts the
    inspection clock (due V1.inspection_days after today); a later change of people keeps the due date, so a
    reassignment never resets an overdue inspection."""
    require_writer(user)
    project = Project.objects.select_for_update().select_related("unit").get(pk=project.pk)
    if not can_act_for_unit(user, project.unit_id):
        raise PermissionDenied(ASSIGN_OTHER_UNIT)
    errors: dict = {}
    if project.status != ProjectStatus.PUSHED:
        errors[NON_FIELD_ERRORS] = "项目推送后（在建项目）才能分派包保领导和责任人"
    values = {
        "leader_name": _text(leader_name),
        "leader_title": _text(leader_title),
        "responsible_person": _text(responsible_person),
        "responsible_phone": "",
    }
    if not values["leader_name"]:
        errors["leader_name"] = "请填写包保领导"
    if not values["responsible_person"]:
        errors["responsible_person"] = "请填写责任人"
    if not _text(responsible_phone):
        errors["responsible_phone"] = "请填写责任人电话"
    else:
        try:
            values["responsible_phone"] = validate_phone(responsible_phone)
        except ValidationError as e:
            errors["responsible_phone"] = e.messages
    for field, limit in (("leader_name", 50), ("leader_title", 50), ("responsible_person", 50)):
        if len(values[field]) > limit:
            errors[field] = f"最多{limit}个字"
    if errors:
        raise ValidationError(errors)
    supervisor = ProjectSupervisor.objects.select_for_update().filter(project=project).first()
    today = timezone.localdate()
    if supervisor is None:
        supervisor = ProjectSupervisor(
            project=project,
            assigned_by=user,
            assigned_at=timezone.now(),
            next_inspection_due_on=inspection_due_after(today),
            **values,
        )
        supervisor.save()
        action, old = "oversight.supervisor_assigned", None
    else:
        old = {k: getattr(supervisor, k) for k in values}
        if old == values:
            return supervisor
        for k, v in values.items():
            setattr(supervisor, k, v)
        supervisor.assigned_by, supervisor.assigned_at = user, timezone.now()
        supervisor.save()
        action = "oversight.supervisor_changed"
    log_action(
        project,
        action=action,
        actor=user,
        note=f"包保领导 {values['leader_name']}{values['leader_title'] and '（' + values['leader_title'] + '）'}，"
        f"责任人 {values['responsible_person']}",
        data={
            "new": values,
            "old": old,
            "next_inspection_due_on": supervisor.next_inspection_due_on.isoformat(),
        },
    )
    return supervisor


@transaction.atomic
def inspection_record(
    *,
    user: User,
    project: Project,
    kind: str,
    inspected_on: dt.date | None,
    inspectors: str,
    units=(),
    checklist: dict | None = None,
    findings: str = "",
) -> Inspection:
    """V1 periodic inspection (日常巡查) or V2 joint inspection (联合巡查, two or more units, the checklist filled
    in). Recorded by the project's unit or HRSS. Every inspection of the project restarts the V1 clock: the
    assignment's next due date becomes the latest inspection + V1.inspection_days (never earlier than it was)."""
    require_writer(user)
    project = Project.objects.select_related("unit").get(pk=project.pk)
    if not can_act_for_unit(user, project.unit_id):
        raise PermissionDenied(INSPECT_OTHER_UNIT)
    errors: dict = {}
    today = timezone.localdate()
    if project.status != ProjectStatus.PUSHED:
        errors[NON_FIELD_ERRORS] = "项目推送后（在建项目）才能登记巡查"
    if kind not in InspectionKind.values:
        errors["kind"] = "请选择巡查类型"
    if inspected_on is None:
        errors["inspected_on"] = "请填写巡查日期"
    elif inspected_on > today:
        errors["inspected_on"] = "巡查日期不能晚于今天"
    inspectors, findings = _text(inspectors), _text(findings)
    if not inspectors:
        errors["inspectors"] = "请填写巡查人员"
    elif len(inspectors) > 200:
        errors["inspectors"] = "最多200个字"
    results = {}
    for field in CHECKLIST_FIELDS:
        value = (checklist or {}).get(field)
        if value not in (True, False, None):
            errors[field] = "检查结果只能是合格、不合格或未检查"
        results[field] = value
    recorded_unit = user.unit if user.unit_id else project.unit
    unit_ids = {getattr(u, "pk", u) for u in units or ()}
    if kind == InspectionKind.JOINT:
        unit_ids.add(recorded_unit.pk)
        if len(unit_ids) < 2:
            errors["units"] = "联合巡查须有两个及以上单位参加（如区人社局和行业主管部门）"
        if all(v is None for v in results.values()):
            errors["checklist"] = "联合巡查须填写检查结果（六项中至少一项）"
    if any(v is False for v in results.values()) and not findings:
        errors["findings"] = "有不合格项时请填写发现的问题"
    if errors:
        raise ValidationError(errors)
    inspection = Inspection.objects.create(
        project=project,
        kind=kind,
        inspected_on=inspected_on,
        inspectors=inspectors,
        findings=findings,
        recorded_by=user,
        recorded_unit=recorded_unit,
        **results,
    )
    if kind == InspectionKind.JOINT:
        inspection.units.set(unit_ids)
    supervisor = ProjectSupervisor.objects.select_for_update().filter(project=project).first()
    if supervisor is not None:
        latest = Inspection.objects.filter(project=project).aggregate(d=Max("inspected_on"))["d"]
        due = inspection_due_after(latest)
        if supervisor.next_inspection_due_on is None or due > supervisor.next_inspection_due_on:
            ProjectSupervisor.objects.filter(pk=supervisor.pk).update(next_inspection_due_on=due)
    failed = failed_items(inspection)
    log_action(
        inspection,
        action="oversight.inspection_recorded",
        actor=user,
        note=("不合格：" + "、".join(failed)) if failed else "",
        data={"kind": kind, "failed": failed},
    )
    return inspection


@transaction.atomic
def rectification_order_issue(
    *,
    user: User,
    inspection: Inspection,
    content: str,
    deadline: dt.date | None,
    enterprise: Enterprise | None = None,
) -> RectificationOrder:
    """V2 责令限期整改: an inspection with a failed item gets an order to the responsible enterprise (default the
    project's general contractor) with a deadline that is not in the past (the DB check deadline >= issued_on is
    the backstop). The order's 督办单位 is the project's unit; its deadline is swept ("supervision.rectifications")."""
    require_writer(user)
    inspection = Inspection.objects.select_related("project__unit", "project__contractor").get(
        pk=inspection.pk
    )
    project = inspection.project
    if not can_act_for_unit(user, project.unit_id):
        raise PermissionDenied(ORDER_OTHER_UNIT)
    errors: dict = {}
    today = timezone.localdate()
    if not failed_items(inspection):
        errors[NON_FIELD_ERRORS] = "本次巡查没有不合格项，无需责令整改"
    enterprise = enterprise or project.contractor
    if enterprise is None:
        errors["enterprise"] = "请选择责任企业"
    content = _text(content)
    if not content:
        errors["content"] = "请填写整改内容"
    if deadline is None:
        errors["deadline"] = "请填写整改期限"
    elif deadline < today:
        errors["deadline"] = f"整改期限不能早于今天（{today:%Y-%m-%d}）"
    if errors:
        raise ValidationError(errors)
    order = RectificationOrder.objects.create(
        inspection=inspection,
        project=project,
        enterprise=enterprise,
        unit=project.unit,
        content=content,
        issued_on=today,
        deadline=deadline,
        issued_by=user,
    )
    log_action(
        order,
        action="oversight.order_issued",
        actor=user,
        note=content[:200],
        data={"deadline": deadline.isoformat(), "enterprise": enterprise.name},
    )
    if user.unit_id != project.unit_id:  # HRSS issued it: the supervising unit is told
        from common.notifications import notify, unit_recipients

        notify(
            event=f"oversight.order_issued:{order.pk}",
            kind="oversight.order_issued",
            recipients=unit_recipients(project.unit),
            title=f"项目“{project.name}”责令限期整改（期限 {deadline:%Y-%m-%d}）",
            body=f"{enterprise.name}：{content[:300]}",
            url=reverse("supervision:oversight_order_detail", args=[order.pk]),
        )
    return order


def _locked_order(order: RectificationOrder) -> RectificationOrder:
    return (
        RectificationOrder.objects.select_for_update(of=("self",))
        .select_related("enterprise", "project", "unit")
        .get(pk=order.pk)
    )


def _require_open(order: RectificationOrder, doing: str) -> None:
    if order.status != RectificationStatus.OPEN:
        raise ValidationError({NON_FIELD_ERRORS: f"该整改单{order.get_status_display()}，不能再{doing}"})


@transaction.atomic
def rectification_order_close(*, user: User, order: RectificationOrder, note: str) -> RectificationOrder:
    """V2: the enterprise has rectified; the order's unit (or HRSS) closes it with what was done."""
    require_writer(user)
    order = _locked_order(order)
    if not can_act_for_unit(user, order.unit_id):
        raise PermissionDenied(CLOSE_OTHER_UNIT)
    _require_open(order, "办结")
    note = _text(note)
    if not note:
        raise ValidationError({"note": "请填写整改情况"})
    order.status = RectificationStatus.DONE
    order.closed_on = timezone.localdate()
    order.closed_note = note
    order.save(update_fields=["status", "closed_on", "closed_note"])
    log_action(order, action="oversight.order_closed", actor=user, note=note)
    return order


@dataclasses.dataclass(frozen=True)
class Refusal:
    order: RectificationOrder
    penalty: PenaltyRecord
    blacklist_entry: BlacklistEntry | None  # the proposal (or the enterprise's live entry it was noted on)
    blacklist_new: bool


@transaction.atomic
def rectification_order_refuse(
    *,
    user: User,
    order: RectificationOrder,
    note: str,
    measure: str,
    amount=0,
    basis: str = "",
    propose_blacklist: bool = False,
    blacklist_details: str = "",
) -> Refusal:
    """V2: 拒不整改 → the order is marked refused and an administrative handling or penalty is recorded against
    the enterprise (measure, fine ≥ 0, legal basis); when the clerk ticks it, a blacklist proposal goes to HRSS
    (supervision.blacklist.blacklist_propose — HRSS decides whether V4 applies). All in one transaction."""
    require_writer(user)
    order = _locked_order(order)
    if not can_act_for_unit(user, order.unit_id):
        raise PermissionDenied(CLOSE_OTHER_UNIT)
    _require_open(order, "登记拒不整改")
    errors: dict = {}
    note, measure, basis = _text(note), _text(measure), _text(basis)
    if not note:
        errors["note"] = "请填写拒不整改的情况"
    if not measure:
        errors["measure"] = "请填写行政处理或处罚措施"
    elif len(measure) > 200:
        errors["measure"] = "最多200个字"
    if len(basis) > 200:
        errors["basis"] = "最多200个字"
    amount = _decimal(amount, errors, "amount", label="罚款金额", positive=False, required=False)
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    order.status = RectificationStatus.REFUSED
    order.closed_on = today
    order.closed_note = note
    order.save(update_fields=["status", "closed_on", "closed_note"])
    penalty = PenaltyRecord.objects.create(
        order=order,
        enterprise=order.enterprise,
        decided_on=today,
        measure=measure,
        amount=amount,
        basis=basis,
        recorded_by=user,
    )
    log_action(
        order,
        action="oversight.order_refused",
        actor=user,
        note=note,
        data={"measure": measure, "amount": str(amount), "basis": basis, "penalty": penalty.pk},
    )
    entry, new = None, False
    if propose_blacklist:
        from supervision.blacklist import blacklist_propose

        details = _text(blacklist_details) or (
            f"{order.enterprise.name}在“{order.project.name}”项目巡查中被责令限期整改"
            f"（{order.content[:100]}，期限{order.deadline:%Y-%m-%d}），拒不整改：{note[:200]}。"
            f"已予{measure}。"
        )
        entry = blacklist_propose(user=user, enterprise=order.enterprise, order=order, details=details)
        new = entry.proposed_by_order_id == order.pk
    return Refusal(order=order, penalty=penalty, blacklist_entry=entry, blacklist_new=new)


@transaction.atomic
def monitoring_remove(*, user: User, monitoring: KeyMonitoring, reason: str) -> KeyMonitoring:
    """V3: HRSS ends a key monitoring, with a reason (nothing saved without one; the DB check is the backstop)."""
    require_writer(user)
    if not is_hrss(user):
        raise PermissionDenied(MONITORING_HRSS_ONLY)
    monitoring = KeyMonitoring.objects.select_for_update().get(pk=monitoring.pk)
    if not monitoring.is_active:
        raise ValidationError({NON_FIELD_ERRORS: "该企业已解除重点监控"})
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": "请填写解除重点监控的理由"})
    monitoring.is_active = False
    monitoring.removed_on = timezone.localdate()
    monitoring.removal_reason = reason
    monitoring.removed_by = user
    monitoring.save(update_fields=["is_active", "removed_on", "removal_reason", "removed_by"])
    log_action(monitoring, action="oversight.monitoring_removed", actor=user, note=reason)
    return monitoring


def _last_period(monitoring: KeyMonitoring) -> dt.date | None:
    return MonitoringDeclaration.objects.filter(monitoring=monitoring).aggregate(p=Max("period"))["p"]


@transaction.atomic
def monitoring_declare(
    *,
    user: User,
    monitoring: KeyMonitoring,
    period: dt.date | None,
    workers,
    wages_paid,
    arrears=0,
    note: str = "",
    declared_on: dt.date | None = None,
) -> MonitoringDeclaration:
    """V3 定期申报: one declaration per period (wages paid, workers, arrears), recorded by HRSS or a unit
    supervising the enterprise; the monitoring's next due date moves on (declaration_due_for). Declared arrears
    are told to HRSS."""
    require_writer(user)
    monitoring = KeyMonitoring.objects.select_for_update().get(pk=monitoring.pk)
    if not may_act_for_monitoring(user, monitoring):
        raise PermissionDenied(MONITORING_OTHER_UNIT)
    errors: dict = {}
    today = timezone.localdate()
    if not monitoring.is_active:
        errors[NON_FIELD_ERRORS] = "该企业已解除重点监控，无需申报"
    declared_on = declared_on or today
    if declared_on > today:
        errors["declared_on"] = "申报日期不能晚于今天"
    if period is None:
        errors["period"] = "请选择申报月份"
    else:
        period = period.replace(day=1)
        if period > today.replace(day=1):
            errors["period"] = "申报月份不能晚于本月"
        elif period < monitoring.since.replace(day=1):
            errors["period"] = f"申报月份不能早于列入重点监控的月份（{monitoring.since:%Y年%m月}）"
        elif MonitoringDeclaration.objects.filter(monitoring=monitoring, period=period).exists():
            errors["period"] = f"{period:%Y年%m月}已申报"
    workers = _count(workers, errors, "workers", label="在岗农民工人数", positive=False)
    wages_paid = _decimal(wages_paid, errors, "wages_paid", label="当期发放工资", positive=False)
    arrears = _decimal(arrears, errors, "arrears", label="当期欠薪", positive=False, required=False)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            declaration = MonitoringDeclaration.objects.create(
                monitoring=monitoring,
                period=period,
                declared_on=declared_on,
                workers=workers,
                wages_paid=wages_paid,
                arrears=arrears,
                note=_text(note),
                recorded_by=user,
            )
    except IntegrityError:  # a concurrent declaration of the same period won the unique constraint
        raise ValidationError({"period": f"{period:%Y年%m月}已申报"}) from None
    monitoring.declaration_due_on = declaration_due_for(monitoring, _last_period(monitoring))
    monitoring.save(update_fields=["declaration_due_on"])
    log_action(
        monitoring,
        action="oversight.declaration_recorded",
        actor=user,
        note=f"{period:%Y年%m月}：在岗{workers}人，发放工资{wages_paid:,.2f}元"
        + (f"，欠薪{arrears:,.2f}元" if arrears else ""),
        data={"declaration": declaration.pk, "next_due": monitoring.declaration_due_on.isoformat()},
    )
    if arrears:
        from common.notifications import hrss_recipients, notify

        notify(
            event=f"oversight.declaration_arrears:{declaration.pk}",
            kind="oversight.declaration_arrears",
            recipients=hrss_recipients(),
            title=f"重点监控企业 {monitoring.employer_name} 申报{period:%Y年%m月}欠薪{arrears:,.2f}元",
            body=_text(note)[:500],
            url=reverse("supervision:oversight_monitoring_detail", args=[monitoring.pk]),
        )
    return declaration


@transaction.atomic
def delay_report_file(
    *,
    user: User,
    enterprise: Enterprise | None,
    reason: str,
    workers,
    amount,
    normal_pay_day: dt.date | None,
    pay_by: dt.date | None,
    project: Project | None = None,
) -> DelayedPaymentReport:
    """V3: an enterprise that must delay wages for genuine difficulty reports to HRSS in advance — no later than
    the normal pay day (past it, the wages are owed: a clue, not a report). Recorded by HRSS, or by the
    project's industry authority (then HRSS is told). The DB checks are the backstop."""
    require_writer(user)
    if not may_file_delay_report(user, project):
        raise PermissionDenied(DELAY_WHO)
    errors: dict = {}
    today = timezone.localdate()
    if enterprise is None:
        errors["enterprise"] = "请填写企业"
    reason = _text(reason)
    if not reason:
        errors["reason"] = "请填写延期支付的原因"
    workers = _count(workers, errors, "workers", label="涉及人数", positive=True)
    amount = _decimal(amount, errors, "amount", label="延期支付金额", positive=True)
    if normal_pay_day is None:
        errors["normal_pay_day"] = "请填写原定支付日"
    elif normal_pay_day < today:
        errors["normal_pay_day"] = (
            "延期支付须在原定支付日前（含当日）报告；原定支付日已过的属于拖欠工资，请登记欠薪线索"
        )
    if pay_by is None:
        errors["pay_by"] = "请填写承诺支付日"
    elif normal_pay_day is not None and pay_by < normal_pay_day:
        errors["pay_by"] = "承诺支付日不能早于原定支付日"
    if errors:
        raise ValidationError(errors)
    report = DelayedPaymentReport.objects.create(
        enterprise=enterprise,
        project=project,
        reason=reason,
        workers=workers,
        amount=amount,
        normal_pay_day=normal_pay_day,
        pay_by=pay_by,
        reported_on=today,
        recorded_by=user,
    )
    log_action(
        report,
        action="oversight.delay_reported",
        actor=user,
        note=f"{enterprise.name}：{workers}人{amount:,.2f}元，原定{normal_pay_day:%Y-%m-%d}，承诺{pay_by:%Y-%m-%d}前支付",
    )
    if not is_hrss(user):
        from common.notifications import hrss_recipients, notify

        notify(
            event=f"oversight.delay_reported:{report.pk}",
            kind="oversight.delay_reported",
            recipients=hrss_recipients(),
            title=f"延期支付报告：{enterprise.name} {workers}人 {amount:,.2f}元，承诺{pay_by:%Y-%m-%d}前支付",
            body=reason[:500],
            url=reverse("supervision:oversight_delay_list"),
        )
    return report


# ---------------------------------------------------------------------------------------------- sweeps
# Each sweep: one query on its partial index for what is due, each row then claimed in its own short transaction
# (common.sweeps.sweep_claim_each), the guard column written in the same transaction as the notification.


def _inspection_unnotified(today: dt.date) -> Q:
    # Index supervisor_inspection_due (next_inspection_due_on IS NOT NULL). Notified once per due date: a later
    # inspection moves the due date on, and the new one is told again when it passes.
    return Q(next_inspection_due_on__lt=today) & (
        Q(overdue_notified_on__isnull=True)
        | Q(overdue_notified_on__lt=F("next_inspection_due_on"))
        | Q(overdue_notified_on__gt=F("next_inspection_due_on"))
    )


def inspections_sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """V1: an assignment whose inspection due date has passed tells the project's unit, once per due date."""
    today = timezone.localdate(now or timezone.now())
    told, _ = sweep_claim_each(
        ProjectSupervisor.objects.filter(_inspection_unnotified(today)),
        _inspection_overdue_one,
        order_by=("next_inspection_due_on", "pk"),
        related=("project__unit",),
    )
    return {"inspection_overdue": told}


def _inspection_overdue_one(supervisor: ProjectSupervisor) -> int:
    from common.notifications import notify, unit_recipients

    due, project = supervisor.next_inspection_due_on, supervisor.project
    notify(
        event=f"oversight.inspection_overdue:{supervisor.pk}:{due.isoformat()}",
        kind="oversight.inspection_overdue",
        recipients=unit_recipients(project.unit),
        title=f"项目“{project.name}”逾期未巡查（巡查期限 {due:%Y-%m-%d}）",
        body=f"包保领导 {supervisor.leader_name}，责任人 {supervisor.responsible_person}："
        "请对分包项目进行检查并登记巡查记录（V1 定期检查）。",
        url=project.get_absolute_url(),
    )
    ProjectSupervisor.objects.filter(pk=supervisor.pk).update(overdue_notified_on=due)
    log_action(
        project,
        action="oversight.inspection_overdue_notified",
        note=f"巡查期限 {due:%Y-%m-%d} 已过",
        data={"due": due.isoformat()},
    )
    return 1


def inspections_waiting(now: dt.datetime | None = None) -> int:
    return ProjectSupervisor.objects.filter(_inspection_unnotified(timezone.localdate(now))).count()


def _order_unnotified(today: dt.date) -> Q:
    # Index rectification_open_deadline (status = 'open'); an order's deadline never moves, so once per order.
    return order_overdue_q(today) & Q(overdue_notified_on__isnull=True)


def rectifications_sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """V2: an open order past its deadline tells its unit and HRSS, once."""
    today = timezone.localdate(now or timezone.now())
    told, _ = sweep_claim_each(
        RectificationOrder.objects.filter(_order_unnotified(today)),
        lambda order: _order_overdue_one(order, today),
        order_by=("deadline", "pk"),
        related=("project", "enterprise", "unit"),
    )
    return {"order_overdue": told}


def _order_overdue_one(order: RectificationOrder, today: dt.date) -> int:
    from common.notifications import hrss_recipients, notify, unit_recipients

    notify(
        event=f"oversight.order_overdue:{order.pk}",
        kind="oversight.order_overdue",
        recipients=unit_recipients(order.unit) + hrss_recipients(),
        title=f"整改逾期：{order.enterprise.name}（{order.project.name}），期限 {order.deadline:%Y-%m-%d}",
        body=order.content[:500],
        url=reverse("supervision:oversight_order_detail", args=[order.pk]),
    )
    RectificationOrder.objects.filter(pk=order.pk).update(overdue_notified_on=today)
    log_action(
        order,
        action="oversight.order_overdue_notified",
        note=f"整改期限 {order.deadline:%Y-%m-%d} 已过，已提醒督办单位和区人社局",
    )
    return 1


def rectifications_waiting(now: dt.datetime | None = None) -> int:
    return RectificationOrder.objects.filter(_order_unnotified(timezone.localdate(now))).count()


def _declaration_unnotified(today: dt.date) -> Q:
    # Index key_monitoring_declaration_due (is_active AND declaration_due_on IS NOT NULL): once per due date.
    return monitoring_overdue_q(today) & (
        Q(overdue_notified_on__isnull=True)
        | Q(overdue_notified_on__lt=F("declaration_due_on"))
        | Q(overdue_notified_on__gt=F("declaration_due_on"))
    )


def declarations_sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """V3: first give every active monitoring without a due date its due date (clues.services puts an employer
    under monitoring and knows nothing of V3's periods), then tell HRSS once per due date that passed."""
    today = timezone.localdate(now or timezone.now())
    initialised, _ = sweep_claim_each(
        KeyMonitoring.objects.filter(is_active=True, declaration_due_on__isnull=True),
        _declaration_initialise_one,
        order_by=("pk",),
    )
    told, _ = sweep_claim_each(
        KeyMonitoring.objects.filter(_declaration_unnotified(today)),
        _declaration_overdue_one,
        order_by=("declaration_due_on", "pk"),
    )
    return {"initialised": initialised, "declaration_overdue": told}


def _declaration_initialise_one(monitoring: KeyMonitoring) -> int:
    due = declaration_due_for(monitoring, _last_period(monitoring))
    KeyMonitoring.objects.filter(pk=monitoring.pk).update(declaration_due_on=due)
    return 1


def _declaration_overdue_one(monitoring: KeyMonitoring) -> int:
    from common.notifications import hrss_recipients, notify

    due = monitoring.declaration_due_on
    notify(
        event=f"oversight.declaration_overdue:{monitoring.pk}:{due.isoformat()}",
        kind="oversight.declaration_overdue",
        recipients=hrss_recipients(),
        title=f"重点监控企业 {monitoring.employer_name} 逾期未申报（申报期限 {due:%Y-%m-%d}）",
        body="发生过拖欠工资的企业实行重点监控并定期申报（V3），请督促企业申报。",
        url=reverse("supervision:oversight_monitoring_detail", args=[monitoring.pk]),
    )
    KeyMonitoring.objects.filter(pk=monitoring.pk).update(overdue_notified_on=due)
    log_action(
        monitoring,
        action="oversight.declaration_overdue_notified",
        note=f"申报期限 {due:%Y-%m-%d} 已过，已提醒区人社局",
        data={"due": due.isoformat()},
    )
    return 1


def declarations_waiting(now: dt.datetime | None = None) -> int:
    today = timezone.localdate(now)
    return (
        KeyMonitoring.objects.filter(is_active=True, declaration_due_on__isnull=True).count()
        + KeyMonitoring.objects.filter(_declaration_unnotified(today)).count()
    )


# ------------------------------------------------------------------------------------- the project panel


def project_panel(request, project: Project) -> str:
    """The project page's 包保与巡查 panel (V1/V2): supervisor, last and next inspection, open orders, and the
    actions this user may take. Three reads."""
    from django.template.loader import render_to_string

    if not project.is_pushed or request is None:
        return ""
    user = request.user
    today = timezone.localdate()
    supervisor = ProjectSupervisor.objects.filter(project=project).first()
    last = Inspection.objects.filter(project=project).order_by("-inspected_on", "-id").first()
    orders = list(
        RectificationOrder.objects.filter(project=project, status=RectificationStatus.OPEN)
        .select_related("enterprise")
        .order_by("deadline", "id")
    )
    return render_to_string(
        "supervision/oversight/_project_panel.html",
        {
            "project": project,
            "supervisor": supervisor,
            "last_inspection": last,
            "orders": orders,
            "today": today,
            "inspection_overdue": bool(
                supervisor and supervisor.next_inspection_due_on and supervisor.next_inspection_due_on < today
            ),
            "can_act": can_act_for_unit(user, project.unit_id),
            "show_personal": sees_personal_data(user, project.unit_id),
        },
        request=request,
    )


# -------------------------------------------------------------------------------------------- register


def register() -> None:
    """Policy parameters, actions, notification kinds, sweeps and the project panel of V1–V3
    (called from supervision.apps)."""
    from common.audit import register_actions
    from common.notifications import register_notification_kinds
    from common.panels import register_panel
    from common.policy import Parameter, register_parameters
    from common.sweeps import register_sweep

    register_parameters(
        [
            Parameter(
                "V1.inspection_days",
                "包保项目定期巡查周期",
                "V1",
                PolicyKind.DAYS,
                Decimal(30),
                "分包责任人定期对分包项目进行检查：自分派（或上次巡查）之日起计算下次巡查期限",
            ),
            Parameter(
                "V3.declaration_months",
                "重点监控企业申报周期",
                "V3",
                PolicyKind.MONTHS,
                Decimal(1),
                "对发生过拖欠工资的企业实行重点监控并要求其定期申报：每个申报周期申报一次",
            ),
        ]
    )
    register_actions(
        {
            "oversight.supervisor_assigned": "分派包保领导和责任人（V1）",
            "oversight.supervisor_changed": "调整包保领导和责任人（V1）",
            "oversight.inspection_recorded": "登记巡查（V1/V2）",
            "oversight.inspection_overdue_notified": "逾期未巡查提醒（V1）",
            "oversight.order_issued": "责令限期整改（V2）",
            "oversight.order_closed": "整改完成（V2）",
            "oversight.order_refused": "拒不整改，登记行政处理处罚（V2）",
            "oversight.order_overdue_notified": "整改逾期提醒（V2）",
            "oversight.monitoring_removed": "解除重点监控（V3）",
            "oversight.declaration_recorded": "登记重点监控申报（V3）",
            "oversight.declaration_overdue_notified": "逾期未申报提醒（V3）",
            "oversight.delay_reported": "登记延期支付报告（V3）",
        }
    )
    register_notification_kinds(
        {
            "oversight.inspection_overdue": "逾期未巡查",
            "oversight.order_issued": "责令限期整改",
            "oversight.order_overdue": "整改逾期",
            "oversight.declaration_overdue": "重点监控逾期未申报",
            "oversight.declaration_arrears": "重点监控企业申报欠薪",
            "oversight.delay_reported": "延期支付报告",
        }
    )
    every = dt.timedelta(minutes=15)
    register_sweep(
        SWEEP_INSPECTIONS,
        label="包保项目逾期未巡查（V1）",
        run=inspections_sweep,
        waiting=inspections_waiting,
        every=every,
        labels={"inspection_overdue": "逾期未巡查提醒"},
    )
    register_sweep(
        SWEEP_RECTIFICATIONS,
        label="限期整改逾期（V2）",
        run=rectifications_sweep,
        waiting=rectifications_waiting,
        every=every,
        labels={"order_overdue": "整改逾期提醒"},
    )
    register_sweep(
        SWEEP_DECLARATIONS,
        label="重点监控企业逾期未申报（V3）",
        run=declarations_sweep,
        waiting=declarations_waiting,
        every=every,
        labels={"initialised": "计算申报期限", "declaration_overdue": "逾期未申报提醒"},
    )
    register_panel("projects.Project", render=project_panel, order=20)


# ------------------------------------------------------------------------------------------- demo data


def seed_demo_records() -> None:
    """Demo records of V1–V3 (called from seed_demo, idempotent): most pushed demo projects assigned, a few
    inspections (one joint with failed items, an open order past its deadline and one order closed), a key
    monitoring with a missed declaration, one delayed-payment report. Written through the services as the demo
    users, then moved back to when the story happened (a past deadline can't be issued today); only this part's
    own action-log rows move, never earlier than the project's push."""
    from django.contrib.contenttypes.models import ContentType

    from common.models import ActionLog

    if ProjectSupervisor.objects.exists() or Inspection.objects.exists():
        return
    users = {
        u.username: u for u in User.objects.filter(username__in=["zhujian", "jiaotong", "lifeng", "renshe"])
    }
    hrss = users.get("renshe")
    projects = list(
        Project.objects.filter(status=ProjectStatus.PUSHED).select_related("unit").order_by("pushed_at", "pk")
    )
    if hrss is None or not projects:
        return
    now = timezone.now()
    today = timezone.localdate(now)

    def clerk_for(project):
        return next((u for u in users.values() if u.unit_id == project.unit_id and u.role == "clerk"), hrss)

    def at(day: dt.date, hour: int = 10) -> dt.datetime:
        return min(now, timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 30))))

    def back_date(obj, when: dt.datetime, action: str | None = None) -> None:
        rows = ActionLog.objects.filter(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            action__startswith="oversight.",
            created_at__gt=when,
        )
        (rows.filter(action=action) if action else rows).update(created_at=when)

    people = [
        ("李卫东", "副局长", "赵晓峰", "13903911101"),
        ("孙立军", "局长", "钱文静", "13903911102"),
        ("周建华", "副主任", "吴海涛", "13903911103"),
        ("郑国强", "副局长", "冯丽娟", "13903911104"),
        ("王志刚", "党组书记", "陈晓东", "13903911105"),
    ]
    # The newest pushed project stays unassigned (the assignments page lists it first). Each other one was
    # assigned the day after its push; one nobody has inspected for V1.inspection_days since is overdue.
    assigned = projects[:-1] if len(projects) > 1 else projects
    for i, project in enumerate(assigned):
        leader, title, person, phone = people[i % len(people)]
        supervisor_assign(
            user=clerk_for(project),
            project=project,
            leader_name=leader,
            leader_title=title,
            responsible_person=person,
            responsible_phone=phone,
        )
        started = min(today, timezone.localdate(project.pushed_at) + dt.timedelta(days=1))
        ProjectSupervisor.objects.filter(project=project).update(
            assigned_at=at(started, 9), next_inspection_due_on=inspection_due_after(started)
        )
        back_date(project, at(started, 9), "oversight.supervisor_assigned")

    def inspected_day(project, days_ago: int) -> dt.date:
        return min(
            today,
            max(
                today - dt.timedelta(days=days_ago),
                timezone.localdate(project.pushed_at) + dt.timedelta(days=2),
            ),
        )

    # V2: a joint inspection with two failed items: one order rectified and closed, the other still open past
    # its deadline. The earliest-pushed project is left uninspected (V1 overdue once its 30 days pass).
    joint_project = assigned[1] if len(assigned) > 1 else assigned[0]
    joint = inspection_record(
        user=hrss,
        project=joint_project,
        kind=InspectionKind.JOINT,
        inspected_on=inspected_day(joint_project, 20),
        inspectors="区人社局 张华、区住建局 王建国",
        units=[hrss.unit, joint_project.unit],
        checklist={
            "labour_contracts_ok": True,
            "real_name_ok": True,
            "allocation_ok": False,
            "wage_payment_ok": True,
            "notice_board_ok": False,
            "monitoring_system_ok": True,
        },
        findings="人工费用未按月拨付至农民工工资专用账户（最近一次拨付已逾40日）；施工现场未设置维权信息告示牌。",
    )
    issued = joint.inspected_on
    Inspection.objects.filter(pk=joint.pk).update(recorded_at=at(issued, 16))
    back_date(joint, at(issued, 16))
    open_order = rectification_order_issue(
        user=hrss,
        inspection=joint,
        content="按月足额拨付人工费用至农民工工资专用账户，并提交拨付凭证。",
        deadline=today,
    )
    board_order = rectification_order_issue(
        user=hrss,
        inspection=joint,
        content="在施工现场醒目位置设置维权信息告示牌，公示项目负责人、劳资专管员及投诉举报电话。",
        deadline=today,
    )
    gap = (today - issued).days
    RectificationOrder.objects.filter(pk=open_order.pk).update(
        issued_on=issued, deadline=issued + dt.timedelta(days=max(0, min(10, gap - 1)))
    )
    RectificationOrder.objects.filter(pk=board_order.pk).update(
        issued_on=issued, deadline=issued + dt.timedelta(days=max(0, min(5, gap)))
    )
    back_date(open_order, at(issued, 16))
    back_date(board_order, at(issued, 16))
    board_order.refresh_from_db()
    rectification_order_close(
        user=clerk_for(joint_project),
        order=board_order,
        note="已在项目大门处设置维权信息告示牌（附照片），经现场复查合格。",
    )
    closed_on = min(today, issued + dt.timedelta(days=4))
    RectificationOrder.objects.filter(pk=board_order.pk).update(closed_on=closed_on)
    back_date(board_order, at(closed_on, 15), "oversight.order_closed")

    # V1: two routine inspections found nothing wrong.
    for days_ago, project in zip((12, 3), assigned[2:4], strict=False):
        routine = inspection_record(
            user=clerk_for(project),
            project=project,
            kind=InspectionKind.ROUTINE,
            inspected_on=inspected_day(project, days_ago),
            inspectors="包保责任人 现场检查",
            checklist={field: True for field in CHECKLIST_FIELDS},
        )
        Inspection.objects.filter(pk=routine.pk).update(recorded_at=at(routine.inspected_on, 16))
        back_date(routine, at(routine.inspected_on, 16))

    # V3: the demo's substantiated clue put its employer under key monitoring. The story: monitored for three
    # months, declared the first month, then nothing — the next declaration is overdue.
    monitoring = KeyMonitoring.objects.filter(is_active=True).order_by("pk").first()
    if monitoring is not None:
        since = add_months(today, -3)
        KeyMonitoring.objects.filter(pk=monitoring.pk).update(since=since)
        monitoring.refresh_from_db()
        first = monitoring_declare(
            user=hrss,
            monitoring=monitoring,
            period=since.replace(day=1),
            declared_on=since + dt.timedelta(days=25),
            workers=18,
            wages_paid=Decimal("156800.00"),
            note="已按月足额发放，附银行代发明细。",
        )
        back_date(monitoring, at(first.declared_on, 11))

    # V3: an enterprise reported in advance that it must delay one month's wages.
    contractor_project = next((p for p in reversed(projects) if p.contractor_id), None)
    if contractor_project is not None:
        delay_report_file(
            user=hrss,
            enterprise=contractor_project.contractor,
            project=contractor_project,
            reason="建设单位工程款未按期到账，企业流动资金紧张，已与农民工协商一致延期支付，并提交书面说明。",
            workers=26,
            amount=Decimal("318600.00"),
            normal_pay_day=today + dt.timedelta(days=5),
            pay_by=today + dt.timedelta(days=20),
        )
