"""Issue 9 part 1 — the 五制 of each pushed project (SPEC S1–S6; the policy's 三（二）2 and 三（三） are the final word).

Services (the only code that writes the 五制 tables: each in transaction.atomic, logged on the project with
common.audit.log_action, allowed to a writer of the project's unit or HRSS/admin through common.access, bad input
refused at its field with nothing saved), the checklist (five_systems_checklist: one item per rule S1…S6, green /
yellow / red with the reason in words), the stored state (ProjectCompliance, recomputed by every write and by the
sweep "supervision.five_systems"), the selectors of the list page and the API, the project-page panel and the demo
records.

Dates are calendar dates in Asia/Shanghai. "Due on D" means D is the last day in time: the item is yellow from
D − S.warning_days to D, red from D + 1. Months are added as calendar months clamped to the month's end
(add_months: 2026-01-31 + 1 month = 2026-02-28; 2026-10-20 + 1 month = 2026-11-20).
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import logging
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from common.access import can_act_for_unit, require_writer, visible_to
from common.audit import log_action, register_actions
from common.formats import format_date, format_money
from common.models import PolicyKind, User
from common.policy import Parameter, policy_parameter, policy_snapshot, policy_value, register_parameters
from common.search import text_match
from common.sweeps import sweep_claim_each
from common.validators import money_yuan
from projects.models import Project, ProjectStatus
from supervision.models import (
    LabourCostAllocation,
    ProjectCompliance,
    RealNameRecord,
    RightsTraining,
    SubcontractorPayroll,
    WageAccount,
)

logger = logging.getLogger(__name__)

SWEEP_NAME = "supervision.five_systems"
NOTIFY_KIND = "supervision.five_red"

ACTIONS = {
    "five.allocation_recorded": "登记人工费拨付",
    "five.payroll_recorded": "登记分包工资代发",
    "five.payroll_updated": "更新工资代发与银行确认",
    "five.account_saved": "登记农民工工资专用账户",
    "five.real_name_saved": "更新实名制管理",
    "five.training_recorded": "登记岗位维权培训",
}

NOT_YOUR_UNIT = "只能登记本单位项目的五制记录（人社局可登记各单位项目）"
NOT_PUSHED = "项目尚未推送至人社局，推送后再登记五制记录"

GREEN, YELLOW, RED = "green", "yellow", "red"
STATE_LABELS = {GREEN: "合规", YELLOW: "即将到期", RED: "逾期或缺失"}
STATE_CSS = {GREEN: "ok", YELLOW: "warn", RED: "danger"}

# code, label, the anchor of its records on the project's 五制 page
ITEMS = (
    ("S1", "按时足额拨付人工费", "s1"),
    ("S2", "总承包代发工资", "s2"),
    ("S3", "农民工工资专用账户", "s3"),
    ("S4", "银行直接代发、不扣押工资卡", "s4"),
    ("S5", "实名制管理", "s5"),
    ("S6", "岗位维权培训", "s6"),
)
ITEM_LABELS = {code: label for code, label, _ in ITEMS}


# ------------------------------------------------------------------------------------------- registration


def register() -> None:
    """Called from supervision.apps: policy parameters, action labels, the notification kind, the sweep
    "supervision.five_systems" (beat: common.sweeps.sweep_run("supervision.five_systems") every 15 minutes), the
    project-page panel, and the recompute after a project is pushed or edited."""
    from common.notifications import register_notification_kinds
    from common.panels import register_panel
    from common.sweeps import register_sweep

    register_parameters(
        [
            Parameter(
                "S2.pay_day",
                "每月工资代发日",
                "S2",
                PolicyKind.DAYS,
                Decimal(15),
                "上月工资须于本月该日（含）前由总承包单位代发（如15：10月工资最迟11月15日代发）；"
                "该月没有这一天的取月末",
            ),
            Parameter(
                "S4.confirm_days",
                "银行代发确认期限",
                "S4",
                PolicyKind.DAYS,
                Decimal(5),
                "代发后该天数内登记开户银行已将工资直接支付到农民工本人账户的确认",
            ),
            Parameter(
                "S6.training_days",
                "新开工项目维权培训期限",
                "S6",
                PolicyKind.DAYS,
                Decimal(30),
                "自计划开工日期起该天数内对项目所有用工人员组织一次岗位维权培训",
            ),
            Parameter(
                "S.warning_days",
                "五制临期提示天数",
                "S1–S6",
                PolicyKind.DAYS,
                Decimal(3),
                "五金五制清单中，距期限不超过该天数（含期限当日）的事项显示为黄色",
            ),
        ]
    )
    register_actions(ACTIONS)
    register_notification_kinds({NOTIFY_KIND: "五制事项逾期"})
    register_sweep(
        SWEEP_NAME,
        label="五制合规巡检（S1–S6）",
        run=five_systems_sweep,
        waiting=five_systems_waiting,
        every=dt.timedelta(minutes=15),
        labels={"created": "新建合规台账", "recomputed": "重新计算", "notified": "逾期提醒"},
    )
    register_panel("projects.Project", render=five_systems_panel, order=10)

    from django.db.models.signals import post_save

    post_save.connect(_project_saved, sender=Project, dispatch_uid="supervision.five_systems.project_saved")


def _project_saved(sender, instance: Project, **kwargs) -> None:
    """A push, or an edit of a pushed project's dates (contract signing, planned start), moves its 五制 deadlines:
    recompute after the project's own transaction commits, so the push never waits on (or rolls back for)
    supervision; robust: a failure here is logged and the sweep catches up."""
    if instance.status != ProjectStatus.PUSHED:
        return
    project_id = instance.pk
    transaction.on_commit(lambda: _recompute_by_id(project_id), robust=True)


def _recompute_by_id(project_id: int) -> None:
    with transaction.atomic():
        project = Project.objects.select_related("unit").filter(pk=project_id).first()
        if project is not None and project.status == ProjectStatus.PUSHED:
            compliance_recompute(project=project)


# ----------------------------------------------------------------------------------------------- dates


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's end: 2026-01-31 + 1 = 2026-02-28, 2028-01-31 + 1 = 2028-02-29,
    2026-03-31 + 1 = 2026-04-30, 2026-10-20 + 1 = 2026-11-20, 2026-12-15 + 1 = 2027-01-15."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _days_after(start: dt.date, code: str) -> dt.date:
    """`start` + the parameter's days: calendar days, or working days when the admin switched the parameter to
    工作日 (common.policy lets a day count be either)."""
    value, kind = policy_parameter(code)
    if kind == PolicyKind.WORKING_DAYS:
        from common.workdays import add_working_days

        return add_working_days(start, int(value))
    return start + dt.timedelta(days=int(value))


def _days_text(code: str) -> str:
    """ "30日" or "30个工作日": a day parameter as the reasons write it."""
    value, kind = policy_parameter(code)
    return f"{int(value)}个工作日" if kind == PolicyKind.WORKING_DAYS else f"{int(value)}日"


@dataclasses.dataclass(frozen=True)
class Rules:
    """The policy numbers of S1–S6, read once for a page, an export or a sweep run."""

    cycle_months: int
    pay_day: int
    confirm_days: int
    warning_days: int

    @classmethod
    def load(cls) -> Rules:
        return cls(
            cycle_months=max(1, int(policy_value("S1.allocation_cycle_months"))),
            pay_day=max(1, int(policy_value("S2.pay_day"))),
            confirm_days=int(policy_value("S4.confirm_days")),
            warning_days=int(policy_value("S.warning_days")),
        )

    def pay_date(self, wage_month: dt.date) -> dt.date:
        """S2: the last day on which the wages of `wage_month` may be paid — S2.pay_day of the next month, the
        month's last day when it has no such day (pay day 31: 2026-02 wages by 2026-03-31, 2026-03 by 04-30)."""
        following = add_months(month_start(wage_month), 1)
        return following.replace(
            day=min(self.pay_day, calendar.monthrange(following.year, following.month)[1])
        )


