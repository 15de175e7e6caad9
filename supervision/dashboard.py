"""Issue 9 part 5: the leaders' dashboard (督办看板) — reads only. District-wide for HRSS, leaders and admins; a
clerk's is the same page over what their unit may see (the clue, letter, project and deposit selectors' scoping,
common.access.visible_to for the supervision tables).

Every figure is a `Figure`: its number and the list that shows exactly those records (a URL name and the query
parameters that list understands), so the count and its link are defined in one place.

Queries: seven, whatever the size of the tables (tests/supervision/test_dashboard_v6.py asserts the count; the
figures are in bench/dashboard_bench.py):
1. the C3 day counts (one read of the four policy parameters);
2. the open clues with their per-step overdue counts (clues.selectors.step_overdue_conditions, as filtered
   COUNTs), grouped by stage × colour × responsible unit × street: one scan (index clue_open_next_deadline),
   read as the driver gives it (`_raw_rows`); the stage table and both rankings are sums of its rows;
3. the ladder funnel: the period's clues counted by stage (index clue_received_status);
4. the per-unit supervision counts, one GROUP BY per measure in one UNION ALL: P6 pushed late and never pushed
   (projects.selectors.project_filter_timeliness), 检讨, D4 overdue notices, 五制 red, rectifications, meeting
   tasks;
5. the period's letters by kind (index letter_created_kind, read without the table);
6. the units, carrying the district scalars as uncorrelated subqueries the database evaluates once: the 12
   weeks' new and closed clues and the period's closures (`RangeCount`: index range counts on
   clue_received_status and clue_closed), V3, V4, the D1 fund balances;
7. the top red 五制 projects.
A clerk's trend, closures and funnel are one pass over the clues their unit may see, instead of 3 and the range
counts. With C3 counted in working days the calendar adds at most six more (common.workdays), again whatever the
data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from decimal import Decimal
from urllib.parse import quote_plus

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    CharField,
    Count,
    DecimalField,
    Expression,
    F,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from clues.ladder import STEP_LABELS, STEPS
from clues.models import Clue, ClueStatus, KeyMonitoring, LetterKind, UnitAccountability
from clues.selectors import (
    STAGES,
    Colour,
    clue_annotate_colour,
    clue_visible_to,
    letter_visible_to,
    stages_reached,
    step_overdue_conditions,
)
from common.access import sees_all_units, visible_to
from common.models import Unit
from common.workdays import local_midnight
from deposits.models import EMERGENCY_FUND_KINDS, FundKind, Notice
from deposits.selectors import fund_visible_to, notice_overdue_condition
from projects.models import Project, Timeliness
from projects.selectors import project_filter_timeliness

from .models import (
    BlacklistEntry,
    BlacklistStatus,
    MeetingTask,
    ProjectCompliance,
    RectificationOrder,
    RectificationStatus,
)

# ------------------------------------------------------------------------------------------------ periods

PERIODS = {"week": "本周", "month": "本月", "quarter": "本季度", "year": "本年"}
DEFAULT_PERIOD = "week"


@dataclasses.dataclass(frozen=True)
class Period:
    """A calendar period in Asia/Shanghai, from its first day to `end` (today for the current one), inclusive."""

    code: str
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return PERIODS[self.code]

    @property
    def start_at(self) -> dt.datetime:
        return local_midnight(self.start)

    @property
    def end_before(self) -> dt.datetime:
        """The first instant after the period (half-open upper bound)."""
        return local_midnight(self.end + dt.timedelta(days=1))

    @property
    def title(self) -> str:
        return f"{self.label}（{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}）"

    @property
    def name(self) -> str:
        """The period as an assessment names it, past or current: 2025年度, 2026年第二季度, 2026年5月, 2026年第48周
        (the ISO week, Monday first)."""
        start = self.start
        if self.code == "year":
            return f"{start.year}年度"
        if self.code == "quarter":
            return f"{start.year}年第{'一二三四'[(start.month - 1) // 3]}季度"
        if self.code == "month":
            return f"{start.year}年{start.month}月"
        year, week, _ = start.isocalendar()
        return f"{year}年第{week}周"

    @property
    def dated_name(self) -> str:
        return f"{self.name}（{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}）"


def period_for(code: str | None, on: dt.date | None = None, *, today: dt.date | None = None) -> Period:
    """The period `code` (week, month, quarter, year; an unknown code is the week) containing `on` (default
    today), cut at today: figures never count the future."""
    today = today or timezone.localdate()
    on = min(on or today, today)
    code = code if code in PERIODS else DEFAULT_PERIOD
    if code == "week":
        start = on - dt.timedelta(days=on.weekday())
        end = start + dt.timedelta(days=6)
    elif code == "month":
        start = on.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    elif code == "quarter":
        start = on.replace(month=(on.month - 1) // 3 * 3 + 1, day=1)
        end = (start + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
    else:
        start, end = on.replace(month=1, day=1), on.replace(month=12, day=31)
    return Period(code=code, start=start, end=min(end, today))


# ------------------------------------------------------------------------------------------------ figures


@dataclasses.dataclass
class Figure:
    """A number on the dashboard and the list behind it: `url_name` with `params` lists exactly the records it
    counts. The URL is reversed when asked for; a list not (yet) routed gives no link rather than an error, and
    neither does a zero (there is nothing behind it to list)."""

    value: int | Decimal
    url_name: str = ""
    params: dict = dataclasses.field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.list_url if self.value else ""

    @functools.cached_property
    def list_url(self) -> str:
        """The list's URL whatever the value (the API gives it for zeros too); built once (a chart asks twice)."""
        base = _list_base(self.url_name, get_script_prefix(), get_urlconf())
        if not base:
            return ""
        query = "&".join(
            f"{key}={quote_plus(_param(value))}"
            for key, value in self.params.items()
            if value not in (None, "")
        )
        return f"{base}?{query}" if query else base

    def __int__(self) -> int:
        return int(self.value)

    @property
    def html(self) -> str:
        """`{{ figure.html }}` in a template: the number as a link to its list (a zero, or an unrouted list: plain).
        Written out rather than through format_html: a page has some 400 of them, and only the URL needs escaping
        (the value is a number)."""
        url = self.url
        if url:
            return mark_safe(f'<a class="n" href="{escape(url)}">{self.value}</a>')
        return mark_safe(f'<span class="{"n" if self.value else "n zero"}">{self.value}</span>')

    def __str__(self) -> str:
        return str(self.value)


