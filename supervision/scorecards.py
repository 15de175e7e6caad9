"""V6 考核: per-unit scorecards for a period — the figures the district's annual assessment takes, each with its
formula written where it is shown (the page, the Excel export, the PDF) from the one list below (MEASURES).

A scorecard reads the period's records (a constant number of queries) and computes in Python:
- P6 push timeliness: projects whose push deadline falls in the period and is decided (pushed, or past due), by
  projects.selectors.with_timeliness (the one P6 definition);
- C3 steps: the clues received in the period; each step's due time is clues.ladder.due_after (calendar days, or
  working days through common.workdays — one calendar computation for the whole period, see _due_function);
  a step counts once it is due or met, and is missed when met late or still unmet after its due time. Step 1
  (交办) is HRSS's; steps 2–4 the responsible unit's (HRSS's while nobody was given the clue: C6);
- the median time from dispatch to the unit's acknowledgement (acknowledged_at − dispatched_at);
- the C3 letters (提醒函, 通报) written in the period to or about the unit (as clues.selectors.letter_search's
  unit filter counts them);
- D2/D4 notices whose deposit deadline falls in the period: deposited on or before it, or not;
- V2 rectification orders and V5 meeting tasks whose deadline falls in the period: closed/done by it, or not.

A measure with nothing to assess for a unit (no project due, no clue…) is left out of its total, and the weights
of the others are scaled up: total = Σ(weight × score) ÷ Σ(weight of the measures assessed).

Computing reads every clue received in the period (1.7 s at 100,000 clues, 5 s at 1,000,000 on PostgreSQL), so no
request computes: the district's table is stored per period (supervision.models.ScorecardSnapshot) and the page,
the Excel, the PDF job and the API read it. It is refreshed (scorecard_refresh: compute, then upsert in one
transaction) by the `supervision.scorecards` sweep every 15 minutes for the current week, month, quarter and year,
and by the `supervision.scorecard_refresh` job (common.jobs, with progress) that the page starts for a period
with no snapshot, or when someone asks for 重新计算. The figures do not depend on who asks (a clerk's rank needs
everyone's totals): one table for the district, of which each user is shown the rows common.access lets them see.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import statistics
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Coalesce
from django.utils import timezone

from clues.ladder import STEP_LABELS, STEP_PARAMETERS, STEPS, due_after
from clues.models import Clue, Letter, LetterKind
from common.access import sees_all_units
from common.models import Unit, UnitType
from common.policy import policy_parameter, policy_snapshot
from common.workdays import working_days_late_many
from deposits.models import Notice, NoticeStatus
from projects.models import Project, Timeliness
from projects.selectors import with_timeliness

from .dashboard import PERIODS, Period, period_for
from .models import MeetingTask, RectificationOrder, RectificationStatus, ScorecardSnapshot

HUNDRED = Decimal(100)
FEEDBACK_FULL_HOURS = 24  # C3: dispatched within day 1, acknowledged by day 2 — a day for the unit to sign
FEEDBACK_ZERO_HOURS = 96  # C3 step 4: by day 4 the case goes to the district's principal leaders
LETTER_WEIGHTS = {LetterKind.REMINDER: 1, LetterKind.ESCALATION: 2}


@dataclasses.dataclass(frozen=True)
class Measure:
    code: str
    label: str
    rule: str
    weight: int
    formula: str


MEASURES = [
    Measure(
        "push",
        "项目推送及时率",
        "P6",
        20,
        "按时推送数 ÷（按时推送 + 逾期推送 + 逾期未推送）× 100；统计推送截止日期在考核期内、已推送或已过截止日期的项目",
    ),
    Measure(
        "steps",
        "线索“12345”各环节按时率",
        "C3",
        25,
        "100 ×（1 − 逾期环节数 ÷ 应办环节数）；考核期内接收的线索，交办（第1步）计区人社局，签收反馈、"
        "提醒函（第3日前签收）、通报（第4日前有进展）计责任单位；已到期或已完成的环节为应办环节，"
        "逾期完成或到期未完成为逾期",
    ),
    Measure(
        "feedback_time",
        "交办至签收中位时长",
        "C3",
        10,
        f"中位时长（签收时间 − 交办时间）≤ {FEEDBACK_FULL_HOURS} 小时得100分，≥ {FEEDBACK_ZERO_HOURS} 小时得0分，"
        "其间按小时线性计分",
    ),
    Measure(
        "letters",
        "收到提醒函、通报",
        "C3",
        10,
        f"100 ×（1 −（提醒函件数 + {LETTER_WEIGHTS[LetterKind.ESCALATION]} × 通报件数）÷ 考核期内接收、由本单位"
        "承办的线索数），最低0分；函件为考核期内生成、主送或涉及本单位的；未交办的线索计区人社局",
    ),
    Measure(
        "notices",
        "保证金通知书按期缴存率",
        "D2/D4",
        15,
        "缴存期限内缴存的通知书数 ÷ 缴存期限在考核期内且已缴存或已过期限的通知书数 × 100",
    ),
    Measure(
        "rectifications",
        "限期整改按期办结率",
        "V2",
        10,
        "整改期限内办结的整改单数 ÷ 整改期限在考核期内且已办结或已过期限的整改单数 × 100",
    ),
    Measure(
        "tasks",
        "联席会议任务按期完成率",
        "V5",
        10,
        "完成期限内完成的任务数 ÷ 完成期限在考核期内且已完成或已过期限的任务数 × 100",
    ),
]
MEASURE_BY_CODE = {m.code: m for m in MEASURES}
TOTAL_FORMULA = (
    "总分 = Σ（各项权重 × 得分）÷ Σ（有考核数据的各项权重）；无考核数据的项目不计入，按总分由高到低排名"
)


def _round(value: Decimal | float | None, places: str = "0.1") -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _share(part: int, whole: int) -> Decimal | None:
    return _round(HUNDRED * part / whole) if whole else None


@dataclasses.dataclass
class Scorecard:
    unit: Unit
    push_on_time: int = 0
    push_late: int = 0
    push_overdue: int = 0
    clues: int = 0  # the period's clues this unit handled (responsible; HRSS while not dispatched)
    step_due: dict = dataclasses.field(default_factory=lambda: dict.fromkeys(STEPS, 0))
    step_missed: dict = dataclasses.field(default_factory=lambda: dict.fromkeys(STEPS, 0))
    feedback_hours: list = dataclasses.field(default_factory=list)
    letters: dict = dataclasses.field(default_factory=lambda: dict.fromkeys(LetterKind.values, 0))
    notices_due: int = 0
    notices_in_time: int = 0
    orders_due: int = 0
    orders_on_time: int = 0
    tasks_due: int = 0
    tasks_on_time: int = 0
    tasks_done: int = 0
    scores: dict = dataclasses.field(default_factory=dict)
    total: Decimal | None = None
    rank: int | None = None
    median_feedback_hours: Decimal | None = None  # set by score(); a snapshot keeps it, not feedback_hours

    @property
    def push_due(self) -> int:
        return self.push_on_time + self.push_late + self.push_overdue

    @property
    def steps_due(self) -> int:
        return sum(self.step_due.values())

    @property
    def steps_missed(self) -> int:
        return sum(self.step_missed.values())

    @property
    def letters_total(self) -> int:
        return sum(self.letters.values())

    def score(self) -> None:
        """Each measure's score (None: nothing to assess), then the weighted total."""
        s = self.scores
        self.median_feedback_hours = (
            _round(statistics.median(self.feedback_hours)) if self.feedback_hours else None
        )
        s["push"] = _share(self.push_on_time, self.push_due)
        s["steps"] = (
            _round(HUNDRED - HUNDRED * self.steps_missed / self.steps_due) if self.steps_due else None
        )
        median = self.median_feedback_hours
        if median is None:
            s["feedback_time"] = None
        else:
            span = Decimal(FEEDBACK_ZERO_HOURS - FEEDBACK_FULL_HOURS)
            s["feedback_time"] = _round(
                max(Decimal(0), min(HUNDRED, HUNDRED * (FEEDBACK_ZERO_HOURS - median) / span))
            )
        if self.clues:
            weighted = sum(LETTER_WEIGHTS[k] * n for k, n in self.letters.items())
            s["letters"] = _round(max(Decimal(0), HUNDRED - HUNDRED * weighted / self.clues))
        else:
            s["letters"] = None
        s["notices"] = _share(self.notices_in_time, self.notices_due)
        s["rectifications"] = _share(self.orders_on_time, self.orders_due)
        s["tasks"] = _share(self.tasks_on_time, self.tasks_due)
        assessed = [m for m in MEASURES if s[m.code] is not None]
        weights = sum(m.weight for m in assessed)
        self.total = _round(sum(m.weight * s[m.code] for m in assessed) / weights) if weights else None