# ------------------------------------------------------------------------------------------- the checklist


@dataclasses.dataclass
class ChecklistItem:
    code: str
    label: str
    state: str  # green / yellow / red
    reason: str
    # The last day in time of the item's pending requirement (None when nothing is pending).
    due_on: dt.date | None = None
    # True when the item is red because its due date passed (the sweep tells the unit); False when it is red
    # for a fact a write recorded (a withheld wage card, more contracts than registered workers).
    red_by_date: bool = False
    fix_url: str = ""

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def css(self) -> str:
        return STATE_CSS[self.state]

    @property
    def red_on(self) -> dt.date | None:
        """The first day the pending requirement is late."""
        return self.due_on + dt.timedelta(days=1) if self.due_on else None


@dataclasses.dataclass
class Facts:
    """Everything the checklist of one project reads (loaded for many projects at once by load_facts)."""

    allocations: list[LabourCostAllocation] = dataclasses.field(default_factory=list)
    payrolls: list[SubcontractorPayroll] = dataclasses.field(default_factory=list)
    account: WageAccount | None = None
    real_name: RealNameRecord | None = None
    trainings: list[RightsTraining] = dataclasses.field(default_factory=list)


def load_facts(project_ids: list[int]) -> dict[int, Facts]:
    """The 五制 records of these projects: five queries whatever their number."""
    facts = {pk: Facts() for pk in project_ids}
    if not project_ids:
        return facts
    allocations = LabourCostAllocation.objects.filter(project_id__in=project_ids).select_related(
        "recorded_by"
    )
    for a in allocations.order_by("allocated_on", "pk"):
        facts[a.project_id].allocations.append(a)
    for p in SubcontractorPayroll.objects.filter(project_id__in=project_ids).order_by(
        "month", "subcontractor_name"
    ):
        facts[p.project_id].payrolls.append(p)
    for w in WageAccount.objects.filter(project_id__in=project_ids).select_related("recorded_by"):
        facts[w.project_id].account = w
    for r in RealNameRecord.objects.filter(project_id__in=project_ids).select_related("updated_by"):
        facts[r.project_id].real_name = r
    for t in (
        RightsTraining.objects.filter(project_id__in=project_ids)
        .select_related("recorded_by")
        .order_by("held_on", "pk")
    ):
        facts[t.project_id].trainings.append(t)
    return facts


def _state_by_due(due_on: dt.date, today: dt.date, rules: Rules) -> str:
    if today > due_on:
        return RED
    return YELLOW if (due_on - today).days <= rules.warning_days else GREEN


def _left(due_on: dt.date, today: dt.date) -> str:
    days = (due_on - today).days
    return "今日到期" if days == 0 else f"还剩{days}天"


def _s1_allocation(project: Project, facts: Facts, today: dt.date, rules: Rules) -> ChecklistItem:
    """S1 按时足额拨付人工费. The start-up labour cost is placed in the wage account before construction: without
    an allocation marked 开工前首笔 the item is due the day before planned_start_on and red from planned_start_on
    (construction started, planned_start_on ≤ today). After it, allocations are at most S1.allocation_cycle_months
    apart: due on add_months(last, cycle) — one month after 2026-10-20 is 2026-11-20, still in time; 2026-11-21
    (one month and a day) is red. The clock starts at the planned start when the last allocation is earlier
    (a start-up allocation placed months ahead covers the first month of work, not the wait)."""
    item = ChecklistItem("S1", ITEM_LABELS["S1"], GREEN, "")
    start = project.planned_start_on
    if not any(a.is_startup for a in facts.allocations):
        item.due_on = start - dt.timedelta(days=1)
        item.state = _state_by_due(item.due_on, today, rules)
        if item.state == RED:
            item.red_by_date = True
            item.reason = f"计划开工日期 {format_date(start)} 已到，未登记开工前拨付的首笔人工费"
        else:
            item.reason = f"开工前须将首笔人工费拨付至专用账户（计划开工 {format_date(start)}，{_left(item.due_on, today)}）"
        return item
    last = max(a.allocated_on for a in facts.allocations)
    cycle = rules.cycle_months
    item.due_on = add_months(max(last, start), cycle)
    item.state = _state_by_due(item.due_on, today, rules)
    if item.state == RED:
        item.red_by_date = True
        if last >= start:
            item.reason = f"距上次拨付已超过{cycle}个月（上次 {format_date(last)}）"
        else:
            item.reason = f"开工已超过{cycle}个月未再拨付人工费（上次 {format_date(last)}，计划开工 {format_date(start)}）"
    elif item.state == YELLOW:
        item.reason = f"下次人工费须于 {format_date(item.due_on)} 前拨付（{_left(item.due_on, today)}，上次 {format_date(last)}）"
    else:
        item.reason = f"上次拨付 {format_date(last)}，下次须于 {format_date(item.due_on)} 前拨付"
    return item