@functools.lru_cache(maxsize=256)
def _list_base(url_name: str, prefix: str, urlconf) -> str:
    """reverse(url_name), once per list: a page shows some 400 figures over a dozen lists (prefix and urlconf are
    part of the key, so a different mount point reverses afresh)."""
    if not url_name:
        return ""
    try:
        return reverse(url_name, urlconf=urlconf)
    except NoReverseMatch:
        return ""


def _param(value) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


# --------------------------------------------------------------------------------- C3: overdue at each step

# The conditions are clues.selectors' (the clue list filters with the same ones); the list's parameter names:
OVERDUE_STEP_PARAM = "overdue_step"
REACHED_PARAM = "reached"


# ----------------------------------------------------------------------------------------------- the page


@dataclasses.dataclass
class RankRow:
    """One unit (or street) of the overdue ranking: red clues and the clues overdue at each step."""

    key: int | None
    name: str
    red: Figure
    steps: dict[str, Figure]
    total_steps: int = 0


# UnitRow's figures, in the order of the page's columns.
UNIT_MEASURES = (
    "late",
    "overdue_unpushed",
    "flags",
    "notices_overdue",
    "five_red",
    "orders_overdue",
    "tasks_overdue",
)


@dataclasses.dataclass
class UnitRow:
    """One unit's supervision figures (P6, 检讨, D4, 五制, V2, V5)."""

    unit: Unit
    late: Figure
    overdue_unpushed: Figure
    flags: Figure
    notices_overdue: Figure
    five_red: Figure
    orders_overdue: Figure
    tasks_overdue: Figure

    @property
    def total(self) -> int:
        return sum(int(getattr(self, measure)) for measure in UNIT_MEASURES)