@dataclasses.dataclass
class ScorecardTable:
    period: Period
    now: dt.datetime
    rows: list[Scorecard]
    measures: list[Measure] = dataclasses.field(default_factory=lambda: MEASURES)
    total_formula: str = TOTAL_FORMULA
    step_labels: dict = dataclasses.field(default_factory=lambda: dict(STEP_LABELS))
    ranked: int = 0  # units with a total (the ranking's length)
    own_unit_only: bool = False  # a clerk's table: their row, ranked among all units

    @property
    def scope_note(self) -> str:
        return "仅本单位；排名为全区名次" if self.own_unit_only else ""


# ------------------------------------------------------------------------------------------ C3 due times


def _due_function(code: str, first: dt.date, last: dt.date):
    """received_at → clues.ladder.due_after(received_at, code), for receipts dated first…last (Asia/Shanghai).

    Calendar days: received_at + n days. Working days: due_after moves the local date n working days on and keeps
    the time of day, so the offset depends on the date alone; the working days of the whole span come from one
    common.workdays computation (working_days_late_many: day d is a working day when one fewer working day lies
    between it and the end than between the day before it and the end), not one calendar query per date."""
    days, kind = policy_parameter(code)
    days = int(days)
    if kind != "working_days" or days == 0:
        step = dt.timedelta(days=days)
        return lambda received: received + step
    horizon = last + dt.timedelta(days=2 * days + 40)
    span = [first - dt.timedelta(days=1) + dt.timedelta(days=k) for k in range((horizon - first).days + 2)]
    late = working_days_late_many(span, horizon + dt.timedelta(days=1))
    working = [day for previous, day in zip(span, span[1:], strict=False) if late[previous] - late[day] == 1]
    offsets: dict[dt.date, dt.timedelta] = {}
    index = 0
    for day in span[1:]:
        while index < len(working) and working[index] <= day:
            index += 1
        if index + days - 1 < len(working):
            offsets[day] = working[index + days - 1] - day

    def due(received: dt.datetime) -> dt.datetime:
        local = timezone.localtime(received)
        offset = offsets.get(local.date())
        if offset is None:  # outside the span computed (never for the period's own receipts)
            return due_after(received, code)
        naive = dt.datetime.combine(local.date() + offset, local.time().replace(tzinfo=None))
        return timezone.make_aware(naive, timezone.get_current_timezone())

    return due


