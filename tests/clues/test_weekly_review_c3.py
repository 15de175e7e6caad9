"""C3 step 5 (周调度): the Friday review — its day (holidays, 调休, a week all off), built once per week even when
run twice or raced, a missed one built late for the right week, the clues it lists, the week-over-week change,
unit scoping of the pages, export and API, notifications once per unit, and the command's bad input."""

import datetime as dt
import json
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from clues import review as reviews
from clues.models import Letter, LetterKind, LetterStatus, WeeklyReview, WeeklyReviewItem
from clues.services import clue_acknowledge, clue_confirm_closure, clue_note_progress, clue_submit_result
from common.models import ActionLog, IssuedDocument, Notification, PolicyParameter
from tests.factories import UserFactory
from tests.helpers import at

from .conftest import dispatch, register
from .test_concurrency_c4_pg import _Thread, _wait_for_a_lock_waiter, needs_postgresql

ZHUJIAN = "区住房城乡建设局"
JIAOTONG = "区交通运输局"


@pytest.fixture(autouse=True)
def _registered(db):
    """clues.apps calls clues.review.register() in ready(); called here too so the tests don't depend on it."""
    from common.policy import sync_parameters

    reviews.register()
    sync_parameters()


def _client(user):
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(user)
    return c


def _letter(clue, kind, *, sent: bool, serial: int):
    document = IssuedDocument.objects.create(
        kind=f"clues.letter_{kind}",
        unit=clue.responsible_unit,
        number=f"测试函〔2026〕{serial}号",
        sequence_number=serial,
        year=2026,
        addressee=clue.responsible_unit.name,
        content_type=ContentType.objects.get_for_model(clue),
        object_id=clue.pk,
        issued_at=clue.received_at,
        verify_code=f"TESTCODE{serial:04d}",
    )
    return Letter.objects.create(
        clue=clue,
        kind=kind,
        number=document.number,
        addressee=clue.responsible_unit.name,
        responsible_unit=clue.responsible_unit,
        due_at=clue.received_at,
        status=LetterStatus.SENT if sent else LetterStatus.CREATED,
        document=document,
    )


@pytest.fixture
def week(dispatcher, zhujian, jiaotong, units, now):
    """Clues received Tuesday 2026-09-15 09:00, in every stage: two held by 住建 (dispatched; acknowledged with
    progress and both letters), one by 交通 (dispatched), one registered, one result-submitted, one closed."""
    zj, jt = units[ZHUJIAN], units[JIAOTONG]
    held = dispatch(dispatcher, register(dispatcher, units), zj)
    worked = clue_acknowledge(user=zhujian, clue=dispatch(dispatcher, register(dispatcher, units), zj))
    clue_note_progress(user=zhujian, clue=worked, note="已约谈施工单位")
    clue_note_progress(user=zhujian, clue=worked, note="已核对工资表，拟本周支付")
    _letter(worked, LetterKind.REMINDER, sent=True, serial=1)
    _letter(worked, LetterKind.ESCALATION, sent=False, serial=2)
    other = dispatch(dispatcher, register(dispatcher, units), jt)
    registered = register(dispatcher, units)
    submitted = clue_acknowledge(user=zhujian, clue=dispatch(dispatcher, register(dispatcher, units), zj))
    clue_submit_result(user=zhujian, clue=submitted, result_type="not_substantiated", evidence="核查记录")
    closed = clue_acknowledge(user=zhujian, clue=dispatch(dispatcher, register(dispatcher, units), zj))
    clue_submit_result(user=zhujian, clue=closed, result_type="not_substantiated", evidence="核查记录")
    clue_confirm_closure(user=dispatcher, clue=closed)
    return {
        "held": held,
        "worked": worked,
        "other": other,
        "registered": registered,
        "submitted": submitted,
        "closed": closed,
    }


FRIDAY = at(2026, 9, 18, 9)  # the review day of the week of Monday 2026-09-14


# --- the review day ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_review_day_is_friday_normally():
    assert reviews.review_day(dt.date(2026, 11, 30)) == dt.date(2026, 12, 4)
    assert reviews.review_day(dt.date(2026, 12, 2)) == dt.date(2026, 12, 4)  # any day of the week
    assert reviews.review_day(dt.date(2026, 12, 6)) == dt.date(2026, 12, 4)  # Sunday belongs to the same week