@dataclasses.dataclass
class Dashboard:
    period: Period
    now: dt.datetime
    scope_unit: Unit | None  # a clerk's unit; None for HRSS, leaders and admins
    district: bool
    stages: list[dict]
    colour_totals: dict[str, Figure]
    open_total: Figure
    by_unit: list[RankRow]
    by_street: list[RankRow]
    step_totals: dict[str, Figure]
    weeks: list[dict]
    funnel: list[dict]
    received: Figure
    closed: Figure
    letters: dict[str, Figure]
    units: list[UnitRow]
    unit_totals: dict[str, Figure]
    red_projects: list[ProjectCompliance]
    funds: list
    presale: dict
    monitoring_overdue: Figure | None
    blacklist_listed: Figure
    step_labels: dict = dataclasses.field(default_factory=lambda: dict(STEP_LABELS))


def _counts_by_unit(
    parts: dict[str, tuple[QuerySet, str]], *, only: int | None
) -> dict[tuple[str, int], int]:
    """{(measure, unit id): count} for each measure's queryset grouped by its unit path, in one query (UNION ALL
    of one GROUP BY each: a scan of each table, not one probe per unit). `only`: a clerk's unit (0: none)."""
    grouped = []
    for name, (qs, unit_path) in parts.items():
        if only is not None:
            qs = qs.filter(**{unit_path: only})
        grouped.append(
            qs.order_by()
            .values(unit_ref=F(unit_path))
            .annotate(n=Count("pk"), measure=Value(name, output_field=CharField()))
            .values_list("measure", "unit_ref", "n")
        )
    return {(measure, unit): n for measure, unit, n in grouped[0].union(*grouped[1:], all=True)}


def _scalar(qs: QuerySet, aggregate=None) -> Coalesce:
    """An uncorrelated COUNT (or another aggregate) of `qs`: evaluated once by the database, whatever the rows of
    the outer query — the district scalars ride on the unit query instead of costing a round trip each."""
    aggregate = aggregate or Count("pk")
    field = IntegerField() if isinstance(aggregate, Count) else DecimalField(max_digits=16, decimal_places=2)
    sub = qs.order_by().annotate(_one=Value(1)).values("_one").annotate(n=aggregate).values("n")
    return Coalesce(Subquery(sub, output_field=field), Value(0), output_field=field)


class RangeCount(Expression):
    """`(SELECT COUNT(column) FROM table WHERE lo <= column < hi)` over a whole table: an uncorrelated count of one
    indexed column's range (an index-only range scan), written directly. The district's 25 trend counts built as
    querysets through `_scalar` cost some 15 ms of Python a page; this costs a string each, and the same SQL."""

    output_field = IntegerField()

    def __init__(self, model, field_name: str, lo, hi):
        super().__init__()
        self.model, self.field_name, self.lo, self.hi = model, field_name, lo, hi

    def as_sql(self, compiler, connection):
        field = self.model._meta.get_field(self.field_name)
        table, column = (
            connection.ops.quote_name(self.model._meta.db_table),
            connection.ops.quote_name(field.column),
        )
        params = [field.get_db_prep_value(v, connection) for v in (self.lo, self.hi)]
        return f"(SELECT COUNT({column}) FROM {table} WHERE {column} >= %s AND {column} < %s)", params


def _raw_rows(qs: QuerySet) -> list[tuple]:
    """The rows of a values_list() of strings, keys and counts as the database driver gives them: the ORM would run
    a converter on each value (int() of every COUNT), some 8,000 calls for the open clues at 100,000 clues."""
    try:
        sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    except EmptyResultSet:  # qs.none(): a user who may see nothing
        return []
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _scope_unit(user) -> Unit | None:
    return None if sees_all_units(user) else getattr(user, "unit", None)