# ----------------------------------------------------------------------------------------------- compute


def scorecards(user, *, period: Period, now: dt.datetime | None = None) -> ScorecardTable:
    """Every unit's scorecard for `period`, ranked, computed now; a clerk gets their own unit's row (with its rank
    among all). The pages read the stored table instead (scorecard_snapshot); this is for the tests and tools."""
    return visible_table(user, district_scorecards(period=period, now=now))


def visible_table(user, table: ScorecardTable) -> ScorecardTable:
    """The rows of the district's table that `user` may see: HRSS, leaders and admins every unit
    (common.access.sees_all_units), anyone else their own unit's row, with its rank among all."""
    if sees_all_units(user):
        return table
    unit_id = getattr(user, "unit_id", None)
    rows = [c for c in table.rows if unit_id is not None and c.unit.pk == unit_id]
    return dataclasses.replace(table, rows=rows, own_unit_only=True)


def district_scorecards(*, period: Period, now: dt.datetime | None = None, progress=None) -> ScorecardTable:
    """Every unit's scorecard for `period` as of `now`, ranked. The figures depend on the period and the time
    only, never on who asks. `progress(done, total)` (a job's JobRun.progress) hears how far the reading got:
    one step per clue of the period and one per other table."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    units = {u.pk: u for u in Unit.objects.order_by("sort_order", "pk")}
    # Every active unit has a row; a unit deactivated since gets one only if it has records in the period.
    cards = {pk: Scorecard(unit=u) for pk, u in units.items() if u.is_active}
    hrss = next((pk for pk, u in units.items() if u.unit_type == UnitType.HRSS), None)

    cohort_filter = {"received_at__gte": period.start_at, "received_at__lt": period.end_before}
    total = (Clue.objects.filter(**cohort_filter).count() + 5) if progress else 0
    done = 0

    def advance(n: int = 1) -> None:
        nonlocal done
        done += n
        if progress:
            progress(min(done, total), total)

    if progress:
        progress(0, total)

    def card(unit_id: int | None) -> Scorecard | None:
        unit_id = hrss if unit_id is None else unit_id
        if unit_id not in cards and unit_id in units:
            cards[unit_id] = Scorecard(unit=units[unit_id])
        return cards.get(unit_id)

    # P6: projects whose push deadline falls in the period, decided (pushed, or past the deadline).
    decided = (Timeliness.ON_TIME, Timeliness.LATE, Timeliness.OVERDUE)
    pushes = (
        with_timeliness(
            Project.objects.filter(push_deadline__gte=period.start, push_deadline__lte=period.end), today
        )
        .values("unit_id", "timeliness")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in pushes:
        c = card(row["unit_id"])
        if c is None or row["timeliness"] not in decided:
            continue
        attr = {
            Timeliness.ON_TIME: "push_on_time",
            Timeliness.LATE: "push_late",
            Timeliness.OVERDUE: "push_overdue",
        }
        setattr(c, attr[row["timeliness"]], getattr(c, attr[row["timeliness"]]) + row["n"])
    advance()

    # C3: the clues received in the period.
    with policy_snapshot():
        dues = {step: _due_function(STEP_PARAMETERS[step], period.start, period.end) for step in STEPS}
        # ladder.has_progress: a progress note, a result or the closure — one column from the database (reading
        # timestamps is most of the cost: psycopg parses each one).
        cohort = (
            Clue.objects.filter(**cohort_filter)
            .annotate(progressed_at=Coalesce("first_progress_at", "result_at", "closed_at"))
            .values_list(
                "received_at", "dispatched_at", "acknowledged_at", "progressed_at", "responsible_unit_id"
            )
        )
        for read, (received, dispatched, acknowledged, progressed, unit_id) in enumerate(
            cohort.iterator(chunk_size=5000), start=1
        ):
            if progress and read % 5000 == 0:
                advance(5000)
            met_at = {
                "dispatch": dispatched,
                "feedback": acknowledged,
                "reminder": acknowledged,
                "escalation": progressed,
            }
            holder = card(unit_id)
            if holder is not None:
                holder.clues += 1
            for step in STEPS:
                c = card(None if step == "dispatch" else unit_id)
                if c is None:
                    continue
                due = dues[step](received)
                met = met_at[step]
                if met is None and due > now:
                    continue  # not due yet, not met: nothing to assess
                c.step_due[step] += 1
                if (met is None and due <= now) or (met is not None and met > due):
                    c.step_missed[step] += 1
            if dispatched is not None and acknowledged is not None and unit_id is not None:
                c = card(unit_id)
                if c is not None:
                    c.feedback_hours.append((acknowledged - dispatched).total_seconds() / 3600)
        if progress:
            advance(total - 5 - done + 1)  # the rest of the clues (the push step came first)

    # C3 letters written in the period, counted for the unit responsible for the clue — HRSS's for a clue nobody
    # was given (the formula: 未交办的线索计区人社局), even when its 提醒函 went to the unit C2 suggested.
    for kind, responsible in Letter.objects.filter(
        created_at__gte=period.start_at, created_at__lt=period.end_before
    ).values_list("kind", "responsible_unit_id"):
        c = card(responsible)
        if c is not None:
            c.letters[kind] += 1
    advance()

    # D2/D4 notices due in the period.
    for unit_id, deadline, status, deposited_at in Notice.objects.filter(
        deadline__gte=period.start, deadline__lte=period.end
    ).values_list("unit_id", "deadline", "status", "deposited_at"):
        c = card(unit_id)
        deposited = status == NoticeStatus.DEPOSITED and deposited_at is not None
        if c is None or not (deposited or deadline < today):
            continue
        c.notices_due += 1
        c.notices_in_time += deposited and timezone.localtime(deposited_at).date() <= deadline
    advance()

    # V2 rectification orders due in the period.
    for unit_id, deadline, status, closed_on in RectificationOrder.objects.filter(
        deadline__gte=period.start, deadline__lte=period.end
    ).values_list("unit_id", "deadline", "status", "closed_on"):
        c = card(unit_id)
        if c is None or not (status != RectificationStatus.OPEN or deadline < today):
            continue
        c.orders_due += 1
        c.orders_on_time += (
            status == RectificationStatus.DONE and closed_on is not None and closed_on <= deadline
        )
    advance()

    # V5 meeting tasks due in the period.
    for unit_id, deadline, done_on in MeetingTask.objects.filter(
        deadline__gte=period.start, deadline__lte=period.end
    ).values_list("unit_id", "deadline", "done_on"):
        c = card(unit_id)
        if c is None or not (done_on is not None or deadline < today):
            continue
        c.tasks_due += 1
        c.tasks_done += done_on is not None
        c.tasks_on_time += done_on is not None and done_on <= deadline
    advance()

    rows = list(cards.values())
    for c in rows:
        c.score()
    ranked = sorted((c for c in rows if c.total is not None), key=lambda c: -c.total)
    previous, rank = None, 0
    for position, c in enumerate(ranked, start=1):
        if c.total != previous:
            rank, previous = position, c.total
        c.rank = rank
    rows.sort(key=lambda c: (c.rank is None, c.rank or 0, c.unit.sort_order, c.unit.pk))
    return ScorecardTable(period=period, now=now, rows=rows, ranked=len(ranked))


# ------------------------------------------------------------------------------------------------ output


def _cell(value):
    return "—" if value is None else value


def _missed(step: str):
    return lambda c: c.step_missed[step]


def scorecard_columns(table: ScorecardTable) -> list[tuple[str, object]]:
    """(header, row → value) of the printable PDF, as the page shows them ("2/4" pairs, "—" for no data); the
    Excel has its own columns, every count a number of its own (scorecard_excel_columns)."""
    labels = table.step_labels
    return [
        ("排名", lambda c: _cell(c.rank)),
        ("单位", lambda c: c.unit.name),
        ("推送：按时/应推送", lambda c: f"{c.push_on_time}/{c.push_due}"),
        ("推送得分", lambda c: _cell(c.scores["push"])),
        *[(f"{labels[s]}逾期", _missed(s)) for s in STEPS],
        ("环节：逾期/应办", lambda c: f"{c.steps_missed}/{c.steps_due}"),
        ("环节得分", lambda c: _cell(c.scores["steps"])),
        ("交办至签收中位时长（小时）", lambda c: _cell(c.median_feedback_hours)),
        ("时长得分", lambda c: _cell(c.scores["feedback_time"])),
        ("承办线索（件）", lambda c: c.clues),
        ("提醒函（件）", lambda c: c.letters[LetterKind.REMINDER]),
        ("通报（件）", lambda c: c.letters[LetterKind.ESCALATION]),
        ("函件得分", lambda c: _cell(c.scores["letters"])),
        ("通知书：按期缴存/到期", lambda c: f"{c.notices_in_time}/{c.notices_due}"),
        ("通知书得分", lambda c: _cell(c.scores["notices"])),
        ("整改：按期办结/到期", lambda c: f"{c.orders_on_time}/{c.orders_due}"),
        ("整改得分", lambda c: _cell(c.scores["rectifications"])),
        ("会议任务：按期完成/到期（已完成）", lambda c: f"{c.tasks_on_time}/{c.tasks_due}（{c.tasks_done}）"),
        ("任务得分", lambda c: _cell(c.scores["tasks"])),
        ("总分", lambda c: _cell(c.total)),
    ]


def scorecard_excel_columns(table: ScorecardTable) -> list[tuple[object, object]]:
    """(common.xlsx.Column, row → value) of the annual assessment's workbook: the page's columns with each pair
    ("2/4") split into numbers of their own under the measure's header (label and rule, as MEASURES names it),
    so that the district can sum and sort them; scores, hours and the total numbers shown as 0.0, and no data
    (a measure not assessed, no rank) an empty cell — never the page's "—"."""
    from common.xlsx import Column

    labels = table.step_labels
    group = {m.code: f"{m.label}（{m.rule}）" for m in table.measures}

    def count(label: str, code: str, get):
        return Column(label, group[code], width=6, number_format="0"), get

    def score(code: str):
        return Column("得分", group[code], width=6, number_format="0.0"), lambda c: c.scores[code]

    return [
        (Column("排名", width=5, number_format="0", bold=True), lambda c: c.rank),
        (Column("单位", width=30), lambda c: c.unit.name),  # 焦作市自然资源和规划局中站分局 on one line
        count("按时", "push", lambda c: c.push_on_time),
        count("应推", "push", lambda c: c.push_due),
        score("push"),
        *[count(f"{labels[s]}逾期", "steps", _missed(s)) for s in STEPS],
        count("逾期合计", "steps", lambda c: c.steps_missed),
        count("应办", "steps", lambda c: c.steps_due),
        score("steps"),
        (
            Column("中位时长（小时）", group["feedback_time"], width=8, number_format="0.0"),
            lambda c: c.median_feedback_hours,
        ),
        score("feedback_time"),
        count("承办线索", "letters", lambda c: c.clues),
        count("提醒函", "letters", lambda c: c.letters[LetterKind.REMINDER]),
        count("通报", "letters", lambda c: c.letters[LetterKind.ESCALATION]),
        score("letters"),
        count("按期缴存", "notices", lambda c: c.notices_in_time),
        count("到期", "notices", lambda c: c.notices_due),
        score("notices"),
        count("按期办结", "rectifications", lambda c: c.orders_on_time),
        count("到期", "rectifications", lambda c: c.orders_due),
        score("rectifications"),
        count("按期完成", "tasks", lambda c: c.tasks_on_time),
        count("到期", "tasks", lambda c: c.tasks_due),
        count("已完成", "tasks", lambda c: c.tasks_done),
        score("tasks"),
        (Column("总分", width=7, number_format="0.0", bold=True), lambda c: c.total),
    ]