def _s2_payroll(project: Project, facts: Facts, today: dt.date, rules: Rules) -> ChecklistItem:
    """S2 总承包代发工资. A wage month counts from the month construction starts (planned_start_on); its wages are
    due by rules.pay_date(month) — S2.pay_day (15) of the next month: October's by 11-15 (in time on 11-15, red on
    11-16). Red when (a) a payroll on record is still unpaid after its pay date, or (b) last month was a month of
    construction and, its pay date passed, no paid payroll of last month is on record. Yellow when last month's
    payroll is outstanding and its pay date is within S.warning_days. A project without subcontractors records the
    general contractor's own payroll. Gaps before last month are left to the inspections (V2)."""
    item = ChecklistItem("S2", ITEM_LABELS["S2"], GREEN, "")
    start_month = month_start(project.planned_start_on)
    last_month = add_months(month_start(today), -1)
    late = [p for p in facts.payrolls if p.paid_on is None and rules.pay_date(p.month) < today]
    outstanding_due: dt.date | None = None
    missing_last = False
    if last_month >= start_month:
        of_last = [p for p in facts.payrolls if p.month == last_month]
        if not any(p.paid_on for p in of_last) or any(p.paid_on is None for p in of_last):
            outstanding_due = rules.pay_date(last_month)
            missing_last = not of_last
    if late or (outstanding_due and today > outstanding_due):
        item.state, item.red_by_date = RED, True
        dues = [rules.pay_date(p.month) for p in late] + ([outstanding_due] if outstanding_due else [])
        item.due_on = min(d for d in dues if d < today)
        reasons = [
            f"{p.subcontractor_name} {p.month:%Y-%m} 工资逾期未代发（应于 {format_date(rules.pay_date(p.month))} 前）"
            for p in late[:2]
        ]
        if missing_last and today > outstanding_due:
            reasons.insert(0, f"未登记 {last_month:%Y-%m} 工资代发（应于 {format_date(outstanding_due)} 前）")
        item.reason = "；".join(reasons[:2]) + (f"等{len(reasons)}项" if len(reasons) > 2 else "")
        return item
    if outstanding_due:
        item.due_on = outstanding_due
        item.state = _state_by_due(outstanding_due, today, rules)
        item.reason = f"{last_month:%Y-%m} 工资须于 {format_date(outstanding_due)} 前代发（{_left(outstanding_due, today)}）"
        return item
    next_month = max(month_start(today), start_month)
    item.due_on = rules.pay_date(next_month)
    paid = sum(1 for p in facts.payrolls if p.paid_on)
    done = f"已代发 {paid} 笔，" if paid else ""
    item.reason = f"{done}{next_month:%Y-%m} 工资须于 {format_date(item.due_on)} 前代发"
    return item


def _s4_bank(project: Project, facts: Facts, today: dt.date, rules: Rules) -> ChecklistItem:
    """S4 银行发放工资. Red at once when any payroll records a withheld wage card (扣押工资卡, a fact, not a date).
    Each paid payroll needs the bank's confirmation that it paid the workers' own accounts, due S4.confirm_days
    after paid_on (paid 11-10, 5 days: due 11-15, red 11-16); yellow within S.warning_days of that."""
    item = ChecklistItem("S4", ITEM_LABELS["S4"], GREEN, "")
    withheld = [p for p in facts.payrolls if p.wage_cards_withheld]
    waiting = [p for p in facts.payrolls if p.paid_on and not p.bank_confirmed_on]
    due = {p.pk: p.paid_on + dt.timedelta(days=rules.confirm_days) for p in waiting}
    if waiting:
        item.due_on = min(due.values())
    if withheld:
        item.state = RED
        names = "、".join(f"{p.subcontractor_name}（{p.month:%Y-%m}）" for p in withheld[:2])
        item.reason = f"存在扣押农民工工资卡：{names}" + (f"等{len(withheld)}笔" if len(withheld) > 2 else "")
        return item
    if waiting:
        first = min(waiting, key=lambda p: due[p.pk])
        item.state = _state_by_due(item.due_on, today, rules)
        what = f"{first.subcontractor_name} {first.month:%Y-%m} 代发（{format_date(first.paid_on)}）"
        if item.state == RED:
            item.red_by_date = True
            item.reason = f"{what}未取得银行直接支付到本人账户的确认（应于 {format_date(item.due_on)} 前）"
        else:
            item.reason = (
                f"{what}须于 {format_date(item.due_on)} 前登记银行确认（{_left(item.due_on, today)}）"
            )
        if len(waiting) > 1:
            item.reason += f"，共{len(waiting)}笔待确认"
        return item
    paid = sum(1 for p in facts.payrolls if p.paid_on)
    item.reason = (
        f"已代发 {paid} 笔，均经银行直接支付到农民工本人账户"
        if paid
        else "暂无已代发的工资；代发后登记银行确认"
    )
    return item


def account_open_due(project: Project) -> dt.date:
    """S3: the last day to open the wage account — contract_signed_on + S3.account_open_days (day 30 after a
    2026-09-01 signing is 2026-10-01, in time; 2026-10-02, day 31, is red)."""
    return _days_after(project.contract_signed_on, "S3.account_open_days")


def account_filing_due(opened_on: dt.date) -> dt.date:
    """S3: the last day to file the account with HRSS — opened_on + S3.account_filing_days."""
    return _days_after(opened_on, "S3.account_filing_days")


def _s3_account(project: Project, facts: Facts, today: dt.date, rules: Rules) -> ChecklistItem:
    """S3 农民工工资专用账户: opened by account_open_due (signing + 30 days: day 30 in time, day 31 red), filed with
    HRSS by account_filing_due (opening + 30 days, the same edge). An account opened or filed late is no longer
    missing: green, with the lateness in the reason."""
    item = ChecklistItem("S3", ITEM_LABELS["S3"], GREEN, "")
    account = facts.account
    open_due = account_open_due(project)
    if account is None:
        item.due_on = open_due
        item.state = _state_by_due(open_due, today, rules)
        if item.state == RED:
            item.red_by_date = True
            item.reason = (
                f"合同签订（{format_date(project.contract_signed_on)}）后{_days_text('S3.account_open_days')}内"
                f"未开立农民工工资专用账户（应于 {format_date(open_due)} 前）"
            )
        else:
            item.reason = f"须于 {format_date(open_due)} 前开立农民工工资专用账户（{_left(open_due, today)}）"
        return item
    late_open = (account.opened_on - open_due).days
    opened = f"{account.bank_name} 于 {format_date(account.opened_on)} 开户" + (
        f"（晚于期限{late_open}天）" if late_open > 0 else ""
    )
    filing_due = account_filing_due(account.opened_on)
    if account.filed_on is None:
        item.due_on = filing_due
        item.state = _state_by_due(filing_due, today, rules)
        if item.state == RED:
            item.red_by_date = True
            item.reason = f"{opened}，{_days_text('S3.account_filing_days')}内未向人社局备案（应于 {format_date(filing_due)} 前）"
        else:
            item.reason = (
                f"{opened}，须于 {format_date(filing_due)} 前向人社局备案（{_left(filing_due, today)}）"
            )
        return item
    late_filing = (account.filed_on - filing_due).days
    item.reason = f"{opened}，{format_date(account.filed_on)} 已备案" + (
        f"（晚于期限{late_filing}天）" if late_filing > 0 else ""
    )
    return item