@pytest.mark.django_db
def test_a_holiday_friday_moves_to_the_last_working_day_before_it_in_that_week():
    # National Day 2026: 10-01..10-07 off; Friday 2026-10-02 is a holiday, so Wednesday 2026-09-30.
    assert reviews.review_day(dt.date(2026, 9, 28)) == dt.date(2026, 9, 30)
    # The next week: 10-05..10-07 off, Friday 10-09 a working day again.
    assert reviews.review_day(dt.date(2026, 10, 5)) == dt.date(2026, 10, 9)


@pytest.mark.django_db
def test_a_week_all_off_keeps_the_weekday_itself():
    # Spring Festival 2026: Monday 02-16 to Sunday 02-22 all rest days — the documented rule: Friday 02-20.
    assert reviews.review_day(dt.date(2026, 2, 16)) == dt.date(2026, 2, 20)


@pytest.mark.django_db
def test_hrss_may_change_the_weekday_and_a_tiaoxiu_saturday_counts_as_working(admin_user):
    from common.policy import policy_parameter_update

    parameter = PolicyParameter.objects.get(code=reviews.REVIEW_WEEKDAY)
    assert parameter.value == 5 and parameter.kind == "weekday"
    policy_parameter_update(parameter=parameter, value=Decimal(3), actor=admin_user, note="改为周三调度")
    assert reviews.review_day(dt.date(2026, 11, 30)) == dt.date(2026, 12, 2)
    policy_parameter_update(parameter=parameter, value=Decimal(6), actor=admin_user, note="改为周六")
    assert reviews.review_day(dt.date(2026, 11, 30)) == dt.date(2026, 12, 4)  # a Saturday off: Friday
    assert reviews.review_day(dt.date(2026, 10, 5)) == dt.date(2026, 10, 10)  # 2026-10-10 is a 调休 workday


# --- building once -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_running_twice_creates_one_review_and_tells_nobody_twice(week):
    review, created = reviews.weekly_review_build(now=FRIDAY)
    assert created and review.review_date == dt.date(2026, 9, 18) and not review.built_late
    notified = Notification.objects.count()
    again, created_again = reviews.weekly_review_build(now=FRIDAY + dt.timedelta(hours=3))
    assert again.pk == review.pk and not created_again
    assert WeeklyReview.objects.count() == 1
    assert WeeklyReviewItem.objects.filter(review=review).count() == 3
    assert Notification.objects.count() == notified
    assert ActionLog.objects.filter(action="clue.weekly_review_built").count() == 1


@pytest.mark.django_db
def test_a_run_that_loses_the_race_at_the_unique_week_creates_nothing(week, monkeypatch):
    """A concurrent run passed the existence check before the first committed: its INSERT fails on the unique
    week_start inside a savepoint, and it returns the first run's review."""
    first, _ = reviews.weekly_review_build(now=FRIDAY)
    items, notes = WeeklyReviewItem.objects.count(), Notification.objects.count()
    monkeypatch.setattr(reviews, "_built", lambda week_start: None)
    review, created = reviews.weekly_review_build(now=FRIDAY)
    assert not created and review.pk == first.pk
    assert (WeeklyReview.objects.count(), WeeklyReviewItem.objects.count()) == (1, items)
    assert Notification.objects.count() == notes


@pytest.mark.django_db
def test_a_review_missed_while_down_is_built_late_by_the_next_run_for_the_right_week(
    week, dispatcher, units, time_machine
):
    time_machine.move_to(at(2026, 9, 21, 9), tick=False)
    monday = dispatch(dispatcher, register(dispatcher, units), units[ZHUJIAN])  # after the review day
    tuesday = at(2026, 9, 22, 10)  # the system was down over Friday 09-18
    review, created = reviews.weekly_review_build(now=tuesday)
    assert created and review.week_start == dt.date(2026, 9, 14)
    assert review.review_date == dt.date(2026, 9, 18) and review.built_late
    # Received after the review day: it waits for next week's review.
    assert not review.items.filter(clue=monday).exists() and review.clue_count == 3
    # Days open counted at building: 09-15 09:00 → 09-22 10:00 is 7 whole days.
    assert set(review.items.values_list("days_open", flat=True)) == {7}
    assert ActionLog.objects.get(action="clue.weekly_review_built").data["built_late"] is True


@pytest.mark.django_db
def test_before_the_review_day_the_run_builds_nothing_new_for_this_week(week):
    reviews.weekly_review_build(now=FRIDAY)
    # The next review day: Friday 09-25 is Mid-Autumn Festival, so Thursday 09-24 — not begun on Wednesday.
    wednesday = at(2026, 9, 23, 18)
    review, created = reviews.weekly_review_build(now=wednesday)
    assert not created and review.review_date == dt.date(2026, 9, 18)
    with pytest.raises(ValidationError, match="2026-09-24（该周调度日）尚未到"):
        reviews.weekly_review_build(now=wednesday, date=dt.date(2026, 9, 23))
    assert WeeklyReview.objects.count() == 1