def scorecard_title(table: ScorecardTable) -> str:
    return f"中站区根治欠薪工作{table.period.name}考核评分表"


XLSX_HEADER_ROW = 3  # the two header rows: 3 (measures) and 4 (their figures); units from row 5
XLSX_BLANK_NOTE = (
    "得分为空白：考核期内没有该项考核数据，不计入总分；排名为空白：没有可考核的事项，不参与排名。"
)


def scorecard_xlsx(table: ScorecardTable) -> bytes:
    """The annual assessment's workbook: a title, the period and the time of the data, one row per unit under a
    two-level header (scorecard_excel_columns: numbers the district can sum and sort), then the formula of each
    score (A4 landscape, one page wide, the header rows repeated on every page) — common.xlsx's layout."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from common import xlsx
    from common.formats import format_datetime

    columns = scorecard_excel_columns(table)
    specs = [column for column, _ in columns]
    width = sum(c.width for c in specs)
    last = get_column_letter(len(specs))
    first_data = XLSX_HEADER_ROW + 2
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("考核评分")
    styles = xlsx.CellStyles(ws)
    xlsx.set_up_sheet(
        ws,
        widths=[c.width for c in specs],
        freeze=f"C{first_data}",
        title_rows=(XLSX_HEADER_ROW, XLSX_HEADER_ROW + 1),
    )
    period_line = (
        f"考核期：{table.period.dated_name}；数据截至 {format_datetime(table.now)}；"
        f"参与排名单位 {table.ranked} 个" + (f"；{table.scope_note}" if table.scope_note else "")
    )
    notes = [
        f"{i}. {note}"
        for i, note in enumerate(
            [
                *(f"{m.label}（{m.rule}，权重{m.weight}）：{m.formula}" for m in table.measures),
                table.total_formula,
                XLSX_BLANK_NOTE,
            ],
            start=1,
        )
    ]
    notes_from = first_data + len(table.rows) + 2  # after a blank row and the 计分方法 heading
    # Row heights go before the rows (write_only writes each row's with it).
    ws.row_dimensions[1].height = 28
    ws.row_dimensions[XLSX_HEADER_ROW].height = 30
    # The longest figure's label (报告区政府主要领导逾期) wraps to 4–5 lines in 6 characters.
    ws.row_dimensions[XLSX_HEADER_ROW + 1].height = 66
    for row, note in enumerate(notes, start=notes_from):
        ws.row_dimensions[row].height = xlsx.note_height(note, width=width)

    ws.append([styles.title(scorecard_title(table))])
    ws.append([styles.note(period_line)])
    for row in (1, 2):
        ws.merged_cells.add(f"A{row}:{last}{row}")
    xlsx.header_rows(ws, styles, specs, row=XLSX_HEADER_ROW)
    cell_of = [styles.bordered(c.number_format, bold=c.bold) for c in specs]
    for card in table.rows:
        ws.append([cell(get(card)) for cell, (_, get) in zip(cell_of, columns, strict=True)])
    ws.append([])
    ws.append([styles.note("计分方法", bold=True)])
    for row, note in enumerate(notes, start=notes_from):
        ws.append([styles.note(note)])
        ws.merged_cells.add(f"A{row}:{last}{row}")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def scorecard_pdf(table: ScorecardTable) -> bytes:
    """The printable scorecard (A4 landscape) through common.documents.render_pdf."""
    from common.documents import render_pdf

    columns = scorecard_columns(table)
    return render_pdf(
        "supervision/dashboard/scorecards_pdf.html",
        {
            "table": table,
            "title": scorecard_title(table),
            "headers": [h for h, _ in columns],
            "rows": [[get(c) for _, get in columns] for c in table.rows],
        },
    )


def scorecard_rows_json(table: ScorecardTable) -> list[dict]:
    out = []
    for c in table.rows:
        out.append(
            {
                "unit": {"id": c.unit.pk, "name": c.unit.name},
                "rank": c.rank,
                "total": c.total,
                "scores": dict(c.scores),
                "push": {"on_time": c.push_on_time, "late": c.push_late, "overdue": c.push_overdue},
                "steps": {s: {"due": c.step_due[s], "missed": c.step_missed[s]} for s in STEPS},
                "median_feedback_hours": c.median_feedback_hours,
                "clues": c.clues,
                "letters": dict(c.letters),
                "notices": {"due": c.notices_due, "in_time": c.notices_in_time},
                "rectifications": {"due": c.orders_due, "on_time": c.orders_on_time},
                "tasks": {"due": c.tasks_due, "on_time": c.tasks_on_time, "done": c.tasks_done},
            }
        )
    return out


# ---------------------------------------------------------------------------------------------- snapshots

# Raise when the stored row format or a formula changes: snapshots of an older version count as missing.
SNAPSHOT_VERSION = 2  # 2: letters of a clue nobody was given count for HRSS
REFRESH_JOB_KIND = "supervision.scorecard_refresh"
PDF_JOB_KIND = "supervision.scorecard_pdf"
SWEEP = "supervision.scorecards"
# The sweep's interval; a current period's snapshot older than this is waiting (common.sweeps health page).
REFRESH_EVERY = dt.timedelta(minutes=15)
# A period whose last refresh job failed is not retried by merely opening the page for this long (the page shows
# the failure and the 重新计算 button): a broken worker must not get a new job every few seconds.
RETRY_AFTER_FAILURE = dt.timedelta(minutes=15)


@dataclasses.dataclass(frozen=True)
class UnitRef:
    """A unit as the snapshot stored it (its name when computed): what the page, Excel, PDF and API show."""

    pk: int
    name: str


def _stored(value):
    """JSON for the snapshot: Decimals as strings ("77.8"), never floats."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _stored(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_stored(v) for v in value]
    return value


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _card_from_row(row: dict) -> Scorecard:
    """A Scorecard again from a stored row (scorecard_rows_json's format, Decimals as strings)."""
    c = Scorecard(unit=UnitRef(pk=row["unit"]["id"], name=row["unit"]["name"]))
    c.rank = row["rank"]
    c.total = _decimal(row["total"])
    c.scores = {m.code: _decimal(row["scores"].get(m.code)) for m in MEASURES}
    c.push_on_time, c.push_late, c.push_overdue = (row["push"][k] for k in ("on_time", "late", "overdue"))
    c.step_due = {s: row["steps"][s]["due"] for s in STEPS}
    c.step_missed = {s: row["steps"][s]["missed"] for s in STEPS}
    c.median_feedback_hours = _decimal(row["median_feedback_hours"])
    c.clues = row["clues"]
    c.letters = {k: row["letters"].get(k, 0) for k in LetterKind.values}
    c.notices_due, c.notices_in_time = row["notices"]["due"], row["notices"]["in_time"]
    c.orders_due, c.orders_on_time = row["rectifications"]["due"], row["rectifications"]["on_time"]
    c.tasks_due, c.tasks_on_time, c.tasks_done = (row["tasks"][k] for k in ("due", "on_time", "done"))
    return c