def _s5_real_name(project: Project, facts: Facts, today: dt.date, rules: Rules) -> ChecklistItem:
    """S5 实名制管理. In place before work starts (due the day before planned_start_on, red from it): a
    劳资专管员 named, workers registered, attendance and wage ledgers kept. Red at once, whatever the date, when
    registered_workers < labour_contracts (contracted workers not registered may not be on site) or the reverse
    (registered workers without a labour contract)."""
    item = ChecklistItem("S5", ITEM_LABELS["S5"], GREEN, "")
    record = facts.real_name
    if record is not None and record.registered_workers < record.labour_contracts:
        item.state = RED
        item.reason = (
            f"签订劳动合同{record.labour_contracts}人，实名登记仅{record.registered_workers}人，"
            f"{record.labour_contracts - record.registered_workers}人未登记不得进场施工"
        )
        return item
    if record is not None and record.registered_workers > record.labour_contracts:
        item.state = RED
        item.reason = (
            f"实名登记{record.registered_workers}人，签订劳动合同仅{record.labour_contracts}人，"
            f"{record.registered_workers - record.labour_contracts}人未签订劳动合同"
        )
        return item
    missing = []
    if record is None:
        missing.append("实名制管理台账")
    else:
        if not record.labour_manager_name.strip():
            missing.append("劳资专管员")
        if record.registered_workers == 0:
            missing.append("用工实名登记")
        if not record.attendance_ledger:
            missing.append("考勤台账")
        if not record.wage_ledger:
            missing.append("工资台账")
    if not missing:
        item.reason = (
            f"劳资专管员 {record.labour_manager_name}；签订劳动合同、实名登记各{record.registered_workers}人；"
            "考勤、工资台账齐全"
        )
        return item
    start = project.planned_start_on
    item.due_on = start - dt.timedelta(days=1)
    item.state = _state_by_due(item.due_on, today, rules)
    what = "、".join(missing)
    if item.state == RED:
        item.red_by_date = True
        item.reason = f"已开工（计划 {format_date(start)}），缺{what}"
    else:
        item.reason = f"开工（{format_date(start)}）前须配备：{what}（{_left(item.due_on, today)}）"
    return item


def training_due(project: Project) -> dt.date:
    """S6: a new project's training is due S6.training_days after planned_start_on (day 30 in time)."""
    return _days_after(project.planned_start_on, "S6.training_days")


def _s6_training(project: Project, facts: Facts, today: dt.date, rules: Rules) -> ChecklistItem:
    """S6 岗位维权培训: one training of all the project's workers, due training_due (planned start + 30 days;
    red from day 31)."""
    item = ChecklistItem("S6", ITEM_LABELS["S6"], GREEN, "")
    if facts.trainings:
        last = facts.trainings[-1]
        item.reason = f"{format_date(last.held_on)} 已培训 {last.attendees} 人" + (
            f"（共{len(facts.trainings)}次）" if len(facts.trainings) > 1 else ""
        )
        return item
    item.due_on = training_due(project)
    item.state = _state_by_due(item.due_on, today, rules)
    if item.state == RED:
        item.red_by_date = True
        item.reason = f"开工后{_days_text('S6.training_days')}内未组织岗位维权培训（应于 {format_date(item.due_on)} 前）"
    else:
        item.reason = (
            f"新开工项目须于 {format_date(item.due_on)} 前组织一次岗位维权培训（{_left(item.due_on, today)}）"
        )
    return item


_RULES = {
    "S1": _s1_allocation,
    "S2": _s2_payroll,
    "S3": _s3_account,
    "S4": _s4_bank,
    "S5": _s5_real_name,
    "S6": _s6_training,
}


def checklist_from(project: Project, facts: Facts, today: dt.date, rules: Rules) -> list[ChecklistItem]:
    """The checklist of one project from its loaded records (no query but the policy's, cached by the caller)."""
    page = reverse("supervision:five_project", args=[project.pk])
    items = []
    for code, _label, anchor in ITEMS:
        item = _RULES[code](project, facts, today, rules)
        item.fix_url = f"{page}#{anchor}"
        items.append(item)
    return items


def five_systems_checklist(project: Project, today: dt.date | None = None) -> list[ChecklistItem]:
    """S1–S6: the 五金五制 checklist of a pushed project as of `today` — one item per rule, each green, yellow
    (due within S.warning_days, 3 by default, the due day included) or red (overdue or missing), with the reason
    in words and a link to its records and form. Each rule is documented on its function (_s1_allocation …)."""
    today = today or timezone.localdate()
    with policy_snapshot():
        return checklist_from(project, load_facts([project.pk])[project.pk], today, Rules.load())


def checklists_for(projects: list[Project], today: dt.date | None = None) -> dict[int, list[ChecklistItem]]:
    """The checklists of many projects in a constant number of queries (the list page, the export)."""
    today = today or timezone.localdate()
    with policy_snapshot():
        rules = Rules.load()
        facts = load_facts([p.pk for p in projects])
        return {p.pk: checklist_from(p, facts[p.pk], today, rules) for p in projects}


# ------------------------------------------------------------------------------------------- stored state


def _event(project: Project, item: ChecklistItem) -> str:
    return f"five:{project.pk}:{item.code}:{item.due_on.isoformat()}"


def _red_by_date(items: list[ChecklistItem]) -> list[ChecklistItem]:
    return [i for i in items if i.state == RED and i.red_by_date and i.due_on]


def _untold(project: Project, items: list[ChecklistItem]) -> set[str]:
    """The codes of the items red by their date whose unit has not been told yet (one query, only when some are)."""
    from common.models import Notification

    red = {_event(project, i): i.code for i in _red_by_date(items)}
    if not red:
        return set()
    told = set(Notification.objects.filter(event__in=list(red)).values_list("event", flat=True).distinct())
    return {code for event, code in red.items() if event not in told}


def _next_change(
    items: list[ChecklistItem], today: dt.date, rules: Rules, *, untold: set[str]
) -> dt.date | None:
    """next_due_on — when the sweep must look at the row again (partial index compliance_next_due): the earliest
    day after `today` on which an item changes colour, a pending requirement turning yellow (due − S.warning_days)
    or red (due + 1), so the stored counts stay the checklist's and a red turn is told on its day; or, for an item
    already red by its date whose unit was not told yet (`untold`: after a write, or the recompute after a push),
    the day it turned red (≤ today), so the sweep's next run tells it."""
    changes = []
    for item in items:
        if item.due_on is None:
            continue
        if item.code in untold:
            changes.append(item.red_on)
        for day in (item.due_on - dt.timedelta(days=rules.warning_days), item.red_on):
            if day > today:
                changes.append(day)
    return min(changes, default=None)


def _stored_values(
    project: Project,
    facts: Facts,
    items: list[ChecklistItem],
    today: dt.date,
    rules: Rules,
    *,
    untold: set[str],
) -> dict:
    """The ProjectCompliance columns of a computed checklist."""
    by_code = {i.code: i for i in items}
    return {
        "allocation_due_on": by_code["S1"].due_on,
        "account_open_due_on": account_open_due(project),
        # The filing deadline exists once the account is opened.
        "account_filing_due_on": account_filing_due(facts.account.opened_on) if facts.account else None,
        "training_due_on": training_due(project),
        "red_items": sum(1 for i in items if i.state == RED),
        "yellow_items": sum(1 for i in items if i.state == YELLOW),
        "next_due_on": _next_change(items, today, rules, untold=untold),
        "computed_on": today,
    }


