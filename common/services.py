"""The only code that writes the working-day calendar (P1): overrides and year confirmations.

Every change sends common.signals.calendar_changed inside its transaction, so the deadlines other apps
stored from the calendar are recomputed atomically with it (projects.apps connects the receiver).
"""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from common.audit import log_action
from common.models import CalendarOverride, CalendarYear, Holiday, User
from common.signals import calendar_changed
from common.workdays import holidays_entered, package_knows_year


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
    override.save()
    log_action(override, action="calendar.override_saved", actor=user, data=_override_data(override))
    return _calendar_changed(sender=CalendarOverride, dates=dates, user=user)


def _override_data(override: CalendarOverride) -> dict:
    return {
        "date": override.date.isoformat(),
        "is_working_day": override.is_working_day,
        "holiday": override.holiday,
        "note": override.note,
    }


@transaction.atomic
def calendar_overrides_delete(*, overrides: Iterable[CalendarOverride], user: User | None) -> int:
    """P1: delete overrides (the package or the Monday–Friday fallback rules those dates again)."""
    dates = set()
    for override in overrides:
        dates.add(override.date)
        pk = override.pk
        override.delete()
        # delete() clears the pk; the entry names the row that was (and links the deletion's diff row).
        override.pk = pk
        log_action(override, action="calendar.override_deleted", actor=user, data=_override_data(override))
    if not dates:
        return 0
    # One signal for the whole batch, so a project whose deadline spans two deleted dates counts once.
    return _calendar_changed(sender=CalendarOverride, dates=dates, user=user)


def calendar_override_delete(*, override: CalendarOverride, user: User | None) -> int:
    return calendar_overrides_delete(overrides=[override], user=user)


def calendar_year_validate(*, year: int) -> None:
    """P1: a year the package lacks is complete only when each of the seven statutory holidays (元旦, 春节,
    清明节, 劳动节, 端午节, 中秋节, 国庆节) has its rest days entered — the admin marks each rest day with its
    holiday (CalendarOverride.holiday). Otherwise 2027's Spring Festival would count as working days."""
    if package_knows_year(year):
        return
    entered = holidays_entered(year)
    missing = [h.label for h in Holiday if h.value not in entered]
    if not missing:
        return
    how = "每个放假日请选择“所属节日”"
    if not entered:
        message = (
            f"尚未录入{year}年的任何放假日期：请先在“工作日历调整”中录入国务院公布的{year}年放假和调休上班安排"
            f"（{how}：{'、'.join(missing)}），再确认该年度"
        )
    else:
        message = (
            f"{year}年尚未录入以下法定节日的放假日期：{'、'.join(missing)}。请先在“工作日历调整”中录入"
            f"（{how}），再确认该年度"
        )
    raise ValidationError({"year": message})


@transaction.atomic
def calendar_year_confirm(*, calendar_year: CalendarYear, user: User | None) -> int:
    """P1: the admin declares a year's holidays and 调休 days entered in full; the banner for it goes.

    Confirming changes no working day by itself, but the whole year is recomputed anyway: overrides that
    reached the table another way (a fixture, the shell) are picked up in the same step.
    """
    calendar_year_validate(year=calendar_year.year)
    calendar_year.confirmed_by = user
    calendar_year.confirmed_at = timezone.now()
    calendar_year.save()
    log_action(calendar_year, action="calendar.year_confirmed", actor=user, note=calendar_year.note)
    return _calendar_changed(sender=CalendarYear, dates=_days_of(calendar_year.year), user=user)


@transaction.atomic
def calendar_year_delete(*, calendar_year: CalendarYear, user: User | None) -> None:
    """Withdraw a confirmation (entered by mistake): the banner and the fallback warning come back."""
    pk = calendar_year.pk
    calendar_year.delete()
    calendar_year.pk = pk  # as in calendar_overrides_delete: the entry names the row that was
    log_action(calendar_year, action="calendar.year_withdrawn", actor=user, data={"year": calendar_year.year})


def _days_of(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days)]