@pytest.mark.django_db
def test_the_beat_task_body_and_sweep_build_the_due_review(week, time_machine):
    from common.sweeps import sweep_run

    time_machine.move_to(FRIDAY, tick=False)
    assert reviews.weekly_review_waiting(FRIDAY) == 1
    run = sweep_run("clues.weekly_review")
    assert run.ok and run.counts == {"weekly_review": 1, "weekly_review_clues": 3} and run.waiting == 0
    body = reviews.weekly_review_task_body()
    assert body["created"] is False and body["review_date"] == "2026-09-18" and body["clues"] == 3


# --- what is listed ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_lists_the_clues_held_by_units_under_their_unit_and_not_registered_submitted_or_closed(
    week, units
):
    review, _ = reviews.weekly_review_build(now=FRIDAY)
    listed = {i.clue_id: i for i in review.items.all()}
    assert set(listed) == {week["held"].pk, week["worked"].pk, week["other"].pk}
    assert listed[week["held"].pk].unit == units[ZHUJIAN]
    assert listed[week["other"].pk].unit == units[JIAOTONG]
    for absent in ("registered", "submitted", "closed"):
        assert week[absent].pk not in listed
    assert (review.clue_count, review.unit_count) == (3, 2)


@pytest.mark.django_db
def test_an_item_carries_days_open_letters_and_the_last_progress(week):
    review, _ = reviews.weekly_review_build(now=FRIDAY)
    worked = review.items.get(clue=week["worked"])
    assert worked.days_open == 3  # 09-15 09:00 → 09-18 09:00
    assert worked.letters_sent == "提醒函、通报（待发送）"
    assert worked.last_progress_note == "已核对工资表，拟本周支付"
    assert worked.last_progress_at is not None
    assert worked.status == "in_progress"
    held = review.items.get(clue=week["held"])
    assert (held.letters_sent, held.last_progress_note, held.last_progress_at) == ("", "", None)


@pytest.mark.django_db
def test_week_over_week_flags_and_counts_per_unit(week, dispatcher, zhujian, units, time_machine):
    first, _ = reviews.weekly_review_build(now=FRIDAY)
    time_machine.move_to(at(2026, 9, 21, 9), tick=False)
    newer = dispatch(dispatcher, register(dispatcher, units), units[ZHUJIAN])
    clue_submit_result(
        user=zhujian, clue=week["worked"], result_type="not_substantiated", evidence="核查记录"
    )
    # 交通's clue is solved this week: it leaves the list.
    jiaotong_clerk = UserFactory(username="jiaotong_2", unit=units[JIAOTONG], role="clerk")
    clue_acknowledge(user=jiaotong_clerk, clue=week["other"])
    clue_submit_result(
        user=jiaotong_clerk, clue=week["other"], result_type="not_substantiated", evidence="核查"
    )
    # Friday 09-25 is Mid-Autumn Festival: the review is on Thursday 09-24.
    second, created = reviews.weekly_review_build(now=at(2026, 9, 24, 9))
    assert created and second.review_date == dt.date(2026, 9, 24) and not second.built_late
    flags = dict(second.items.values_list("clue_id", "on_previous_review"))
    assert flags == {week["held"].pk: True, newer.pk: False}
    groups = reviews.review_unit_groups(dispatcher, second)
    assert [(g.unit.name, g.count, g.last_count, g.change_text) for g in groups] == [(ZHUJIAN, 2, 2, "持平")]
    # The first review had no review before it: no comparison.
    assert {g.last_count for g in reviews.review_unit_groups(dispatcher, first)} == {None}
    page = _client(dispatcher).get(reverse("clues:reviews:review_detail", args=[second.pk])).content.decode()
    assert "较上周 持平" in page and "上周已在列" in page and "本周新增" in page


