"""P1: the working-day calendar — statutory holidays, 调休 make-up workdays, admin overrides, unknown years."""

import datetime as dt
import logging

import pytest
from django.urls import reverse

from common import workdays
from common.models import CalendarOverride
from common.workdays import add_working_days, is_working_day, working_days_between
from tests.helpers import SHANGHAI

D = dt.date


@pytest.fixture(autouse=True)
def _fresh_missing_year_warning():
    # The "year not entered" warning is logged once per process; each test here wants to see it afresh.
    workdays._warn_missing_year.cache_clear()
    yield
    workdays._warn_missing_year.cache_clear()


# --- the package's 2026 calendar -------------------------------------------------------------


@pytest.mark.django_db
def test_p1_tiaoxiu_saturday_2026_10_10_is_a_working_day():
    assert D(2026, 10, 10).weekday() == 5  # a Saturday
    assert is_working_day(D(2026, 10, 10)) is True


@pytest.mark.django_db
@pytest.mark.parametrize("day", [D(2026, 10, 1), D(2026, 10, 3), D(2026, 10, 5), D(2026, 10, 7)])
def test_p1_national_day_2026_weekdays_and_weekend_are_off(day):
    assert is_working_day(day) is False


@pytest.mark.django_db
def test_p1_the_sunday_after_national_day_is_an_ordinary_rest_day():
    assert is_working_day(D(2026, 10, 11)) is False
    assert is_working_day(D(2026, 10, 8)) is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Tue 09-29: 09-30, [10-01..10-07 off], 10-08, 10-09, 10-10 (调休 Sat), 10-12 Mon.
        (D(2026, 9, 29), 5, D(2026, 10, 12)),
        # Wed 09-30 (last day before the holiday): 10-08, 10-09, 10-10, 10-12, 10-13.
        (D(2026, 9, 30), 5, D(2026, 10, 13)),
        # A trigger inside the holiday counts from the first working day after it.
        (D(2026, 10, 3), 1, D(2026, 10, 8)),
        (D(2026, 10, 3), 3, D(2026, 10, 10)),
        # Fri 09-18: Sunday 09-20 is a 调休 make-up workday and counts first.
        (D(2026, 9, 18), 1, D(2026, 9, 20)),
        (D(2026, 9, 18), 5, D(2026, 9, 24)),
        # Mid-Autumn 09-25..09-27 sits a few days before National Day.
        (D(2026, 9, 24), 1, D(2026, 9, 28)),
        (D(2026, 9, 22), 5, D(2026, 9, 30)),
        (D(2026, 9, 22), 6, D(2026, 10, 8)),
    ],
)
def test_p1_add_working_days_across_national_day_2026(start, n, expected):
    assert add_working_days(start, n) == expected


@pytest.mark.django_db
def test_p1_add_working_days_across_spring_festival_2026():
    # Thu 02-12: 02-13, 02-14 (调休 Sat), [02-15..02-23 off], 02-24, 02-25, 02-26.
    assert add_working_days(D(2026, 2, 12), 5) == D(2026, 2, 26)
    assert is_working_day(D(2026, 2, 14)) is True
    assert is_working_day(D(2026, 2, 23)) is False  # Monday, still Spring Festival
    # 调休 Saturday 02-28 after the festival counts too: Thu 02-26 + 2 = Sat 02-28.
    assert add_working_days(D(2026, 2, 26), 2) == D(2026, 2, 28)


@pytest.mark.django_db
def test_p1_add_working_days_skips_a_plain_weekend():
    # Thu 2026-06-04: Fri 06-05, Mon 06-08, 06-09, 06-10, 06-11.
    assert add_working_days(D(2026, 6, 4), 5) == D(2026, 6, 11)
    # Friday + 1 is Monday; a Saturday start behaves like the Friday before it.
    assert add_working_days(D(2026, 6, 5), 1) == D(2026, 6, 8)
    assert add_working_days(D(2026, 6, 6), 1) == D(2026, 6, 8)


@pytest.mark.django_db
def test_add_working_days_zero_returns_the_start_even_on_a_holiday():
    assert add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 3)


@pytest.mark.django_db
def test_add_working_days_refuses_a_negative_count():
    with pytest.raises(ValueError):
        add_working_days(D(2026, 6, 4), -1)


# --- working_days_between: the half-open span (a, b] ----------------------------------------