def snapshot_table(snapshot: ScorecardSnapshot) -> ScorecardTable:
    """The district's table as stored: every unit's row, its rank, the time of the data (computed_at)."""
    data = snapshot.data
    return ScorecardTable(
        period=Period(code=snapshot.period, start=snapshot.period_start, end=snapshot.period_end),
        now=snapshot.computed_at,
        rows=[_card_from_row(row) for row in data["rows"]],
        ranked=data["ranked"],
    )


def scorecard_snapshot(period: Period) -> ScorecardSnapshot | None:
    """The stored table of `period` (one query), or None if there is none of the current format."""
    snapshot = ScorecardSnapshot.objects.filter(period=period.code, period_start=period.start).first()
    if snapshot is None or snapshot.data.get("version") != SNAPSHOT_VERSION:
        return None
    return snapshot


def scorecard_refresh(
    period: Period, *, now: dt.datetime | None = None, progress=None
) -> tuple[ScorecardSnapshot, bool]:
    """Compute the district's table for `period` as of `now` and store it: (snapshot, stored).

    The computation only reads (seconds, no lock held); the upsert is one short transaction on the row, locked.
    Two refreshes at once keep one row — the unique constraint on (period, period_start) refuses the second
    INSERT, and get_or_create then takes the row the first one committed — and a slower refresh that began
    earlier never overwrites a newer one (stored False)."""
    now = now or timezone.now()
    table = district_scorecards(period=period, now=now, progress=progress)
    fields = {
        "period_end": period.end,
        "computed_at": now,
        "data": {
            "version": SNAPSHOT_VERSION,
            "ranked": table.ranked,
            "rows": _stored(scorecard_rows_json(table)),
        },
    }
    with transaction.atomic():
        snapshot, created = ScorecardSnapshot.objects.select_for_update().get_or_create(
            period=period.code, period_start=period.start, defaults=fields
        )
        if created:
            return snapshot, True
        if snapshot.computed_at > now and snapshot.data.get("version") == SNAPSHOT_VERSION:
            return snapshot, False
        for name, value in fields.items():
            setattr(snapshot, name, value)
        snapshot.save(update_fields=list(fields))
    return snapshot, True