# --- who sees what -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_clerk_of_another_unit_sees_none_of_it_in_the_page_export_and_api(week, units, zhujian):
    review, _ = reviews.weekly_review_build(now=FRIDAY)
    education = UserFactory(username="jiaoyu_r", unit=units["区教育局"], role="clerk")
    c = _client(education)
    numbers = [week[k].number for k in ("held", "worked", "other")]
    page = c.get(reverse("clues:reviews:review_detail", args=[review.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "本单位本周没有需要调度的线索" in html
    assert not any(n in html for n in numbers) and ZHUJIAN not in html and JIAOTONG not in html
    # Another unit's filter gives nothing either.
    html = c.get(reverse("clues:reviews:review_detail", args=[review.pk]), {"unit": units[ZHUJIAN].pk})
    assert not any(n in html.content.decode() for n in numbers)
    sheet = load_workbook(
        BytesIO(c.get(reverse("clues:reviews:review_export", args=[review.pk])).content)
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # the title and the headers, no item
    listing = c.get(reverse("clues:reviews:review_list")).content.decode()
    assert "2026-09-18" in listing
    assert _api(education, "retrieve", review.pk)["units"] == []
    assert _api(education, "list")["results"][0]["clue_count"] == 0
    # The own unit's clerk sees its two clues, not 交通's.
    mine = _client(zhujian).get(reverse("clues:reviews:review_detail", args=[review.pk])).content.decode()
    assert week["held"].number in mine and week["worked"].number in mine and week["other"].number not in mine
    assert [g["unit"]["name"] for g in _api(zhujian, "retrieve", review.pk)["units"]] == [ZHUJIAN]


def _api(user, action, pk=None):
    from rest_framework.test import APIRequestFactory, force_authenticate

    from clues.review_api import WeeklyReviewViewSet

    request = APIRequestFactory().get("/api/weekly-reviews/")
    force_authenticate(request, user=user)
    view = WeeklyReviewViewSet.as_view({"get": action})
    response = view(request, pk=pk) if pk else view(request)
    assert response.status_code == 200
    return response.data


@pytest.mark.django_db
def test_hrss_and_leaders_see_every_unit_and_filter_by_one(week, dispatcher, leader, units):
    review, _ = reviews.weekly_review_build(now=FRIDAY)
    for user in (dispatcher, leader):
        html = _client(user).get(reverse("clues:reviews:review_detail", args=[review.pk])).content.decode()
        assert all(week[k].number in html for k in ("held", "worked", "other"))
        assert ZHUJIAN in html and JIAOTONG in html
    only = _client(leader).get(
        reverse("clues:reviews:review_detail", args=[review.pk]), {"unit": units[JIAOTONG].pk}
    )
    html = only.content.decode()
    assert week["other"].number in html and week["held"].number not in html
    data = _api(leader, "retrieve", review.pk)
    assert [(g["unit"]["name"], g["count"], g["last_week_count"]) for g in data["units"]] == [
        (ZHUJIAN, 2, None),
        (JIAOTONG, 1, None),
    ]


@pytest.mark.django_db
def test_the_export_lists_the_items_and_no_complainant_data(week, dispatcher):
    review, _ = reviews.weekly_review_build(now=FRIDAY)
    response = _client(dispatcher).get(reverse("clues:reviews:review_export", args=[review.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "责任单位" and len(rows) == 2 + 3
    cells = [str(v) for row in rows for v in row if v is not None]
    assert week["worked"].number in cells and "提醒函、通报（待发送）" in cells
    assert not any("王建国" in v or "13903911234" in v or "11010519491231002X" in v for v in cells)


@pytest.mark.django_db
def test_the_detail_page_runs_a_constant_number_of_queries(week, dispatcher, units):
    review, _ = reviews.weekly_review_build(now=FRIDAY)
    c = _client(dispatcher)
    url = reverse("clues:reviews:review_detail", args=[review.pk])
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        assert c.get(url).status_code == 200
    WeeklyReview.objects.all().delete()
    for unit in ("区教育局", "区农业农村局", JIAOTONG):
        for _ in range(3):
            dispatch(dispatcher, register(dispatcher, units), units[unit])
    review, _ = reviews.weekly_review_build(now=FRIDAY)
    assert review.clue_count == 12
    url = reverse("clues:reviews:review_detail", args=[review.pk])
    with CaptureQueriesContext(connection) as many:
        html = c.get(url).content.decode()
    assert html.count('href="/clues/') >= 12
    assert len(many) == len(few)


# --- notifications -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_unit_is_told_its_own_list_once_and_hrss_and_leaders_the_whole(
    week, zhujian, jiaotong, dispatcher, leader, units
):
    review, _ = reviews.weekly_review_build(now=FRIDAY)
    reviews.weekly_review_build(now=FRIDAY)
    mine = Notification.objects.get(recipient=zhujian)
    assert (
        mine.event == f"clues.weekly_review:{review.pk}:{units[ZHUJIAN].pk}"
        and mine.kind == "clues.weekly_review"
    )
    assert "2 件" in mine.title and week["held"].number in mine.body and week["other"].number not in mine.body
    assert mine.url == reverse("clues:reviews:review_detail", args=[review.pk]) + f"?unit={units[ZHUJIAN].pk}"
    theirs = Notification.objects.get(recipient=jiaotong)
    assert week["other"].number in theirs.body and week["held"].number not in theirs.body
    for user in (dispatcher, leader):
        whole = Notification.objects.get(recipient=user)
        assert whole.event == f"clues.weekly_review:{review.pk}:all" and "2 个单位 3 件线索" in whole.title
    assert Notification.objects.filter(event__startswith=f"clues.weekly_review:{review.pk}:").count() == 4


# --- the command ---------------------------------------------------------------------------------------------


def _command(*args) -> tuple[str, str]:
    """The command as of --now, which the tests put anywhere relative to the test clock (--allow-future)."""
    out, err = StringIO(), StringIO()
    call_command("weekly_review", *args, "--allow-future", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["2026-13-01", "20261204", "下周五", "2026-12-4"])
def test_the_command_refuses_a_malformed_date_and_creates_nothing(bad):
    with pytest.raises(CommandError, match="日期格式不正确"):
        _command("--date", bad, "--now", "2026-12-08T10:00:00+08:00")
    assert WeeklyReview.objects.count() == 0


@pytest.mark.django_db
def test_the_command_refuses_a_malformed_now_and_a_review_day_still_to_come():
    with pytest.raises(CommandError, match="时间格式不正确"):
        _command("--now", "明天上午")
    with pytest.raises(CommandError, match="2026-12-04（该周调度日）尚未到"):
        _command("--date", "2026-12-02", "--now", "2026-12-02T10:00")
    assert WeeklyReview.objects.count() == 0


@pytest.mark.django_db
def test_the_command_says_a_date_is_not_the_review_day_and_uses_that_weeks(week):
    out, _ = _command("--date", "2026-09-16", "--now", "2026-09-22T10:00")
    assert "2026-09-16 不是调度日，按该周调度日 2026-09-18 处理" in out
    assert "已生成 2026-09-18 周调度（补生成）：2 个单位 3 件线索" in out
    out, err = _command("--date", "2026-09-16", "--now", "2026-09-22T10:00", "--json")
    assert json.loads(out.strip()) == {"created": False, "review_date": "2026-09-18", "clues": 3, "units": 2}
    assert "不是调度日" in err and len(out.strip().splitlines()) == 1
    assert WeeklyReview.objects.count() == 1


@pytest.mark.django_db
def test_the_command_on_a_holiday_week_uses_the_moved_review_day(week):
    out, _ = _command("--date", "2026-10-02", "--now", "2026-10-08T09:00", "--json")
    assert json.loads(out)["review_date"] == "2026-09-30"


# --- PostgreSQL: a real race ---------------------------------------------------------------------------------


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_create_one_review_pg(week):
    """Both runs pass the existence check; the second's INSERT waits on the unique week_start until the first
    commits, then fails in its savepoint and returns the first one's review — nothing else written."""
    import threading

    from django.db import transaction

    started, release = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            result = reviews.weekly_review_build(now=FRIDAY)
            started.set()
            release.wait(10)
        return result

    a = _Thread(first)
    a.start()
    assert started.wait(10)
    b = _Thread(lambda: reviews.weekly_review_build(now=FRIDAY))
    b.start()
    _wait_for_a_lock_waiter()
    release.set()
    a.join(10), b.join(10)
    assert a.error is None and b.error is None
    (one, created_one), (two, created_two) = a.result, b.result
    assert created_one and not created_two and one.pk == two.pk
    assert WeeklyReview.objects.count() == 1 and WeeklyReviewItem.objects.count() == 3
    assert ActionLog.objects.filter(action="clue.weekly_review_built").count() == 1
    # 住建's clerk, 交通's clerk and the dispatcher (no leader in this test), once each.
    assert Notification.objects.filter(event__startswith="clues.weekly_review:").count() == 3


@pytest.mark.django_db
def test_the_command_refuses_a_future_now_without_allow_future(time_machine):
    time_machine.move_to(at(2026, 12, 1, 9), tick=False)
    with pytest.raises(CommandError, match="不能晚于当前时间"):
        call_command("weekly_review", "--now", "2026-12-04T09:00", stdout=StringIO())
    assert WeeklyReview.objects.count() == 0