@pytest.mark.django_db
def test_working_days_between_is_zero_for_the_same_day():
    assert working_days_between(D(2026, 10, 12), D(2026, 10, 12)) == 0
    assert working_days_between(D(2026, 10, 3), D(2026, 10, 3)) == 0


@pytest.mark.django_db
def test_working_days_between_counts_the_end_but_not_the_start():
    assert working_days_between(D(2026, 10, 12), D(2026, 10, 13)) == 1
    # Wed 09-30 → Thu 10-08: only 10-08 is a working day.
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 1
    # Tue 09-29 → Mon 10-12 spans the whole holiday: 09-30, 10-08, 10-09, 10-10, 10-12.
    assert working_days_between(D(2026, 9, 29), D(2026, 10, 12)) == 5


@pytest.mark.django_db
def test_working_days_between_is_negative_when_b_is_before_a():
    assert working_days_between(D(2026, 10, 13), D(2026, 10, 12)) == -1
    assert working_days_between(D(2026, 10, 12), D(2026, 9, 29)) == -5


@pytest.mark.django_db
def test_working_days_between_a_friday_and_the_weekend_is_zero():
    assert working_days_between(D(2026, 6, 5), D(2026, 6, 7)) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("start", [D(2026, 9, 29), D(2026, 2, 12), D(2026, 6, 4), D(2026, 12, 28)])
def test_working_days_between_inverts_add_working_days(start):
    assert working_days_between(start, add_working_days(start, 5)) == 5


# --- the admin's override table wins over the package -----------------------------------------


@pytest.mark.django_db
def test_p1_override_turns_a_package_workday_into_a_holiday():
    CalendarOverride.objects.create(date=D(2026, 10, 10), is_working_day=False, note="调休取消")
    assert is_working_day(D(2026, 10, 10)) is False
    # The 5th working day after 09-29 moves from Mon 10-12 to Tue 10-13.
    assert add_working_days(D(2026, 9, 29), 5) == D(2026, 10, 13)
    assert working_days_between(D(2026, 10, 9), D(2026, 10, 12)) == 1


@pytest.mark.django_db
def test_p1_override_turns_a_package_holiday_into_a_workday():
    CalendarOverride.objects.create(date=D(2026, 10, 5), is_working_day=True, note="临时上班")
    assert is_working_day(D(2026, 10, 5)) is True
    # 09-30, 10-05, 10-08, 10-09, 10-10.
    assert add_working_days(D(2026, 9, 29), 5) == D(2026, 10, 10)
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 2


@pytest.mark.django_db
def test_p1_overrides_beyond_the_first_lookup_window_still_count():
    # add_working_days loads overrides for a window (n=1: about a month) and extends it when the count runs
    # past it; overrides in the extension must be honoured too. Here 03-03..04-20 are all declared off.
    start = D(2026, 3, 2)  # Monday
    CalendarOverride.objects.bulk_create(
        CalendarOverride(date=start + dt.timedelta(days=i), is_working_day=False) for i in range(1, 50)
    )
    assert add_working_days(start, 1) == D(2026, 4, 21)
    assert working_days_between(start, D(2026, 4, 21)) == 1


# --- a year the package lacks (2027) ------------------------------------------------------------


@pytest.mark.django_db
def test_p1_year_2027_falls_back_to_monday_to_friday_and_warns(caplog):
    caplog.set_level(logging.WARNING, logger="common.workdays")
    assert workdays.package_knows_year(2027) is False
    assert is_working_day(D(2027, 3, 5)) is True  # Friday
    assert is_working_day(D(2027, 3, 6)) is False  # Saturday
    assert "2027年节假日安排未录入" in caplog.text
    assert any(r.levelno == logging.WARNING and r.name == "common.workdays" for r in caplog.records)


@pytest.mark.django_db
def test_p1_a_count_crossing_into_2027_uses_the_package_then_the_fallback(caplog):
    caplog.set_level(logging.WARNING, logger="common.workdays")
    # Wed 2026-12-30: 12-31 (package), Fri 2027-01-01 (fallback: a weekday), Mon 01-04, 01-05, 01-06.
    assert add_working_days(D(2026, 12, 30), 5) == D(2027, 1, 6)
    assert "2027年" in caplog.text


@pytest.mark.django_db
def test_p1_year_2027_overrides_fill_the_gap_without_a_warning(caplog):
    caplog.set_level(logging.WARNING, logger="common.workdays")
    CalendarOverride.objects.create(date=D(2027, 1, 1), is_working_day=False, note="元旦")
    assert is_working_day(D(2027, 1, 1)) is False
    assert caplog.text == ""