# ---------------------------------------------------------------------------------------- refresh jobs


def _refresh_params(period: Period) -> dict:
    return {"period": period.code, "start": period.start.isoformat()}


def _params_period(params: dict) -> Period:
    """The period a job's params name: {"period", "start"} (refresh) or {"period", "on"} (PDF)."""
    day = params.get("start") or params.get("on")
    return period_for(params.get("period"), dt.date.fromisoformat(day) if day else None)


@dataclasses.dataclass
class SnapshotState:
    """What the page, the exports and the API know about a period: its snapshot (or None) and its newest refresh
    job (or None) — two queries."""

    period: Period
    snapshot: ScorecardSnapshot | None
    job: object | None  # common.models.Job

    @property
    def refreshing(self) -> bool:
        return self.job is not None and not self.job.is_finished

    @property
    def failed(self) -> bool:
        """The newest refresh failed, after the snapshot shown (if any) was computed."""
        from common.models import JobStatus

        job = self.job
        if job is None or job.status != JobStatus.FAILED:
            return False
        return self.snapshot is None or (job.finished_at or job.created_at) > self.snapshot.computed_at

    def table(self, user) -> ScorecardTable | None:
        return visible_table(user, snapshot_table(self.snapshot)) if self.snapshot is not None else None

    def job_status(self) -> dict | None:
        from common.jobs import job_status

        return job_status(self.job) if self.job is not None else None


