"""The working-day calendar (P1): Chinese statutory holidays and 调休 make-up workdays.

Built on chinesecalendar; the admin-editable CalendarOverride table wins over it. chinesecalendar 1.11.0
knows 2004–2026 only: for a year it lacks, a date the table doesn't cover is a working day Monday to
Friday. Until the admin confirms the year complete (CalendarYear) that fallback logs a warning and
admins see a banner on every page (common.context_processors) — overrides alone don't silence it, since
one New Year's Day entry says nothing about Spring Festival. Calendar changes go through
common.services, which has stored deadlines recomputed.

Conventions used everywhere:
- add_working_days(d, n): the n-th working day after d (d itself never counts).
- working_days_between(a, b): working days in the half-open span (a, b]; negative when b < a.
- working_days_late(deadline, day): P6 lateness — 逾期N个工作日 for a push on `day`, or for a project
  still unpushed on `day` (the home page, the accountability board).
"""

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable
from functools import cache

import chinese_calendar
from django.utils import timezone

logger = logging.getLogger(__name__)

# Longest run of non-working days in any Chinese year is 9 (Spring Festival + weekends); this window
# fits n working days with room to spare, so one override query normally serves a whole computation.
_SLACK_DAYS = 30


def local_midnight(day: dt.date) -> dt.datetime:
    """00:00 of `day` in Asia/Shanghai: the half-open bounds of date filters (received_from … received_to)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


@cache
def package_knows_year(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@cache
def _warn_missing_year(year: int) -> None:
    logger.warning(
        "%s年节假日安排未录入：按周一至周五为工作日计算。请管理员在“工作日历调整”中录入放假和调休安排，"
        "录入后在“节假日安排年度确认”中确认该年度。",
        year,
    )


class _Calendar:
    """What the database says about a span of days: overrides, and which years lacking in the package the
    admin has confirmed complete. Loaded once per computation (two queries at most, one inside 2004–2026)."""

    def __init__(self) -> None:
        self.overrides: dict[dt.date, bool] = {}
        self.confirmed_years: set[int] = set()

    def load(self, start: dt.date, end: dt.date) -> "_Calendar":
        from common.models import CalendarOverride, CalendarYear

        self.overrides |= dict(
            CalendarOverride.objects.filter(date__range=(start, end)).values_list("date", "is_working_day")
        )
        lacking = [y for y in range(start.year, end.year + 1) if not package_knows_year(y)]
        if lacking:
            self.confirmed_years |= set(
                CalendarYear.objects.filter(year__in=lacking).values_list("year", flat=True)
            )
        return self


def _load_calendar(start: dt.date, end: dt.date) -> _Calendar:
    return _Calendar().load(start, end)


@cache
def _package_is_workday(day: dt.date) -> bool:
    # The package's answer never changes in a process; each of its calls rescans its holiday tables
    # (≈ a quarter of a 2,000-row import's time before this cache).
    return chinese_calendar.is_workday(day)


def _is_working_day(day: dt.date, calendar: _Calendar) -> bool:
    if day in calendar.overrides:
        return calendar.overrides[day]
    if package_knows_year(day.year):
        return _package_is_workday(day)
    # A confirmed year's undeclared days are ordinary weekdays and weekends; an unconfirmed year's may be
    # holidays nobody has entered yet: same rule, but say so.
    if day.year not in calendar.confirmed_years:
        _warn_missing_year(day.year)
    return day.weekday() < 5


def is_working_day(day: dt.date) -> bool:
    return _is_working_day(day, _load_calendar(day, day))


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (n ≥ 0; n = 0 gives `start`)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    window_end = start + dt.timedelta(days=2 * n + _SLACK_DAYS)
    calendar = _load_calendar(start, window_end)
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if day > window_end:
            window_end = day + dt.timedelta(days=_SLACK_DAYS)
            calendar.load(day, window_end)
        if _is_working_day(day, calendar):
            counted += 1
    return day


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days in (a, b]: 0 when equal, negative when b is before a."""
    if b < a:
        return -working_days_between(b, a)
    calendar = _load_calendar(a, b)
    return sum(1 for i in range(1, (b - a).days + 1) if _is_working_day(a + dt.timedelta(days=i), calendar))