def dashboard_figures(user, *, period: Period, now: dt.datetime | None = None) -> Dashboard:
    """All the dashboard's figures for `user` in `period` (the period-bound ones: clues received and closed,
    the ladder funnel, letters; the rest are the state at `now`)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    scope = _scope_unit(user)
    steps = step_overdue_conditions(now)

    # 1. Open clues, with the per-step overdue counts, grouped by stage × colour × responsible unit × street: one
    # scan of the open clues (index clue_open_next_deadline); the stage table and both rankings sum its rows.
    clues = clue_visible_to(user)
    open_clues = clue_annotate_colour(clues.exclude(status=ClueStatus.CLOSED), now=now)
    open_rows = _raw_rows(
        open_clues.values("status", "colour", "responsible_unit_id", "street_id")
        .annotate(n=Count("id"), **{step: Count("id", filter=steps[step]) for step in STEPS})
        .order_by()
        .values_list("status", "colour", "responsible_unit_id", "street_id", "n", *STEPS)
    )

    # 2. The 12-week trend, the period's closures and the ladder funnel (the period's clues by stage). The district:
    # each count a range of an index (clue_received_status, clue_closed) read without visiting the rows, as scalars
    # of the unit query below, and the funnel grouped on the same index. A clerk's: one pass over the clues their
    # unit may see (its few thousand rows found once), rather than that set found again for every count.
    monday = today - dt.timedelta(days=today.weekday())
    week_starts = [monday - dt.timedelta(weeks=11 - i) for i in range(12)]
    weeks = [(local_midnight(w), local_midnight(w + dt.timedelta(days=7))) for w in week_starts]
    received_in = Q(received_at__gte=period.start_at, received_at__lt=period.end_before)
    ranges = {f"new_{i}": ("received_at", a, b) for i, (a, b) in enumerate(weeks)}
    ranges |= {f"closed_{i}": ("closed_at", a, b) for i, (a, b) in enumerate(weeks)}
    ranges["closed_period"] = ("closed_at", period.start_at, period.end_before)
    trend_scalars = {}
    if sees_all_units(user):
        trend_scalars = {k: RangeCount(Clue, field, lo, hi) for k, (field, lo, hi) in ranges.items()}
        # Filtered counts, not GROUP BY status: a year is some 86,000 entries of clue_received_status to hash.
        by_stage = clues.filter(received_in).aggregate(
            **{s: Count("received_at", filter=Q(status=s)) for s in STAGES}
        )
        unit_trend = {}
    else:
        since = min(weeks[0][0], period.start_at)
        unit_trend = clues.filter(Q(received_at__gte=since) | Q(closed_at__gte=since)).aggregate(
            **{
                k: Count("pk", filter=Q(**{f"{field}__gte": lo, f"{field}__lt": hi}))
                for k, (field, lo, hi) in ranges.items()
            },
            **{f"stage_{s}": Count("pk", filter=received_in & Q(status=s)) for s in STAGES},
        )
        by_stage = {s: unit_trend.pop(f"stage_{s}") for s in STAGES}

    # 3. Each unit's supervision counts: one grouped count per measure, in one UNION ALL (a clerk's: their own
    # unit's only); then the units, carrying the district scalars (letters, V3, V4, the D1 funds).
    only = scope.pk if scope is not None else (None if sees_all_units(user) else 0)
    per_unit = _counts_by_unit(
        {
            "late": (project_filter_timeliness(Project.objects.all(), Timeliness.LATE, today), "unit"),
            "overdue_unpushed": (
                project_filter_timeliness(Project.objects.all(), Timeliness.OVERDUE, today),
                "unit",
            ),
            "flags": (UnitAccountability.objects.all(), "unit"),
            "notices_overdue": (Notice.objects.filter(notice_overdue_condition(today)), "unit"),
            "five_red": (ProjectCompliance.objects.filter(red_items__gt=0), "project__unit"),
            "orders_overdue": (
                RectificationOrder.objects.filter(status=RectificationStatus.OPEN, deadline__lt=today),
                "unit",
            ),
            "tasks_overdue": (MeetingTask.objects.filter(done_on__isnull=True, deadline__lt=today), "unit"),
        },
        only=only,
    )
    # The period's letters by kind: one scan of index letter_created_kind, which holds every column counted (a
    # year's letters are most of a wide table), rather than one per kind.
    letter_counts = (
        letter_visible_to(user)
        .filter(created_at__gte=period.start_at, created_at__lt=period.end_before)
        .aggregate(
            **{f"letters_{kind}": Count("created_at", filter=Q(kind=kind)) for kind in LetterKind.values}
        )
    )
    presale = fund_visible_to(user).filter(kind=FundKind.PRESALE)
    scalars = {
        **trend_scalars,
        "blacklist_listed": _scalar(BlacklistEntry.objects.filter(status=BlacklistStatus.LISTED)),
        "presale_count": _scalar(presale),
        "presale_balance": _scalar(presale, Sum("balance")),
    }
    # The emergency funds (one of each kind at most, D1): their id and balance as scalars too.
    for kind in EMERGENCY_FUND_KINDS:
        fund = fund_visible_to(user).filter(kind=kind).order_by("pk")
        scalars[f"fund_{kind}_id"] = Coalesce(
            Subquery(fund.values("pk")[:1], output_field=IntegerField()), Value(0)
        )
        scalars[f"fund_{kind}_balance"] = _scalar(fund, Sum("balance"))
    if sees_all_units(user):
        scalars["monitoring_overdue"] = _scalar(
            KeyMonitoring.objects.filter(is_active=True, declaration_due_on__lt=today)
        )
    # Every unit's row (the names of the clue ranking come from here); a clerk's counts are their own unit's.
    unit_rows = list(Unit.objects.annotate(**scalars).order_by("sort_order", "pk"))
    for u in unit_rows:
        for measure in UNIT_MEASURES:
            setattr(u, measure, per_unit.get((measure, u.pk), 0))
    first = unit_rows[0] if unit_rows else None
    district_scalars = {k: getattr(first, k, 0) for k in scalars} | letter_counts
    trend = unit_trend or {k: district_scalars[k] for k in trend_scalars}
    for stage in STAGES:  # the clue list's `reached` filter (clue_reached_q) lists these
        trend[f"reached_{stage}"] = sum(by_stage.get(s, 0) for s in stages_reached(stage))

    # 4. The red 五制 projects (worst first).
    red_projects = list(
        visible_to(user, ProjectCompliance.objects.filter(red_items__gt=0), unit_field="project__unit")
        .select_related("project", "project__unit", "project__street")
        .order_by("-red_items", "project__name", "pk")[:10]
    )
    funds = [
        {
            "pk": district_scalars[f"fund_{k}_id"],
            "name": k.label,
            "balance": district_scalars[f"fund_{k}_balance"],
        }
        for k in EMERGENCY_FUND_KINDS
        if district_scalars[f"fund_{k}_id"]
    ]

    return _assemble(
        period=period,
        now=now,
        scope=scope,
        open_rows=open_rows,
        trend=trend,
        week_starts=week_starts,
        unit_rows=unit_rows,
        scalars=district_scalars,
        red_projects=red_projects,
        funds=funds,
        district=sees_all_units(user),
        only=only,
    )


def _clue_link(value, **params) -> Figure:
    return Figure(value, "clues:clue_list", params)


def _assemble(
    *,
    period,
    now,
    scope,
    open_rows,
    trend,
    week_starts,
    unit_rows,
    scalars,
    red_projects,
    funds,
    district,
    only,
) -> Dashboard:
    names = {u.pk: u.name for u in unit_rows}

    # Open clues by stage and colour.
    open_stages = [s for s in STAGES if s != ClueStatus.CLOSED]
    cells = {(s, c): 0 for s in open_stages for c in (Colour.RED, Colour.YELLOW, Colour.GREEN)}
    # Summed into lists ([red, step 1, …, step 4]) rather than dicts: some 1,700 rows at 100,000 clues.
    sums: tuple[dict, dict] = ({}, {})  # by responsible unit, by street
    for status, colour, unit_id, street_id, n, *step_counts in open_rows:
        cells[(status, colour)] += n
        red = n if colour == Colour.RED else 0
        for bucket, key in zip(sums, (unit_id, street_id), strict=True):
            entry = bucket.get(key)
            if entry is None:
                bucket[key] = [red, *step_counts]
            else:
                entry[0] += red
                for i, count in enumerate(step_counts, 1):
                    entry[i] += count
    by_unit, by_street = (
        {key: {"red": entry[0], **dict(zip(STEPS, entry[1:], strict=True))} for key, entry in bucket.items()}
        for bucket in sums
    )
    labels = dict(ClueStatus.choices)
    stages = []
    for s in open_stages:
        counts = {
            c: _clue_link(cells[(s, c)], status=s, colour=c)
            for c in (Colour.RED, Colour.YELLOW, Colour.GREEN)
        }
        stages.append(
            {
                "code": s,
                "label": labels[s],
                "colours": counts,
                "total": _clue_link(sum(int(f) for f in counts.values()), status=s),
            }
        )
    colour_totals = {
        c: _clue_link(sum(cells[(s, c)] for s in open_stages), status="open", colour=c)
        for c in (Colour.RED, Colour.YELLOW, Colour.GREEN)
    }
    open_total = _clue_link(sum(cells.values()), status="open")

    def rank(bucket, *, street: bool) -> list[RankRow]:
        rows = []
        for key, entry in bucket.items():
            if not entry["red"] and not any(entry[s] for s in STEPS):
                continue
            if street:
                where, name = {"street": key}, names.get(key, "")
            elif key is None:
                # Not dispatched yet: HRSS holds them (C6); the list finds them by their stage.
                where, name = {"status": ClueStatus.REGISTERED}, "未交办（区人社局待交办）"
            else:
                where, name = {"unit": key}, names.get(key, "")
            rows.append(
                RankRow(
                    key=key,
                    name=name,
                    red=_clue_link(entry["red"], colour=Colour.RED, **where),
                    steps={s: _clue_link(entry[s], **{OVERDUE_STEP_PARAM: s}, **where) for s in STEPS},
                    total_steps=sum(entry[s] for s in STEPS),
                )
            )
        rows.sort(key=lambda r: (-int(r.red), -r.total_steps, r.name))
        return rows

    step_totals = {
        s: _clue_link(sum(e[s] for e in by_unit.values()), **{OVERDUE_STEP_PARAM: s}) for s in STEPS
    }

    # The 12 weeks and the funnel.
    weeks = []
    for i, start in enumerate(week_starts):
        end = start + dt.timedelta(days=6)
        weeks.append(
            {
                "start": start,
                "end": end,
                "new": _clue_link(trend[f"new_{i}"], received_from=start, received_to=end),
                "closed": _clue_link(trend[f"closed_{i}"], closed_from=start, closed_to=end),
            }
        )
    funnel_labels = {
        ClueStatus.REGISTERED: "接收登记",
        ClueStatus.DISPATCHED: "已交办（第1步）",
        ClueStatus.ACKNOWLEDGED: "已签收（第2步）",
        ClueStatus.IN_PROGRESS: "有进展（第4步）",
        ClueStatus.RESULT_SUBMITTED: "已报结果",
        ClueStatus.CLOSED: "已办结",
    }
    received_total = trend[f"reached_{ClueStatus.REGISTERED}"]
    funnel = []
    for stage in STAGES:
        n = trend[f"reached_{stage}"]
        params = {"received_from": period.start, "received_to": period.end}
        if stage != ClueStatus.REGISTERED:
            params[REACHED_PARAM] = stage
        funnel.append(
            {
                "stage": stage,
                "label": funnel_labels[stage],
                "figure": _clue_link(n, **params),
                "share": round(100 * n / received_total) if received_total else 0,
            }
        )
    received = _clue_link(received_total, received_from=period.start, received_to=period.end)
    closed = _clue_link(trend["closed_period"], closed_from=period.start, closed_to=period.end)
    letters = {
        kind: Figure(
            scalars[f"letters_{kind}"],
            "clues:letter_list",
            {"kind": kind, "date_from": period.start, "date_to": period.end},
        )
        for kind in LetterKind.values
    }

    # Per unit.
    rows = []
    for u in unit_rows:
        row = UnitRow(
            unit=u,
            late=Figure(u.late, "projects:ledger", {"timeliness": "late", "unit": u.pk}),
            overdue_unpushed=Figure(
                u.overdue_unpushed,
                "projects:ledger",
                {"timeliness": "overdue", "unit": u.pk},
            ),
            flags=Figure(u.flags, "supervision:dashboard_flag_list", {"unit": u.pk}),
            notices_overdue=Figure(u.notices_overdue, "deposits:overdue_list", {"unit": u.pk}),
            five_red=Figure(u.five_red, "supervision:five_list", {"state": "red", "unit": u.pk}),
            orders_overdue=Figure(
                u.orders_overdue,
                "supervision:oversight_order_list",
                {"status": "open", "overdue": 1, "unit": u.pk},
            ),
            tasks_overdue=Figure(
                u.tasks_overdue, "supervision:meeting_task_list", {"overdue": 1, "done": 0, "unit": u.pk}
            ),
        )
        if (row.total and only is None) or u.pk == only:
            rows.append(row)
    rows.sort(key=lambda r: (-r.total, r.unit.sort_order, r.unit.pk))

    def total(attr: str, url_name: str, params: dict) -> Figure:
        return Figure(sum(int(getattr(r, attr)) for r in rows), url_name, params)

    unit_totals = {
        "late": total("late", "projects:ledger", {"timeliness": "late"}),
        "overdue_unpushed": total("overdue_unpushed", "projects:ledger", {"timeliness": "overdue"}),
        "flags": total("flags", "supervision:dashboard_flag_list", {}),
        "notices_overdue": total("notices_overdue", "deposits:overdue_list", {}),
        "five_red": total("five_red", "supervision:five_list", {"state": "red"}),
        "orders_overdue": total(
            "orders_overdue", "supervision:oversight_order_list", {"status": "open", "overdue": 1}
        ),
        "tasks_overdue": total("tasks_overdue", "supervision:meeting_task_list", {"overdue": 1, "done": 0}),
    }
    if scope is not None:  # a clerk's lists show their unit's records anyway; the links say so too
        for f in unit_totals.values():
            f.params = {**f.params, "unit": scope.pk}

    return Dashboard(
        period=period,
        now=now,
        scope_unit=scope,
        district=district,
        stages=stages,
        colour_totals=colour_totals,
        open_total=open_total,
        by_unit=rank(by_unit, street=False),
        by_street=rank(by_street, street=True),
        step_totals=step_totals,
        weeks=weeks,
        funnel=funnel,
        received=received,
        closed=closed,
        letters=letters,
        units=rows,
        unit_totals=unit_totals,
        red_projects=red_projects,
        funds=funds,
        presale={
            "count": scalars["presale_count"],
            "balance": Decimal(scalars["presale_balance"] or 0),
            "figure": Figure(scalars["presale_count"], "deposits:fund_list", {}),
        },
        monitoring_overdue=(
            Figure(scalars["monitoring_overdue"], "supervision:oversight_monitoring_list", {"overdue": 1})
            if district
            else None
        ),
        blacklist_listed=Figure(
            scalars["blacklist_listed"], "supervision:blacklist_list", {"status": "listed"}
        ),
    )


# ----------------------------------------------------------------------------------------- 检讨 (P6) list


def flag_search(user, *, unit: str = "") -> QuerySet[UnitAccountability]:
    """P6 second half: the units flagged for 检讨 (the dashboard's numbers list these), scoped like the board:
    HRSS, leaders and admins all, a clerk their unit's."""
    qs = visible_to(user, UnitAccountability.objects.all(), unit_field="unit").select_related(
        "unit", "project", "clue"
    )
    if str(unit).isdigit():
        qs = qs.filter(unit_id=int(unit))
    return qs.order_by("-created_at", "-id")


def register() -> None:
    """Nothing to register: the dashboard only reads (the scorecards' job kind is in supervision.scorecards)."""


def seed_demo_records() -> None:
    """The dashboard has no records of its own; `seed_demo --projects N --clues M` is supervision.bulk_demo."""