def scorecard_state(period: Period) -> SnapshotState:
    from common.jobs import job_expire_stale
    from common.models import Job

    job = (
        Job.objects.filter(
            kind=REFRESH_JOB_KIND, params__period=period.code, params__start=period.start.isoformat()
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if job is not None:
        job = job_expire_stale(job)  # a refresh whose worker died is shown as failed, and retried
    return SnapshotState(period=period, snapshot=scorecard_snapshot(period), job=job)


def scorecard_refresh_start(user, state: SnapshotState) -> SnapshotState:
    """Start the refresh job of `state.period` (common.jobs), unless one is queued or running already."""
    from common.jobs import job_start

    if state.refreshing:
        return state
    job = job_start(kind=REFRESH_JOB_KIND, user=user, params=_refresh_params(state.period))
    return dataclasses.replace(state, job=job)


def scorecard_ensure(user, period: Period, *, now: dt.datetime | None = None) -> SnapshotState:
    """The period's state, with a refresh job started if there is no snapshot and none under way — unless the
    newest one failed less than RETRY_AFTER_FAILURE ago (then `state.failed`: the page offers 重新计算)."""
    state = scorecard_state(period)
    if state.snapshot is not None or state.refreshing:
        return state
    now = now or timezone.now()
    job = state.job
    if state.failed and now - (job.finished_at or job.created_at) < RETRY_AFTER_FAILURE:
        return state
    return scorecard_refresh_start(user, state)


def scorecard_page_url(period: Period) -> str:
    from django.urls import reverse

    # `on` as the page's 所在日期 field shows it: the period's last day (today for the current one).
    return reverse("supervision:scorecard_list") + f"?period={period.code}&on={period.end:%Y-%m-%d}"


def scorecard_refresh_job(run):
    """Compute and store one period's table (common.jobs), reporting progress clue by clue."""
    from common.jobs import JobOutcome

    period = _params_period(run.params)
    snapshot, _ = scorecard_refresh(period, progress=run.progress)
    return JobOutcome(
        message=f"考核评分已计算：{period.dated_name}，{len(snapshot.data['rows'])} 个单位。",
        links=[{"url": scorecard_page_url(period), "label": "查看考核评分"}],
        data={"units": len(snapshot.data["rows"])},
    )


# ------------------------------------------------------------------------------------------------ sweep


def current_periods(now: dt.datetime) -> list[Period]:
    today = timezone.localtime(now).date()
    return [period_for(code, today, today=today) for code in PERIODS]


def scorecards_sweep(now: dt.datetime) -> dict[str, int]:
    """Every 15 minutes (common.sweeps): refresh the current week's, month's, quarter's and year's snapshots."""
    refreshed = sum(scorecard_refresh(period, now=now)[1] for period in current_periods(now))
    return {"refreshed": refreshed}


def scorecards_waiting(now: dt.datetime) -> int:
    """The current periods whose snapshot is missing, of an older format, or older than REFRESH_EVERY (one
    query)."""
    periods = current_periods(now)
    stored = {
        (s.period, s.period_start): s
        for s in ScorecardSnapshot.objects.filter(
            period__in=[p.code for p in periods], period_start__in={p.start for p in periods}
        )
    }
    waiting = 0
    for p in periods:
        s = stored.get((p.code, p.start))
        if s is None or s.data.get("version") != SNAPSHOT_VERSION or now - s.computed_at > REFRESH_EVERY:
            waiting += 1
    return waiting


# -------------------------------------------------------------------------------------------- exports


def scorecard_xlsx_filename(table: ScorecardTable) -> str:
    return f"考核评分表_{table.period.start:%Y%m%d}-{table.period.end:%Y%m%d}.xlsx"


def scorecard_pdf_filename(table: ScorecardTable) -> str:
    return f"考核评分表_{table.period.start:%Y%m%d}-{table.period.end:%Y%m%d}.pdf"


NO_SNAPSHOT = "该期间的考核评分尚未计算完成，请打开“各单位考核评分”页面，待计算完成后再试。"


def scorecard_pdf_job(run) -> object:
    """The printable scorecard as a background job (common.jobs): a WeasyPrint render of the table takes
    1–2 s (measured: 1.1 s warm, 2.0 s cold for 35 units), more than a request should wait. It prints the
    stored table (scorecard_snapshot), never recomputes; the job's user sees the rows they may see."""
    from common.jobs import JobFailed, JobOutcome

    run.progress(0, 1)
    period = _params_period(run.params)
    snapshot = scorecard_snapshot(period)
    if snapshot is None:
        raise JobFailed(NO_SNAPSHOT)
    table = visible_table(run.user, snapshot_table(snapshot))
    pdf = scorecard_pdf(table)
    with run.result_file(scorecard_pdf_filename(table)) as out:
        out.write(pdf)
    run.progress(1, 1)
    return JobOutcome(
        message=f"考核评分表已生成：{len(table.rows)} 个单位。",
        links=[{"url": scorecard_page_url(period), "label": "返回考核评分"}],
        data={"units": len(table.rows)},
    )


def register() -> None:
    """The scorecards' background jobs (common.jobs: the refresh, the printable PDF) and the sweep keeping the
    current periods' snapshots fresh (common.sweeps; beat runs it from zhongzhan_wages/celery.py)."""
    from common.jobs import register_job_kind
    from common.sweeps import register_sweep

    register_job_kind(REFRESH_JOB_KIND, scorecard_refresh_job, label="计算考核评分")
    register_job_kind(PDF_JOB_KIND, scorecard_pdf_job, label="打印考核评分表")
    register_sweep(
        SWEEP,
        label="考核评分定时计算（V6）",
        run=scorecards_sweep,
        waiting=scorecards_waiting,
        every=REFRESH_EVERY,
        labels={"refreshed": "已更新期间"},
    )


def seed_demo_records() -> None:
    """No records of its own."""