def next_working_day_on_or_after(day: dt.date) -> dt.date:
    calendar = _load_calendar(day, day + dt.timedelta(days=_SLACK_DAYS))
    while not _is_working_day(day, calendar):
        day += dt.timedelta(days=1)
    return day


def working_days_late(deadline: dt.date, day: dt.date) -> int:
    """P6: how many working days late something due by `deadline` is when done (or still not done) on `day`.

    0 on or before the deadline. After it, the working days in (deadline, d] where d is `day` or, on a rest
    day, the next working day (HRSS receives a Sunday push on Monday): due Friday, done Saturday → 1.
    """
    return working_days_late_many([deadline], day)[deadline]


def working_days_late_many(deadlines: Iterable[dt.date], day: dt.date) -> dict[dt.date, int]:
    """working_days_late for many deadlines at once (a list page's overdue projects), in a constant number
    of queries whatever the list's length."""
    deadlines = set(deadlines)
    late = [d for d in deadlines if d < day]
    result = dict.fromkeys(deadlines, 0)
    if not late:
        return result
    first, end = min(late), next_working_day_on_or_after(day)
    calendar = _load_calendar(first, end)
    # Working days counted from `first` up to each date: late(d) = count(end) − count(d).
    counted, running, current = {first: 0}, 0, first
    while current < end:
        current += dt.timedelta(days=1)
        running += _is_working_day(current, calendar)
        counted[current] = running
    for deadline in late:
        result[deadline] = running - counted[deadline]
    return result


@dataclasses.dataclass(frozen=True)
class YearCalendarStatus:
    """What a year the package lacks still needs before its deadlines can be trusted (the admin banner)."""

    year: int
    entered: list[str]  # labels of the statutory holidays whose rest days are entered
    missing: list[str]  # … and of those still to enter

    @property
    def nothing_entered(self) -> bool:
        return not self.entered

    @property
    def all_entered(self) -> bool:
        return not self.missing


def holidays_entered(year: int) -> set[str]:
    """The statutory holidays (common.models.Holiday values) with at least one rest day entered for `year`."""
    from common.models import CalendarOverride

    return set(
        CalendarOverride.objects.filter(date__year=year, is_working_day=False)
        .exclude(holiday="")
        .values_list("holiday", flat=True)
        .distinct()
    )


def calendar_years_status(years: list[int]) -> list[YearCalendarStatus]:
    """For each of `years` the package lacks and the admin hasn't confirmed: which of the seven statutory
    holidays are entered and which are missing — entered but unconfirmed is not the same as not entered."""
    from common.models import CalendarOverride, Holiday

    missing_years = years_missing_calendar(years)
    if not missing_years:
        return []
    entered: dict[int, set[str]] = {year: set() for year in missing_years}
    rows = (
        CalendarOverride.objects.filter(date__year__in=missing_years, is_working_day=False)
        .exclude(holiday="")
        .values_list("date__year", "holiday")
        .distinct()
    )
    for year, holiday in rows:
        entered[year].add(holiday)
    return [
        YearCalendarStatus(
            year=year,
            entered=[h.label for h in Holiday if h.value in entered[year]],
            missing=[h.label for h in Holiday if h.value not in entered[year]],
        )
        for year in missing_years
    ]


def years_missing_calendar(years: list[int]) -> list[int]:
    """Years the package lacks and the admin hasn't confirmed complete (the admin banner).

    Overrides alone don't count: a year with one 2027-01-01 entry still has Spring Festival to enter.
    """
    from common.models import CalendarYear

    lacking = [y for y in years if not package_knows_year(y)]
    if not lacking:
        return []
    confirmed = set(CalendarYear.objects.filter(year__in=lacking).values_list("year", flat=True))
    return [y for y in lacking if y not in confirmed]
