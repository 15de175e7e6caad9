"""P1 (with P6): a year the package lacks counts as entered only once the admin confirms it, and calendar
changes recompute the push deadlines stored on unpushed projects."""

import datetime as dt
import logging

import pytest
from django.urls import reverse

from common import workdays
from common.models import ActionLog, CalendarOverride, CalendarYear, Holiday
from common.services import calendar_override_save
from common.workdays import add_working_days, is_working_day
from projects.models import Project
from tests.factories import create_project
from tests.helpers import SHANGHAI

D = dt.date
BANNER = "2027年节假日安排未录入"
NOVEMBER_2026 = dt.datetime(2026, 11, 15, 9, 0, tzinfo=SHANGHAI)
END_OF_2026 = dt.datetime(2026, 12, 30, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh_missing_year_warning():
    workdays._warn_missing_year.cache_clear()
    yield
    workdays._warn_missing_year.cache_clear()


# One rest day per statutory holiday of 2027 (the State Council's notice for 2027 is entered by the admin).
HOLIDAYS_2027 = {
    Holiday.NEW_YEAR: D(2027, 1, 1),
    Holiday.SPRING_FESTIVAL: D(2027, 2, 8),
    Holiday.QINGMING: D(2027, 4, 5),
    Holiday.LABOUR_DAY: D(2027, 5, 3),
    Holiday.DRAGON_BOAT: D(2027, 6, 9),
    Holiday.MID_AUTUMN: D(2027, 9, 15),
    Holiday.NATIONAL_DAY: D(2027, 10, 4),
}


def _enter_2027(*holidays):
    """Rest days for `holidays` (all seven when none named), entered outside the admin (no recompute)."""
    for holiday in holidays or HOLIDAYS_2027:
        CalendarOverride.objects.create(
            date=HOLIDAYS_2027[holiday], is_working_day=False, holiday=holiday, note=holiday.label
        )


def _pages(client):
    """The app's home page and the Django admin's index, as an admin sees them."""
    return client.get(reverse("home")).content.decode(), client.get(reverse("admin:index")).content.decode()


# --- the banner: overrides alone don't make a year complete -----------------------------------


@pytest.mark.django_db
def test_p1_one_2027_override_does_not_clear_the_banner(client, admin_user, time_machine):
    time_machine.move_to(NOVEMBER_2026)
    client.force_login(admin_user)
    _enter_2027(Holiday.NEW_YEAR)
    app_page, admin_page = _pages(client)
    # Spring Festival 2027 is still counted Monday–Friday: the admin must go on being told what is missing.
    partly = "2027年节假日安排尚未录入完整：已录入元旦，尚缺春节、清明节、劳动节、端午节、中秋节、国庆节"
    assert partly in app_page
    assert partly in admin_page


@pytest.mark.django_db
def test_p1_admin_pages_show_the_banner_with_links_and_keep_the_site_header(client, admin_user, time_machine):
    time_machine.move_to(NOVEMBER_2026)
    client.force_login(admin_user)
    page = client.get(reverse("admin:common_calendaroverride_changelist")).content.decode()
    assert BANNER in page
    assert reverse("admin:common_calendaroverride_changelist") in page
    assert reverse("admin:common_calendaryear_changelist") in page
    assert "中站区根治欠薪协同办案系统 · 管理后台" in page
    assert "<title>" in page and "根治欠薪管理后台</title>" in page


@pytest.mark.django_db
def test_p1_app_banner_tells_the_admin_to_confirm_the_year(client, admin_user, time_machine):
    time_machine.move_to(NOVEMBER_2026)
    client.force_login(admin_user)
    page = client.get(reverse("home")).content.decode()
    assert "节假日安排年度确认" in page
    assert reverse("admin:common_calendaryear_changelist") in page


@pytest.mark.django_db
def test_p1_banner_goes_once_the_admin_confirms_2027_in_the_admin(client, admin_user, time_machine):
    time_machine.move_to(NOVEMBER_2026)
    client.force_login(admin_user)
    _enter_2027()
    response = client.post(
        reverse("admin:common_calendaryear_add"), {"year": "2027", "note": "依据国务院办公厅通知录入"}
    )
    assert response.status_code == 302
    confirmed = CalendarYear.objects.get(year=2027)
    assert confirmed.confirmed_by == admin_user
    assert confirmed.confirmed_at is not None
    app_page, admin_page = _pages(client)
    assert "节假日安排未录入" not in app_page
    assert "节假日安排未录入" not in admin_page


@pytest.mark.django_db
def test_p1_a_year_without_any_holiday_entered_cannot_be_confirmed(client, admin_user, time_machine):
    time_machine.move_to(NOVEMBER_2026)
    client.force_login(admin_user)
    # A 调休 workday alone: no holiday of 2027 is entered yet.
    CalendarOverride.objects.create(date=D(2027, 2, 6), is_working_day=True, note="春节调休上班")
    response = client.post(reverse("admin:common_calendaryear_add"), {"year": "2027", "note": ""})
    assert response.status_code == 200
    assert "尚未录入2027年的任何放假日期" in response.content.decode()
    assert not CalendarYear.objects.exists()


@pytest.mark.django_db
def test_p1_a_year_outside_the_calendar_range_cannot_be_confirmed(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:common_calendaryear_add"), {"year": "1999", "note": ""})
    assert response.status_code == 200
    assert "年度应在2004年至2100年之间" in response.content.decode()
    assert not CalendarYear.objects.exists()


@pytest.mark.django_db
def test_p1_banner_is_back_when_the_confirmation_is_withdrawn(client, admin_user, time_machine):
    time_machine.move_to(NOVEMBER_2026)
    client.force_login(admin_user)
    confirmed = CalendarYear.objects.create(year=2027, confirmed_by=admin_user)
    assert BANNER not in client.get(reverse("home")).content.decode()
    response = client.post(reverse("admin:common_calendaryear_delete", args=[confirmed.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert BANNER in client.get(reverse("home")).content.decode()


# --- the fallback for undeclared days --------------------------------------------------------


@pytest.mark.django_db
def test_p1_undeclared_2027_days_fall_back_with_a_warning_while_the_year_is_unconfirmed(caplog):
    caplog.set_level(logging.WARNING, logger="common.workdays")
    CalendarOverride.objects.create(date=D(2027, 1, 1), is_working_day=False, note="元旦")
    # Thursday 2027-02-11 (Spring Festival eve, not entered): still a working day, and the log says why.
    assert is_working_day(D(2027, 2, 11)) is True
    assert "2027年节假日安排未录入" in caplog.text


@pytest.mark.django_db
def test_p1_undeclared_days_of_a_confirmed_year_are_plain_weekdays_without_a_warning(caplog):
    caplog.set_level(logging.WARNING, logger="common.workdays")
    CalendarOverride.objects.create(date=D(2027, 1, 1), is_working_day=False, note="元旦")
    CalendarYear.objects.create(year=2027)
    assert is_working_day(D(2027, 3, 5)) is True  # Friday
    assert is_working_day(D(2027, 3, 6)) is False  # Saturday
    # Thu 2026-12-31, [Fri 01-01 off], Mon 01-04, 01-05, 01-06, 01-07.
    assert add_working_days(D(2026, 12, 30), 5) == D(2027, 1, 7)
    assert caplog.records == []


# --- recomputing stored deadlines when the calendar changes -----------------------------------


@pytest.fixture
def projects_across_new_year(units, zhujian, street_clerk, time_machine):
    """Projects whose 5 working days from Mon 2026-12-28 cross Fri 2027-01-01 (fallback: a working day):
    12-29, 12-30, 12-31, 01-01, Mon 01-04."""
    time_machine.move_to(END_OF_2026)
    lifeng = units["李封街道办事处"]
    trigger = {"trigger_date": D(2026, 12, 28)}
    return {
        "draft": create_project(user=zhujian, street=lifeng, serial=1, **trigger),
        "pushed": create_project(user=zhujian, street=lifeng, serial=2, push=True, **trigger),
        "street_enterprise": create_project(
            user=street_clerk, street=lifeng, serial=3, trigger_type="street_enterprise", **trigger
        ),
        "street_self": create_project(
            user=street_clerk,
            street=lifeng,
            serial=4,
            trigger_type="street_self",
            planned_start_on=D(2027, 1, 4),
            **trigger,
        ),
        # Due Tue 12-08, long before 01-01: in the look-back window but not counted across the date.
        "earlier": create_project(user=zhujian, street=lifeng, serial=5, trigger_date=D(2026, 12, 1)),
    }


def _deadlines(projects):
    return {key: Project.objects.get(pk=p.pk).push_deadline for key, p in projects.items()}


ORIGINAL = {
    "draft": D(2027, 1, 4),
    "pushed": D(2027, 1, 4),
    "street_enterprise": D(2027, 1, 4),
    "street_self": D(2027, 1, 4),
    "earlier": D(2026, 12, 8),
}


def _add_new_years_day_in_the_admin(client):
    return client.post(
        reverse("admin:common_calendaroverride_add"),
        {"date": "2027-01-01", "note": "元旦"},  # the unticked checkbox: a holiday
        follow=True,
    )


@pytest.mark.django_db
def test_p1_adding_a_holiday_in_the_admin_moves_unpushed_deadlines_one_working_day(
    client, admin_user, projects_across_new_year
):
    assert _deadlines(projects_across_new_year) == ORIGINAL
    client.force_login(admin_user)
    response = _add_new_years_day_in_the_admin(client)
    assert response.status_code == 200
    assert CalendarOverride.objects.get(date=D(2027, 1, 1)).is_working_day is False
    # 12-29, 12-30, 12-31, [01-01 off], 01-04, Tue 01-05.
    assert _deadlines(projects_across_new_year) == {
        **ORIGINAL,
        "draft": D(2027, 1, 5),
        "street_enterprise": D(2027, 1, 5),  # a street's P1 clock moves too
        # P6: the pushed project's lateness was judged against the calendar in force when it was pushed.
        "pushed": D(2027, 1, 4),
        # P2: due by its planned start, whatever the calendar says.
        "street_self": D(2027, 1, 4),
    }
    assert "已重新计算 2 个待推送项目的推送截止日期" in response.content.decode()


@pytest.mark.django_db
def test_p1_a_recomputed_deadline_is_in_the_project_history(client, admin_user, projects_across_new_year):
    client.force_login(admin_user)
    _add_new_years_day_in_the_admin(client)
    draft = projects_across_new_year["draft"]
    latest = draft.history.order_by("-history_date", "-history_id").first()
    assert latest.history_change_reason == "project.deadline_recomputed"
    assert latest.history_user == admin_user
    assert latest.push_deadline == D(2027, 1, 5)
    assert (
        projects_across_new_year["pushed"]
        .history.filter(history_change_reason="project.deadline_recomputed")
        .count()
        == 0
    )


@pytest.mark.django_db
def test_p1_deleting_the_holiday_in_the_admin_moves_the_deadline_back(
    client, admin_user, projects_across_new_year
):
    client.force_login(admin_user)
    _add_new_years_day_in_the_admin(client)
    override = CalendarOverride.objects.get(date=D(2027, 1, 1))
    response = client.post(
        reverse("admin:common_calendaroverride_delete", args=[override.pk]), {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert not CalendarOverride.objects.exists()
    assert _deadlines(projects_across_new_year) == ORIGINAL
    assert "已重新计算 2 个待推送项目的推送截止日期" in response.content.decode()


@pytest.mark.django_db
def test_p1_turning_the_holiday_into_a_workday_in_the_admin_moves_the_deadline_back(
    client, admin_user, projects_across_new_year
):
    client.force_login(admin_user)
    _add_new_years_day_in_the_admin(client)
    override = CalendarOverride.objects.get(date=D(2027, 1, 1))
    client.post(
        reverse("admin:common_calendaroverride_change", args=[override.pk]),
        {"date": "2027-01-01", "is_working_day": "on", "note": "改为上班"},
    )
    assert _deadlines(projects_across_new_year) == ORIGINAL


@pytest.mark.django_db
def test_p1_moving_an_override_to_another_date_recomputes_both_dates(admin_user, projects_across_new_year):
    override = CalendarOverride(date=D(2027, 1, 1), is_working_day=False, note="元旦")
    assert calendar_override_save(override=override, user=admin_user) == 2
    # Moved to Mon 01-04: 12-29, 12-30, 12-31, 01-01, [01-04 off], Tue 01-05 — the same deadline by
    # another route, so nothing moves and nothing is counted.
    override.date = D(2027, 1, 4)
    assert calendar_override_save(override=override, user=admin_user) == 0
    assert _deadlines(projects_across_new_year)["draft"] == D(2027, 1, 5)
    # Moved to Saturday 01-02 (a rest day anyway): 01-04 works again and the deadline is back at 01-04.
    override.date = D(2027, 1, 2)
    assert calendar_override_save(override=override, user=admin_user) == 2
    assert _deadlines(projects_across_new_year) == ORIGINAL


@pytest.mark.django_db
def test_p1_bulk_deleting_overrides_counts_each_project_once(client, admin_user, projects_across_new_year):
    client.force_login(admin_user)
    holidays = [
        CalendarOverride(date=D(2026, 12, 31), is_working_day=False),
        CalendarOverride(date=D(2027, 1, 1), is_working_day=False),
    ]
    for override in holidays:
        calendar_override_save(override=override, user=admin_user)
    # 12-29, 12-30, [12-31, 01-01 off], 01-04, 01-05, Wed 01-06.
    assert _deadlines(projects_across_new_year)["draft"] == D(2027, 1, 6)
    response = client.post(
        reverse("admin:common_calendaroverride_changelist"),
        {"action": "delete_selected", "_selected_action": [o.pk for o in holidays], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert not CalendarOverride.objects.exists()
    assert _deadlines(projects_across_new_year) == ORIGINAL
    assert "已重新计算 2 个待推送项目的推送截止日期" in response.content.decode()


@pytest.mark.django_db
def test_p1_confirming_a_year_recomputes_deadlines_from_overrides_entered_another_way(
    client, admin_user, projects_across_new_year
):
    # Loaded outside the admin (a fixture, the shell): no deadline moved yet.
    _enter_2027()
    assert _deadlines(projects_across_new_year)["draft"] == D(2027, 1, 4)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:common_calendaryear_add"), {"year": "2027", "note": ""}, follow=True
    )
    assert response.status_code == 200
    assert CalendarYear.objects.filter(year=2027).exists()
    assert _deadlines(projects_across_new_year)["draft"] == D(2027, 1, 5)
    assert "已重新计算 2 个待推送项目的推送截止日期" in response.content.decode()


@pytest.mark.django_db
def test_p1_a_change_far_from_any_trigger_moves_nothing(admin_user, projects_across_new_year):
    override = CalendarOverride(date=D(2027, 6, 1), is_working_day=False, note="远期")
    assert calendar_override_save(override=override, user=admin_user) == 0
    assert _deadlines(projects_across_new_year) == ORIGINAL


# --- B2: a year is complete only with all seven statutory holidays --------------------------------


@pytest.mark.django_db
def test_p1_2027_with_only_new_years_day_is_refused_naming_the_six_missing_holidays(
    client, admin_user, time_machine
):
    time_machine.move_to(NOVEMBER_2026)
    client.force_login(admin_user)
    _enter_2027(Holiday.NEW_YEAR)
    response = client.post(reverse("admin:common_calendaryear_add"), {"year": "2027", "note": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert "2027年尚未录入以下法定节日的放假日期：春节、清明节、劳动节、端午节、中秋节、国庆节" in body
    assert not CalendarYear.objects.exists()


@pytest.mark.django_db
def test_p1_the_service_refuses_a_year_missing_one_holiday_and_accepts_it_once_entered(admin_user):
    from django.core.exceptions import ValidationError

    from common.services import calendar_year_confirm, calendar_year_validate

    _enter_2027(*[h for h in HOLIDAYS_2027 if h != Holiday.MID_AUTUMN])
    with pytest.raises(ValidationError) as e:
        calendar_year_confirm(calendar_year=CalendarYear(year=2027), user=admin_user)
    (message,) = e.value.message_dict["year"]
    assert "中秋节" in message
    assert "春节" not in message
    _enter_2027(Holiday.MID_AUTUMN)
    calendar_year_validate(year=2027)  # no error
    calendar_year_confirm(calendar_year=CalendarYear(year=2027), user=admin_user)
    assert CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.django_db
def test_p1_a_workday_or_an_unlabelled_rest_day_does_not_count_as_a_holiday_entered():
    from django.core.exceptions import ValidationError

    from common.services import calendar_year_validate

    _enter_2027(*[h for h in HOLIDAYS_2027 if h != Holiday.SPRING_FESTIVAL])
    # A 调休 Saturday worked for Spring Festival, and a rest day nobody assigned to a holiday.
    CalendarOverride.objects.create(
        date=D(2027, 2, 20), is_working_day=True, holiday=Holiday.SPRING_FESTIVAL, note="春节调休上班"
    )
    CalendarOverride.objects.create(date=D(2027, 2, 9), is_working_day=False, note="春节")
    with pytest.raises(ValidationError) as e:
        calendar_year_validate(year=2027)
    assert "春节" in e.value.message_dict["year"][0]


@pytest.mark.django_db
def test_p1_a_year_the_package_knows_needs_no_entries(admin_user):
    from common.services import calendar_year_validate

    calendar_year_validate(year=2026)  # chinesecalendar has 2026: nothing to enter


@pytest.mark.django_db
def test_p1_the_banner_tells_not_entered_from_entered_but_unconfirmed(client, admin_user, time_machine):
    time_machine.move_to(NOVEMBER_2026)
    client.force_login(admin_user)
    app_page, admin_page = _pages(client)
    assert "2027年节假日安排未录入" in app_page and "2027年节假日安排未录入" in admin_page

    _enter_2027()
    app_page, admin_page = _pages(client)
    unconfirmed = "2027年七个法定节日的放假日期均已录入，尚未确认"
    assert unconfirmed in app_page and unconfirmed in admin_page
    assert "节假日安排未录入" not in app_page
    assert "尚缺" not in app_page


@pytest.mark.django_db
def test_p1_the_admin_form_offers_the_holiday_choice(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:common_calendaroverride_add"),
        {"date": "2027-02-08", "holiday": "spring_festival", "note": "春节放假"},
    )
    assert response.status_code == 302
    override = CalendarOverride.objects.get()
    assert (override.holiday, override.is_working_day) == (Holiday.SPRING_FESTIVAL, False)
    page = client.get(reverse("admin:common_calendaroverride_changelist")).content.decode()
    assert "所属节日" in page and "春节" in page


# --- A1: calendar changes in the action log -------------------------------------------------------


@pytest.mark.django_db
def test_calendar_changes_are_in_the_action_log_with_the_admin(client, admin_user, time_machine):
    time_machine.move_to(NOVEMBER_2026)
    client.force_login(admin_user)
    _enter_2027(*[h for h in HOLIDAYS_2027 if h != Holiday.NEW_YEAR])
    client.post(
        reverse("admin:common_calendaroverride_add"),
        {"date": "2027-01-01", "holiday": "new_year", "note": "元旦"},
    )
    override = CalendarOverride.objects.get(date=D(2027, 1, 1))
    client.post(
        reverse("admin:common_calendaryear_add"), {"year": "2027", "note": "依据国务院办公厅通知录入"}
    )
    year = CalendarYear.objects.get(year=2027)
    client.post(reverse("admin:common_calendaryear_delete", args=[year.pk]), {"post": "yes"})
    client.post(reverse("admin:common_calendaroverride_delete", args=[override.pk]), {"post": "yes"})

    entries = list(ActionLog.objects.order_by("id").values_list("action", "object_id", "actor_id", "data"))
    assert [(a, o, u) for a, o, u, _ in entries] == [
        ("calendar.override_saved", str(override.pk), admin_user.pk),
        ("calendar.year_confirmed", str(year.pk), admin_user.pk),
        ("calendar.year_withdrawn", str(year.pk), admin_user.pk),
        ("calendar.override_deleted", str(override.pk), admin_user.pk),
    ]
    assert entries[0][3]["date"] == "2027-01-01" and entries[0][3]["holiday"] == "new_year"
    # The diff rows the admin's history page shows carry the same code and the admin.
    deleted = CalendarOverride.history.filter(id=override.pk, history_type="-").get()
    assert (deleted.history_change_reason, deleted.history_user) == ("calendar.override_deleted", admin_user)


@pytest.mark.django_db
def test_p1_overrides_entered_before_the_holiday_field_take_it_from_their_note():
    import importlib
    import pkgutil

    from django.apps import apps

    import common.migrations

    # Found by name: the coordinator may renumber the migration.
    (name,) = [
        m.name
        for m in pkgutil.iter_modules(common.migrations.__path__)
        if "calendaroverride_holiday" in m.name
    ]
    migration = importlib.import_module(f"common.migrations.{name}")
    spring = CalendarOverride.objects.create(date=D(2027, 2, 8), is_working_day=False, note="2027年春节放假")
    both = CalendarOverride.objects.create(date=D(2027, 10, 1), is_working_day=False, note="中秋国庆")
    plain = CalendarOverride.objects.create(date=D(2027, 3, 1), is_working_day=False, note="临时停电")
    migration.holiday_from_note(apps, None)
    spring.refresh_from_db(), both.refresh_from_db(), plain.refresh_from_db()
    assert (spring.holiday, both.holiday, plain.holiday) == (Holiday.SPRING_FESTIVAL, "", "")