@pytest.mark.django_db
def test_p1_2026_dates_never_warn(caplog):
    caplog.set_level(logging.WARNING, logger="common.workdays")
    add_working_days(D(2026, 9, 29), 5)
    assert caplog.records == []


# --- the admin banner ---------------------------------------------------------------------------

BANNER = "2027年节假日安排未录入"


@pytest.mark.django_db
def test_p1_banner_shows_2027_missing_to_an_admin_in_november_2026(client, admin_user, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 15, 9, 0, tzinfo=SHANGHAI))
    client.force_login(admin_user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert BANNER in response.content.decode()
    assert reverse("admin:common_calendaroverride_changelist") in response.content.decode()


@pytest.mark.django_db
def test_p1_banner_shows_to_a_non_superuser_with_the_admin_role(client, units, time_machine):
    from tests.factories import UserFactory

    time_machine.move_to(dt.datetime(2026, 11, 15, 9, 0, tzinfo=SHANGHAI))
    admin_role = UserFactory(username="guanli_t", unit=None, role="admin")
    client.force_login(admin_role)
    assert BANNER in client.get(reverse("projects:ledger")).content.decode()


@pytest.mark.django_db
def test_p1_banner_is_not_shown_to_a_clerk(client, zhujian, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 15, 9, 0, tzinfo=SHANGHAI))
    client.force_login(zhujian)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "节假日安排未录入" not in response.content.decode()


@pytest.mark.django_db
def test_p1_banner_disappears_once_2027_is_entered_and_confirmed(client, admin_user, time_machine):
    from common.models import CalendarYear

    time_machine.move_to(dt.datetime(2026, 11, 15, 9, 0, tzinfo=SHANGHAI))
    client.force_login(admin_user)
    assert BANNER in client.get(reverse("home")).content.decode()
    CalendarOverride.objects.create(date=D(2027, 2, 6), is_working_day=True, note="2027年春节调休上班")
    # One override doesn't make a year complete (tests/common/test_calendar_years.py); the confirmation does.
    assert BANNER in client.get(reverse("home")).content.decode()
    CalendarYear.objects.create(year=2027, confirmed_by=admin_user)
    assert "节假日安排未录入" not in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_p1_banner_is_quiet_while_every_deadline_stays_in_2026(client, admin_user, time_machine):
    # In early October 2026 deadlines reach no further than December: nothing to enter yet.
    time_machine.move_to(dt.datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI))
    client.force_login(admin_user)
    assert "节假日安排未录入" not in client.get(reverse("home")).content.decode()


# --- P6 lateness in working days (common.workdays.working_days_late) --------------------------------------


@pytest.mark.parametrize(
    ("deadline", "day", "late"),
    [
        (D(2026, 10, 16), D(2026, 10, 16), 0),  # Friday, on the day
        (D(2026, 10, 16), D(2026, 10, 15), 0),  # before
        (D(2026, 10, 16), D(2026, 10, 17), 1),  # Saturday: received Monday
        (D(2026, 10, 16), D(2026, 10, 18), 1),  # Sunday: received Monday
        (D(2026, 10, 16), D(2026, 10, 19), 1),  # Monday
        (D(2026, 10, 16), D(2026, 10, 23), 5),  # a calendar week later: 5 working days
        (D(2026, 9, 30), D(2026, 10, 3), 1),  # National Day: received Thu 10-08
        (D(2026, 9, 30), D(2026, 10, 10), 3),  # 10-08, 10-09, 10-10 (调休 Saturday)
    ],
)
@pytest.mark.django_db
def test_p6_working_days_late(deadline, day, late):
    assert workdays.working_days_late(deadline, day) == late


@pytest.mark.django_db
def test_p6_working_days_late_for_many_deadlines_agrees_with_one_at_a_time(django_assert_max_num_queries):
    deadlines = [D(2026, 9, 30), D(2026, 10, 9), D(2026, 10, 12), D(2026, 10, 20), D(2026, 10, 30)]
    expected = {d: workdays.working_days_late(d, D(2026, 10, 20)) for d in deadlines}
    with django_assert_max_num_queries(2):
        assert workdays.working_days_late_many(deadlines, D(2026, 10, 20)) == expected
    assert expected[D(2026, 10, 20)] == expected[D(2026, 10, 30)] == 0
