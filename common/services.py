"""The only code that writes the working-day calendar (P1): overrides and year confirmations.

Every change sends common.signals.calendar_changed inside its transaction, so the deadlines other apps
stored from the calendar are recomputed atomically with it (projects.apps connects the receiver).
"""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from common.models import CalendarOverride, CalendarYear, User
from common.signals import calendar_changed
from common.workdays import package_knows_year


def _calendar_changed(*, sender: type, dates: Iterable[dt.date], user: User | None) -> int:
    """Tell the apps above common; the number of records they recomputed."""
    responses = calendar_changed.send(sender=sender, dates=sorted(set(dates)), user=user)
    return sum(r for _, r in responses if isinstance(r, int))


@transaction.atomic
def calendar_override_save(*, override: CalendarOverride, user: User | None) -> int:
    """P1: create or change one date's override; returns how many stored deadlines moved.

    A changed date moves both its old and its new day: deadlines counted across either may change.
    """
    dates = {override.date}
    if override.pk is not None:
        old = CalendarOverride.objects.select_for_update().filter(pk=override.pk).first()
        if old is not None:
            dates.add(old.date)
    override._history_user = user
    override.save()
    return _calendar_changed(sender=CalendarOverride, dates=dates, user=user)


@transaction.atomic
def calendar_overrides_delete(*, overrides: Iterable[CalendarOverride], user: User | None) -> int:
    """P1: delete overrides (the package or the Monday–Friday fallback rules those dates again)."""
    dates = set()
    for override in overrides:
        dates.add(override.date)
        override._history_user = user
        override.delete()
    if not dates:
        return 0
    # One signal for the whole batch, so a project whose deadline spans two deleted dates counts once.
    return _calendar_changed(sender=CalendarOverride, dates=dates, user=user)


def calendar_override_delete(*, override: CalendarOverride, user: User | None) -> int:
    return calendar_overrides_delete(overrides=[override], user=user)


def calendar_year_validate(*, year: int) -> None:
    """A year the package lacks can't be complete without a single holiday entered (元旦 and 春节 at least)."""
    if package_knows_year(year):
        return
    if not CalendarOverride.objects.filter(date__year=year, is_working_day=False).exists():
        raise ValidationError(
            {
                "year": f"尚未录入{year}年的任何放假日期：请先在“工作日历调整”中录入国务院公布的"
                f"{year}年放假和调休上班安排，再确认该年度"
            }
        )


@transaction.atomic
def calendar_year_confirm(*, calendar_year: CalendarYear, user: User | None) -> int:
    """P1: the admin declares a year's holidays and 调休 days entered in full; the banner for it goes.

    Confirming changes no working day by itself, but the whole year is recomputed anyway: overrides that
    reached the table another way (a fixture, the shell) are picked up in the same step.
    """
    calendar_year_validate(year=calendar_year.year)
    calendar_year.confirmed_by = user
    calendar_year.confirmed_at = timezone.now()
    calendar_year._history_user = user
    calendar_year.save()
    return _calendar_changed(sender=CalendarYear, dates=_days_of(calendar_year.year), user=user)


@transaction.atomic
def calendar_year_delete(*, calendar_year: CalendarYear, user: User | None) -> None:
    """Withdraw a confirmation (entered by mistake): the banner and the fallback warning come back."""
    calendar_year._history_user = user
    calendar_year.delete()


def _days_of(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days)]
