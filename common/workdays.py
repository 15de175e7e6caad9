"""The working-day calendar (P1): Chinese statutory holidays and 调休 make-up workdays.

Built on chinesecalendar; the admin-editable CalendarOverride table wins over it. chinesecalendar 1.11.0
knows 2004–2026 only: for a year it lacks and the table doesn't cover, weekdays are working days, a
warning is logged, and admins see a banner until the year is entered (common.context_processors).

Conventions used everywhere:
- add_working_days(d, n): the n-th working day after d (d itself never counts).
- working_days_between(a, b): working days in the half-open span (a, b]; negative when b < a.
"""

import datetime as dt
import logging
from functools import cache

import chinese_calendar

logger = logging.getLogger(__name__)

# Longest run of non-working days in any Chinese year is 9 (Spring Festival + weekends); this window
# fits n working days with room to spare, so one override query normally serves a whole computation.
_SLACK_DAYS = 30


@cache
def package_knows_year(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@cache
def _warn_missing_year(year: int) -> None:
    logger.warning("%s年节假日安排未录入：按周一至周五为工作日计算，请管理员在“工作日历调整”中录入。", year)


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    from common.models import CalendarOverride

    return dict(
        CalendarOverride.objects.filter(date__range=(start, end)).values_list("date", "is_working_day")
    )


def _is_working_day(day: dt.date, overrides: dict[dt.date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    if package_knows_year(day.year):
        return chinese_calendar.is_workday(day)
    _warn_missing_year(day.year)
    return day.weekday() < 5


def is_working_day(day: dt.date) -> bool:
    return _is_working_day(day, _overrides(day, day))


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (n ≥ 0; n = 0 gives `start`)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    window_end = start + dt.timedelta(days=2 * n + _SLACK_DAYS)
    overrides = _overrides(start, window_end)
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if day > window_end:
            window_end = day + dt.timedelta(days=_SLACK_DAYS)
            overrides |= _overrides(day, window_end)
        if _is_working_day(day, overrides):
            counted += 1
    return day


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days in (a, b]: 0 when equal, negative when b is before a."""
    if b < a:
        return -working_days_between(b, a)
    overrides = _overrides(a, b)
    return sum(1 for i in range(1, (b - a).days + 1) if _is_working_day(a + dt.timedelta(days=i), overrides))


def next_working_day_on_or_after(day: dt.date) -> dt.date:
    overrides = _overrides(day, day + dt.timedelta(days=_SLACK_DAYS))
    while not _is_working_day(day, overrides):
        day += dt.timedelta(days=1)
    return day


def years_missing_calendar(years: list[int]) -> list[int]:
    """Years the package lacks and the override table has no entry for (admin banner)."""
    from common.models import CalendarOverride

    lacking = [y for y in years if not package_knows_year(y)]
    if not lacking:
        return []
    entered = set(
        CalendarOverride.objects.filter(date__year__in=lacking)
        .values_list("date__year", flat=True)
        .distinct()
    )
    return [y for y in lacking if y not in entered]
