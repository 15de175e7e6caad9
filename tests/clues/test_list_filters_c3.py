"""The clue list's C3 filters behind the dashboard's numbers: 逾期环节 (overdue_step), 办理进度 (reached) and
办结日期 (closed_from/closed_to) — at their edges, on the page, its Excel export and the API.

The clock: Tuesday 2026-09-15 10:00 Asia/Shanghai (tests/clues/conftest.py `now`); C3 in calendar days 1/2/3/4.
"""

import datetime as dt

import pytest
from django.urls import reverse

from clues.filters import clue_search
from clues.models import Clue, ClueStatus
from clues.services import clue_acknowledge
from tests.helpers import at

from .conftest import dispatch, register

pytestmark = pytest.mark.django_db


def numbers(qs) -> set[str]:
    return set(qs.values_list("number", flat=True))


@pytest.fixture
def ladder(dispatcher, zhujian, units, now):
    """Clues received so that each sits just before or just after a C3 step's due time (now = 09-15 10:00):
    - d1_due: received 09-14 10:00 (dispatch due exactly now), not dispatched → overdue at 交办;
    - d1_early: received 09-14 10:01, not dispatched → 交办 due in a minute: not overdue;
    - d3_due: received 09-12 10:00, dispatched, not signed → overdue at 签收反馈 and 提醒函 (due now), not 通报;
    - d4_due: received 09-11 10:00, signed, no progress → overdue at 通报 only;
    - d4_progress: received 09-11 10:00, signed with progress → overdue nowhere."""
    zj = units["区住房城乡建设局"]
    made = {}
    made["d1_due"] = register(dispatcher, units, received_at=at(2026, 9, 14, 10, 0))
    made["d1_early"] = register(dispatcher, units, received_at=at(2026, 9, 14, 10, 1))
    made["d3_due"] = dispatch(dispatcher, register(dispatcher, units, received_at=at(2026, 9, 12, 10, 0)), zj)
    c = dispatch(dispatcher, register(dispatcher, units, received_at=at(2026, 9, 11, 10, 0)), zj)
    made["d4_due"] = clue_acknowledge(user=zhujian, clue=c)
    c = dispatch(dispatcher, register(dispatcher, units, received_at=at(2026, 9, 11, 10, 0)), zj)
    c = clue_acknowledge(user=zhujian, clue=c)
    Clue.objects.filter(pk=c.pk).update(status=ClueStatus.IN_PROGRESS, first_progress_at=at(2026, 9, 14))
    made["d4_progress"] = c
    return {k: v.number for k, v in made.items()}


def test_c3_overdue_step_filter_at_the_minute(dispatcher, ladder):
    """C3: a step is overdue from its due time on (due ≤ now), not a minute before."""
    by_step = {
        s: numbers(clue_search(dispatcher, overdue_step=s))
        for s in ("dispatch", "feedback", "reminder", "escalation")
    }
    assert by_step["dispatch"] == {ladder["d1_due"]}
    assert ladder["d1_early"] not in by_step["dispatch"]
    assert ladder["d3_due"] in by_step["feedback"] and ladder["d3_due"] in by_step["reminder"]
    assert ladder["d3_due"] not in by_step["escalation"]
    assert by_step["escalation"] == {ladder["d4_due"]}
    assert all(ladder["d4_progress"] not in v for v in by_step.values())


def test_c3_overdue_step_follows_the_clock(dispatcher, ladder, time_machine):
    """A minute later the early clue is overdue at 交办 too."""
    time_machine.move_to(at(2026, 9, 15, 10, 1), tick=False)
    assert ladder["d1_early"] in numbers(clue_search(dispatcher, overdue_step="dispatch"))


def test_reached_counts_a_clue_at_the_stage_or_beyond(dispatcher, ladder):
    """C4 order: 已签收及以后 holds the signed and the progressed clue, not the dispatched one."""
    got = numbers(clue_search(dispatcher, reached=ClueStatus.ACKNOWLEDGED))
    assert got == {ladder["d4_due"], ladder["d4_progress"]}
    assert numbers(clue_search(dispatcher, reached=ClueStatus.DISPATCHED)) == got | {ladder["d3_due"]}


def test_closed_dates_include_the_whole_last_day(dispatcher, units, now):
    """办结日期至 09-14 includes 23:59 that day (Asia/Shanghai), not 00:00 the next."""
    zj = units["区住房城乡建设局"]
    late, next_day = (dispatch(dispatcher, register(dispatcher, units), zj) for _ in range(2))
    Clue.objects.filter(pk=late.pk).update(status=ClueStatus.CLOSED, closed_at=at(2026, 9, 14, 23, 59))
    Clue.objects.filter(pk=next_day.pk).update(status=ClueStatus.CLOSED, closed_at=at(2026, 9, 15, 0, 0))
    day = dt.date(2026, 9, 14)
    assert numbers(clue_search(dispatcher, closed_from=day, closed_to=day)) == {late.number}
    assert numbers(clue_search(dispatcher, closed_from=dt.date(2026, 9, 15))) == {next_day.number}


def test_the_page_and_its_export_filter_the_same(client, dispatcher, ladder):
    client.force_login(dispatcher)
    response = client.get(reverse("clues:clue_list"), {"overdue_step": "escalation"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1
    assert ladder["d4_due"] in response.content.decode()
    assert "逾期环节" in response.content.decode()


def test_a_reversed_date_range_is_refused_at_its_field(client, dispatcher, ladder):
    client.force_login(dispatcher)
    response = client.get(
        reverse("clues:clue_list"), {"closed_from": "2026-09-15", "closed_to": "2026-09-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["closed_to"] == ["截止日期不能早于起始日期"]
    response = client.get(reverse("clues:clue_list"), {"overdue_step": "never"})
    assert "overdue_step" in response.context["form"].errors


def test_the_api_takes_the_same_filters(client, dispatcher, ladder):
    client.force_login(dispatcher)
    response = client.get("/api/clues/", {"overdue_step": "dispatch"})
    assert response.status_code == 200, response.content
    assert {row["number"] for row in response.json()["results"]} == {ladder["d1_due"]}
    response = client.get("/api/clues/", {"closed_from": "2026-09-15", "closed_to": "2026-09-01"})
    assert response.status_code == 400
    assert response.json()["errors"]["closed_to"] == ["截止日期不能早于起始日期"]


def test_the_export_of_a_refused_filter_goes_back_to_the_errors(client, dispatcher, ladder):
    """Not a workbook of everything when a filter was refused: back to the list, which shows the field's error."""
    client.force_login(dispatcher)
    query = {"closed_from": "2026-09-15", "closed_to": "2026-09-01"}
    response = client.get(reverse("clues:clue_export"), query)
    assert response.status_code == 302 and response["Location"].startswith(reverse("clues:clue_list") + "?")
    page = client.get(response["Location"])
    assert "未导出" in page.content.decode()
    assert page.context["form"].errors["closed_to"] == ["截止日期不能早于起始日期"]


def test_the_letter_list_refuses_a_reversed_range_at_its_field(client, dispatcher):
    client.force_login(dispatcher)
    page = client.get(reverse("clues:letter_list"), {"date_from": "2026-09-15", "date_to": "2026-09-01"})
    assert page.context["form"].errors["date_to"] == ["截止日期不能早于起始日期"]