def _notify_red(project: Project, items: list[ChecklistItem]) -> int:
    """Tell the project's unit of each item red because its date passed — once per item and due date (the
    event key five:<project>:<code>:<due date> is unique per recipient, common.notifications)."""
    from common.notifications import notify, unit_recipients

    red = _red_by_date(items)
    if not red:
        return 0
    recipients = unit_recipients(project.unit)
    told = 0
    for item in red:
        told += bool(
            notify(
                event=_event(project, item),
                kind=NOTIFY_KIND,
                recipients=recipients,
                title=f"五制逾期：{project.name} {item.code} {item.label}",
                body=item.reason,
                url=item.fix_url,
            )
        )
    return told


def compliance_recompute(
    *, project: Project, today: dt.date | None = None, notify: bool = False
) -> tuple[ProjectCompliance, list[ChecklistItem], int]:
    """Recompute and store the project's 五制 state (counts, due dates, next_due_on) as of `today`, inside the
    caller's transaction (every 五制 write, the recompute after a push, the sweep). Only the sweep (`notify`) tells
    the unit of the items red by their date — once per item and due date; a write leaves next_due_on at the day
    such an item turned red, so the sweep's next run tells it (a clerk fixing one item is not told of a red that
    the same session fixes next). Returns (row, checklist, how many items were told now)."""
    today = today or timezone.localdate()
    with policy_snapshot():
        rules = Rules.load()
        facts = load_facts([project.pk])[project.pk]
        items = checklist_from(project, facts, today, rules)
        told = _notify_red(project, items) if notify else 0
        untold = set() if notify else _untold(project, items)
        compliance, _ = ProjectCompliance.objects.update_or_create(
            project=project, defaults=_stored_values(project, facts, items, today, rules, untold=untold)
        )
    return compliance, items, told


# ------------------------------------------------------------------------------------------------ the sweep


MISSING_BATCH = 200


def compliance_create_missing(today: dt.date) -> tuple[int, int]:
    """A ProjectCompliance row for every pushed project without one (pushed before this part existed, or in bulk),
    computed in batches of MISSING_BATCH (a constant number of queries per batch, plus the notifications).
    Returns (rows created, items told)."""
    created = told = 0
    while True:
        batch = list(
            Project.objects.filter(status=ProjectStatus.PUSHED, compliance__isnull=True)
            .select_related("unit")
            .order_by("pk")[:MISSING_BATCH]
        )
        if not batch:
            return created, told
        with transaction.atomic(), policy_snapshot():
            rules = Rules.load()
            facts = load_facts([p.pk for p in batch])
            rows, red = [], []
            for project in batch:
                items = checklist_from(project, facts[project.pk], today, rules)
                rows.append(
                    ProjectCompliance(
                        project=project,
                        **_stored_values(project, facts[project.pk], items, today, rules, untold=set()),
                    )
                )
                red.append((project, items))
            # ignore_conflicts: a write (or another sweep) created the row meanwhile; it computed it itself.
            ProjectCompliance.objects.bulk_create(rows, ignore_conflicts=True)
            for project, items in red:
                told += _notify_red(project, items)
        created += len(batch)


def _recompute_due(row: ProjectCompliance, today: dt.date) -> int:
    """A claimed due row recomputed: how many of its items turned red (and were told)."""
    project = Project.objects.select_related("unit").get(pk=row.project_id)
    _, _, told = compliance_recompute(project=project, today=today, notify=True)
    return told


def five_systems_sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """The sweep "supervision.five_systems" (common.sweeps): as of `now`'s date in Asia/Shanghai, create the
    missing rows of pushed projects, then recompute every row whose next_due_on has come — one query on the
    partial index compliance_next_due, each row claimed in its own short transaction — telling the project's unit
    once of each item that turned red. A run missed loses nothing: the next finds every date that passed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    created, told = compliance_create_missing(today)
    recomputed, turned_red = sweep_claim_each(
        ProjectCompliance.objects.filter(next_due_on__lte=today),
        lambda row: _recompute_due(row, today),
        order_by=("next_due_on", "pk"),
    )
    return {"created": created, "recomputed": recomputed, "notified": told + turned_red}


def five_systems_waiting(now: dt.datetime | None = None) -> int:
    """Rows whose next change has come and pushed projects without a row: what the sweep still has to do."""
    today = timezone.localdate(now or timezone.now())
    return (
        ProjectCompliance.objects.filter(next_due_on__lte=today).count()
        + Project.objects.filter(status=ProjectStatus.PUSHED, compliance__isnull=True).count()
    )


# ------------------------------------------------------------------------------------------------ services


def may_write_five_systems(user: User | None, project: Project) -> bool:
    """A writer of the project's unit, HRSS dispatchers and admins (common.access); never leaders."""
    return project.status == ProjectStatus.PUSHED and can_act_for_unit(user, project.unit_id)


def _writable(project: Project, actor: User) -> Project:
    """Lock the project (one 五制 write at a time per project, so the stored state is the last write's) and check
    who may write: leaders read only; a clerk writes for their own unit's projects only."""
    require_writer(actor)
    project = Project.objects.select_for_update(of=("self",)).select_related("unit").get(pk=project.pk)
    if not can_act_for_unit(actor, project.unit_id):
        raise PermissionDenied(NOT_YOUR_UNIT)
    if project.status != ProjectStatus.PUSHED:
        raise ValidationError({"__all__": NOT_PUSHED})
    return project


def _count(value, *, field: str, errors: dict, label: str, minimum: int) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = f"请填写{label}（整数）"
        return None
    if number < minimum:
        errors[field] = f"{label}不能为负数" if minimum == 0 else f"{label}至少为{minimum}"
        return None
    if number > 100000:
        errors[field] = f"{label}过大，请核对"
        return None
    return number


def _date(value, *, field: str, errors: dict, label: str, today: dt.date, required: bool = True):
    """A date not after today (a record of what happened)."""
    if value is None:
        if required:
            errors[field] = f"请填写{label}"
        return None
    if value > today:
        errors[field] = f"{label}不能晚于今天"
        return None
    return value


def _text(value, *, field: str, errors: dict, label: str, max_length: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = f"请填写{label}"
    elif len(value) > max_length:
        errors[field] = f"{label}最多{max_length}个字"
    return value


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def allocation_record(
    *,
    project: Project,
    actor: User,
    allocated_on: dt.date | None,
    amount,
    is_startup: bool = False,
    note: str = "",
) -> LabourCostAllocation:
    """S1: the owner placed labour cost in the wage account. A start-up allocation (开工前首笔) is dated on or
    before planned_start_on; no allocation predates the contract or lies in the future; the amount is > 0."""
    project = _writable(project, actor)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    allocated_on = _date(allocated_on, field="allocated_on", errors=errors, label="拨付日期", today=today)
    if allocated_on and allocated_on < project.contract_signed_on:
        errors["allocated_on"] = f"拨付日期不能早于合同签订日期（{format_date(project.contract_signed_on)}）"
    elif is_startup and allocated_on and allocated_on > project.planned_start_on:
        errors["allocated_on"] = (
            f"开工前首笔人工费须在计划开工日期（{format_date(project.planned_start_on)}）当日或之前拨付"
        )
    amount = money_yuan(amount, field="amount", errors=errors, label="拨付金额")
    note = _text(note, field="note", errors=errors, label="说明", max_length=200, required=False)
    _raise(errors)
    allocation = LabourCostAllocation.objects.create(
        project=project, allocated_on=allocated_on, amount=amount, is_startup=bool(is_startup), note=note,
        recorded_by=actor,
    )  # fmt: skip
    log_action(
        project,
        action="five.allocation_recorded",
        actor=actor,
        note=f"{'开工前首笔人工费' if is_startup else '人工费'} {format_money(amount)} 元（{format_date(allocated_on)}）",
        data={"allocation": allocation.pk},
    )
    compliance_recompute(project=project, today=today)
    return allocation


def _payroll_payment_errors(
    *, project, month, paid_on, proof, bank_confirmed_on, today, errors: dict
) -> tuple[str, dt.date | None, dt.date | None]:
    paid_on = _date(paid_on, field="paid_on", errors=errors, label="代发日期", today=today, required=False)
    if paid_on and month and paid_on < month:
        errors["paid_on"] = f"代发日期不能早于工资月份（{month:%Y-%m}）"
    proof = _text(proof, field="proof", errors=errors, label="支付凭证", max_length=200, required=False)
    if paid_on and not proof:
        errors["proof"] = "已代发的须填写支付凭证（银行代发回单编号等）"
    bank_confirmed_on = _date(
        bank_confirmed_on,
        field="bank_confirmed_on",
        errors=errors,
        label="银行确认日期",
        today=today,
        required=False,
    )
    if bank_confirmed_on and paid_on is None and "paid_on" not in errors:
        errors["bank_confirmed_on"] = "尚未代发，不能登记银行确认"
    elif bank_confirmed_on and paid_on and bank_confirmed_on < paid_on:
        errors["bank_confirmed_on"] = "银行确认日期不能早于代发日期"
    return proof, paid_on, bank_confirmed_on


@transaction.atomic
def payroll_record(
    *,
    project: Project,
    actor: User,
    month: dt.date | None,
    subcontractor_name: str,
    workers,
    amount,
    paid_on: dt.date | None = None,
    proof: str = "",
    bank_confirmed_on: dt.date | None = None,
    wage_cards_withheld: bool = False,
) -> SubcontractorPayroll:
    """S2/S4: one month's payroll of one subcontractor (once per month and subcontractor), paid by the general
    contractor; the month is not in the future nor before the contract; workers ≥ 1, amount > 0; once paid it
    carries its proof; the bank's confirmation is not before the payment."""
    project = _writable(project, actor)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if month is None:
        errors["month"] = "请填写工资月份"
    else:
        month = month_start(month)
        if month > month_start(today):
            errors["month"] = "工资月份不能晚于本月"
        elif month < month_start(project.contract_signed_on):
            errors["month"] = f"工资月份不能早于合同签订月份（{project.contract_signed_on:%Y-%m}）"
    name = _text(
        subcontractor_name,
        field="subcontractor_name",
        errors=errors,
        label="分包单位",
        max_length=200,
        required=True,
    )
    workers = _count(workers, field="workers", errors=errors, label="人数", minimum=1)
    amount = money_yuan(amount, field="amount", errors=errors, label="代发金额")
    proof, paid_on, bank_confirmed_on = _payroll_payment_errors(
        project=project, month=month if "month" not in errors else None, paid_on=paid_on, proof=proof,
        bank_confirmed_on=bank_confirmed_on, today=today, errors=errors,
    )  # fmt: skip
    if (
        name
        and "month" not in errors
        and SubcontractorPayroll.objects.filter(
            project=project, month=month, subcontractor_name=name
        ).exists()
    ):
        errors["subcontractor_name"] = f"{name} {month:%Y-%m} 的工资已登记，请在该记录上更新代发情况"
    _raise(errors)
    try:
        with transaction.atomic():
            payroll = SubcontractorPayroll.objects.create(
                project=project, month=month, subcontractor_name=name, workers=workers, amount=amount,
                paid_on=paid_on, proof=proof, bank_confirmed_on=bank_confirmed_on,
                wage_cards_withheld=bool(wage_cards_withheld), recorded_by=actor,
            )  # fmt: skip
    except IntegrityError:  # the same payroll saved by a concurrent request
        raise ValidationError({"subcontractor_name": f"{name} {month:%Y-%m} 的工资已登记"}) from None
    log_action(
        project,
        action="five.payroll_recorded",
        actor=actor,
        note=f"{name} {month:%Y-%m} 工资 {workers}人 {format_money(amount)} 元"
        + (f"，{format_date(paid_on)} 代发" if paid_on else "，尚未代发")
        + ("；存在扣押工资卡" if wage_cards_withheld else ""),
        data={"payroll": payroll.pk},
    )
    compliance_recompute(project=project, today=today)
    return payroll


@transaction.atomic
def payroll_update(
    *,
    payroll: SubcontractorPayroll,
    actor: User,
    paid_on: dt.date | None,
    proof: str,
    bank_confirmed_on: dt.date | None,
    wage_cards_withheld: bool,
) -> SubcontractorPayroll:
    """S2/S4: the payment of a recorded payroll (date, proof), the bank's confirmation that it paid each worker's
    own account, and whether wage cards are withheld (a withheld card makes S4 red)."""
    project = _writable(payroll.project, actor)
    payroll = SubcontractorPayroll.objects.select_for_update().get(pk=payroll.pk, project=project)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    proof, paid_on, bank_confirmed_on = _payroll_payment_errors(
        project=project, month=payroll.month, paid_on=paid_on, proof=proof, bank_confirmed_on=bank_confirmed_on,
        today=today, errors=errors,
    )  # fmt: skip
    _raise(errors)
    before = {
        "paid_on": payroll.paid_on, "proof": payroll.proof, "bank_confirmed_on": payroll.bank_confirmed_on,
        "wage_cards_withheld": payroll.wage_cards_withheld,
    }  # fmt: skip
    payroll.paid_on, payroll.proof = paid_on, proof
    payroll.bank_confirmed_on, payroll.wage_cards_withheld = bank_confirmed_on, bool(wage_cards_withheld)
    payroll.save(update_fields=["paid_on", "proof", "bank_confirmed_on", "wage_cards_withheld"])
    parts = []
    if paid_on:
        parts.append(f"{format_date(paid_on)} 代发（凭证 {proof}）")
    if bank_confirmed_on:
        parts.append(f"{format_date(bank_confirmed_on)} 银行确认")
    parts.append("存在扣押工资卡" if wage_cards_withheld else "无扣押工资卡")
    log_action(
        project,
        action="five.payroll_updated",
        actor=actor,
        note=f"{payroll.subcontractor_name} {payroll.month:%Y-%m}：" + "，".join(parts),
        data={
            "payroll": payroll.pk,
            "before": {k: str(v) if v is not None else None for k, v in before.items()},
        },
    )
    compliance_recompute(project=project, today=today)
    return payroll


@transaction.atomic
def wage_account_save(
    *,
    project: Project,
    actor: User,
    bank_name: str,
    account_number: str,
    opened_on: dt.date | None,
    filed_on: dt.date | None = None,
) -> WageAccount:
    """S3: the project's dedicated wage account (one per project; a later save adds the filing date or corrects
    it). Refused: an account opened before the contract was signed (at opened_on), dates in the future, filing
    before opening. Opening after signing + S3.account_open_days is recorded — late, not missing."""
    project = _writable(project, actor)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    bank_name = _text(
        bank_name, field="bank_name", errors=errors, label="开户银行", max_length=100, required=True
    )
    number = "".join((account_number or "").split())
    if not number:
        errors["account_number"] = "请填写账号"
    elif not number.isdigit() or not 8 <= len(number) <= 32:
        errors["account_number"] = "账号应为8至32位数字"
    opened_on = _date(opened_on, field="opened_on", errors=errors, label="开户日期", today=today)
    if opened_on and opened_on < project.contract_signed_on:
        errors["opened_on"] = (
            f"开户日期不能早于合同签订日期（{format_date(project.contract_signed_on)}）："
            "专用账户按工程建设项目在施工合同签订后开立"
        )
    filed_on = _date(filed_on, field="filed_on", errors=errors, label="备案日期", today=today, required=False)
    if filed_on and opened_on and filed_on < opened_on:
        errors["filed_on"] = "备案日期不能早于开户日期"
    _raise(errors)
    account = WageAccount.objects.select_for_update().filter(project=project).first()
    created = account is None
    if created:
        account = WageAccount(project=project, recorded_by=actor)
    account.bank_name, account.account_number = bank_name, number
    account.opened_on, account.filed_on = opened_on, filed_on
    account.recorded_by, account.recorded_at = actor, timezone.now()
    account.save()
    log_action(
        project,
        action="five.account_saved",
        actor=actor,
        note=f"{bank_name} 账号尾号{number[-4:]}，{format_date(opened_on)} 开户"
        + (f"，{format_date(filed_on)} 备案" if filed_on else "，尚未备案")
        + ("" if created else "（更新）"),
        data={"account": account.pk, "created": created},
    )
    compliance_recompute(project=project, today=today)
    return account


@transaction.atomic
def real_name_save(
    *,
    project: Project,
    actor: User,
    labour_contracts,
    registered_workers,
    labour_manager_name: str,
    labour_manager_phone: str = "",
    attendance_ledger: bool = False,
    wage_ledger: bool = False,
) -> RealNameRecord:
    """S5: the project's real-name management as it stands (one record per project, updated): labour contracts,
    registered workers (counts ≥ 0), the 劳资专管员, the attendance and wage ledgers."""
    project = _writable(project, actor)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    contracts = _count(
        labour_contracts, field="labour_contracts", errors=errors, label="签订劳动合同人数", minimum=0
    )
    registered = _count(
        registered_workers, field="registered_workers", errors=errors, label="实名登记人数", minimum=0
    )
    manager = _text(
        labour_manager_name,
        field="labour_manager_name",
        errors=errors,
        label="劳资专管员",
        max_length=50,
        required=False,
    )
    phone = _text(
        labour_manager_phone,
        field="labour_manager_phone",
        errors=errors,
        label="劳资专管员电话",
        max_length=30,
        required=False,
    )
    if phone and not all(c.isdigit() or c in "-+ " for c in phone):
        errors["labour_manager_phone"] = "电话只能包含数字和“-”"
    _raise(errors)
    record = RealNameRecord.objects.select_for_update().filter(project=project).first() or RealNameRecord(
        project=project, updated_by=actor
    )
    record.labour_contracts, record.registered_workers = contracts, registered
    record.labour_manager_name, record.labour_manager_phone = manager, phone
    record.attendance_ledger, record.wage_ledger = bool(attendance_ledger), bool(wage_ledger)
    record.updated_by, record.updated_at = actor, timezone.now()
    record.save()
    log_action(
        project,
        action="five.real_name_saved",
        actor=actor,
        note=f"劳动合同{contracts}人，实名登记{registered}人，劳资专管员 {manager or '未配备'}；"
        f"考勤台账{'有' if attendance_ledger else '无'}，工资台账{'有' if wage_ledger else '无'}",
        data={"real_name": record.pk},
    )
    compliance_recompute(project=project, today=today)
    return record


@transaction.atomic
def training_record(
    *, project: Project, actor: User, held_on: dt.date | None, attendees, trainer: str = "", note: str = ""
) -> RightsTraining:
    """S6: a rights-protection training of the project's workers (date not in the future nor before the contract,
    attendees ≥ 1)."""
    project = _writable(project, actor)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    held_on = _date(held_on, field="held_on", errors=errors, label="培训日期", today=today)
    if held_on and held_on < project.contract_signed_on:
        errors["held_on"] = f"培训日期不能早于合同签订日期（{format_date(project.contract_signed_on)}）"
    attendees = _count(attendees, field="attendees", errors=errors, label="参训人数", minimum=1)
    trainer = _text(
        trainer, field="trainer", errors=errors, label="授课人/单位", max_length=100, required=False
    )
    note = _text(note, field="note", errors=errors, label="说明", max_length=200, required=False)
    _raise(errors)
    training = RightsTraining.objects.create(
        project=project, held_on=held_on, attendees=attendees, trainer=trainer, note=note, recorded_by=actor
    )
    log_action(
        project,
        action="five.training_recorded",
        actor=actor,
        note=f"{format_date(held_on)} 岗位维权培训 {attendees} 人" + (f"（{trainer}）" if trainer else ""),
        data={"training": training.pk},
    )
    compliance_recompute(project=project, today=today)
    return training


# ------------------------------------------------------------------------------------------------ selectors


STATES = (RED, YELLOW, GREEN)
STATE_FILTERS = {
    RED: Q(compliance__red_items__gt=0),
    YELLOW: Q(compliance__red_items=0, compliance__yellow_items__gt=0),
    GREEN: Q(compliance__red_items=0, compliance__yellow_items=0),
}


def five_projects_visible_to(user: User) -> QuerySet[Project]:
    """Pushed projects the user may see (common.access.visible_to: a clerk their unit's, HRSS/leaders/admins all)."""
    return visible_to(user, Project.objects.filter(status=ProjectStatus.PUSHED))


def five_project_search(
    user: User, *, state: str = "", unit: int | str | None = None, q: str = ""
) -> QuerySet[Project]:
    """The list supervision:five_list (and the API): pushed projects with their stored 五制 state. state=red: at
    least one red item; yellow: none red, at least one yellow; green: none red or yellow — counted from
    ProjectCompliance as the sweep and the writes keep it (the dashboard counts the same conditions)."""
    qs = five_projects_visible_to(user).select_related("unit", "contractor", "compliance")
    if state in STATE_FILTERS:
        qs = qs.filter(STATE_FILTERS[state])
    if unit:
        qs = qs.filter(unit_id=unit)
    q = (q or "").strip()
    if q:
        qs = qs.filter(text_match(q, "name", "contractor__name") | Q(contractor__uscc__iexact=q))
    return qs.order_by("-compliance__red_items", "-compliance__yellow_items", "compliance__next_due_on", "pk")


def five_state_counts(qs: QuerySet[Project]) -> dict[str, int]:
    """{red, yellow, green, pending (no row yet)} of a project queryset, in one query."""
    counts = qs.order_by().aggregate(
        red=Count("pk", filter=STATE_FILTERS[RED]),
        yellow=Count("pk", filter=STATE_FILTERS[YELLOW]),
        green=Count("pk", filter=STATE_FILTERS[GREEN]),
        pending=Count("pk", filter=Q(compliance__isnull=True)),
    )
    return {k: v or 0 for k, v in counts.items()}


def compliance_state(compliance: ProjectCompliance | None) -> str:
    """The project's overall state from its stored row ("" while no row exists)."""
    if compliance is None:
        return ""
    if compliance.red_items:
        return RED
    return YELLOW if compliance.yellow_items else GREEN


# ------------------------------------------------------------------------------------------------ the panel


def five_systems_panel(request, project: Project) -> str:
    """The 五金五制 card on the project page, for whoever may see the project (its page already checked); the
    record form links only for the project's unit's writers and HRSS. Nothing for a draft project."""
    from django.template.loader import render_to_string

    if project.status != ProjectStatus.PUSHED or request is None:
        return ""
    user = request.user
    if not visible_to(user, Project.objects.filter(pk=project.pk)).exists():
        return ""
    today = timezone.localdate()
    return render_to_string(
        "supervision/five_systems/_panel.html",
        {
            "project": project,
            "items": five_systems_checklist(project, today),
            "may_write": may_write_five_systems(user, project),
            "warning_days": policy_value("S.warning_days"),
            "today": today,
        },
        request=request,
    )


# --------------------------------------------------------------------------------------------- demo records


def seed_demo_records() -> None:
    """Demo 五制 records for the pushed demo projects, relative to today: one all green, one yellow (the account
    not filed, due in two days), one red (no start-up allocation though construction started, wage cards
    withheld), the others partly recorded. Idempotent: a project with any 五制 record is left as it is. Every
    pushed project then gets its stored state (the sweep's catch-up)."""
    today = timezone.localdate()
    projects = {p.name: p for p in Project.objects.filter(status=ProjectStatus.PUSHED).select_related("unit")}

    def clerk_of(project):
        return (
            User.objects.filter(unit=project.unit, role="clerk", is_active=True).order_by("pk").first()
            or User.objects.filter(role="dispatcher").order_by("pk").first()
            or User.objects.filter(is_superuser=True).order_by("pk").first()
        )

    def untouched(project) -> bool:
        return not (
            LabourCostAllocation.objects.filter(project=project).exists()
            or WageAccount.objects.filter(project=project).exists()
            or RealNameRecord.objects.filter(project=project).exists()
        )

    def clamp(day: dt.date, project) -> dt.date:
        return min(max(day, project.contract_signed_on), today)

    def full(project, *, file_account=True, withheld=False, startup=True, train=True, real_name_ok=True):
        actor = clerk_of(project)
        signed, start = project.contract_signed_on, project.planned_start_on
        # Filed at once, or (the yellow demo) opened 28 days ago and not filed: the filing falls due in 2 days.
        opened = clamp(
            signed + dt.timedelta(days=5) if file_account else today - dt.timedelta(days=28), project
        )
        wage_account_save(
            project=project, actor=actor, bank_name="中国建设银行焦作中站支行",
            account_number=f"4105017{project.pk:04d}8800{project.pk % 10}",
            opened_on=opened, filed_on=clamp(opened + dt.timedelta(days=7), project) if file_account else None,
        )  # fmt: skip
        if startup:
            allocation_record(
                project=project, actor=actor, allocated_on=clamp(start - dt.timedelta(days=3), project),
                amount=Decimal("180000.00"), is_startup=True, note="开工前人工费预拨",
            )  # fmt: skip
        if start < today - dt.timedelta(days=10):
            allocation_record(
                project=project, actor=actor, allocated_on=today - dt.timedelta(days=6),
                amount=Decimal("236500.00"), note="按月拨付人工费",
            )  # fmt: skip
        real_name_save(
            project=project, actor=actor, labour_contracts=46, registered_workers=46 if real_name_ok else 41,
            labour_manager_name="郭晓燕", labour_manager_phone="13839100231", attendance_ledger=True,
            wage_ledger=True,
        )  # fmt: skip
        month = month_start(start)
        last_month = add_months(month_start(today), -1)
        while month <= last_month:
            pay_date = Rules.load().pay_date(month)
            paid = clamp(min(pay_date - dt.timedelta(days=2), today), project)
            paid = max(paid, month)
            for n, (sub, workers, amount) in enumerate(
                [("焦作市恒信劳务有限公司", 28, "168400.00"), ("河南筑安钢结构工程有限公司", 18, "121350.00")]
            ):
                payroll_record(
                    project=project, actor=actor, month=month, subcontractor_name=sub, workers=workers,
                    amount=Decimal(amount), paid_on=paid, proof=f"DF{month:%Y%m}{project.pk:03d}{n}",
                    bank_confirmed_on=min(paid + dt.timedelta(days=1), today),
                    wage_cards_withheld=withheld and n == 1,
                )  # fmt: skip
            month = add_months(month, 1)
        if train and start <= today:
            training_record(
                project=project, actor=actor, held_on=clamp(start + dt.timedelta(days=2), project),
                attendees=44, trainer="区劳动保障维权中心", note="《保障农民工工资支付条例》宣讲",
            )  # fmt: skip

    plans = {
        "中站区老旧小区改造（一期）": {},  # green
        "王封片区雨污分流管网工程": {"file_account": False},  # yellow: the account's filing due in 2 days
        "S233龙洞段改建工程": {"startup": False, "withheld": True},  # red
        "月山至丹河农村公路提升": {"train": False, "real_name_ok": False},  # red: contracts ≠ registered
    }
    for name, plan in plans.items():
        project = projects.get(name)
        if project is not None and untouched(project):
            full(project, **plan)
    # Any other pushed project (李封街道办公楼 …) keeps no records: its deadlines ahead show green or yellow. The
    # sweep's run gives every pushed project its row and tells the units of what is red now.
    five_systems_sweep(timezone.now())
