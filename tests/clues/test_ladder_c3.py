"""C3 "12345": ladder timestamps and next_deadline_at, stored and recomputed by every transition, at the edges;
calendar days by default, working days when HRSS switches a parameter (National Day 2026, 调休 2026-10-10)."""

import datetime as dt

import pytest

from clues import ladder, services
from clues.models import Clue, ClueStatus, ResultType
from common.models import PolicyParameter
from tests.helpers import at

from .conftest import dispatch, register

C3_CODES = ("C3.dispatch_days", "C3.feedback_days", "C3.reminder_days", "C3.escalation_days")


def _working_days() -> None:
    """HRSS switches the C3 counts to working days (all four, or the earliest pending step could be a
    calendar-day one)."""
    assert PolicyParameter.objects.filter(code__in=C3_CODES).update(kind="working_days") == 4


@pytest.mark.django_db
def test_received_at_10_00_is_due_for_dispatch_the_next_day_at_10_00_c3(dispatcher, units, time_machine):
    time_machine.move_to(at(2026, 9, 15, 11), tick=False)
    clue = register(dispatcher, units, received_at=at(2026, 9, 15, 10))
    assert clue.next_deadline_at == at(2026, 9, 16, 10)
    assert Clue.objects.filter(next_deadline_at__lte=at(2026, 9, 16, 9, 59)).count() == 0
    assert Clue.objects.filter(next_deadline_at__lte=at(2026, 9, 16, 10)).count() == 1


@pytest.mark.django_db
def test_every_step_moves_the_next_deadline_c3(dispatcher, zhujian, units, time_machine):
    time_machine.move_to(at(2026, 9, 15, 10), tick=False)
    clue = register(dispatcher, units, received_at=at(2026, 9, 15, 10))
    time_machine.move_to(at(2026, 9, 15, 15), tick=False)
    clue = dispatch(dispatcher, clue, units["区住房城乡建设局"])
    assert clue.dispatched_at == at(2026, 9, 15, 15)
    assert clue.next_deadline_at == at(2026, 9, 17, 10)  # feedback: received + 2 days
    time_machine.move_to(at(2026, 9, 16, 9), tick=False)
    clue = services.clue_acknowledge(user=zhujian, clue=clue)
    assert clue.acknowledged_at == at(2026, 9, 16, 9)
    assert clue.next_deadline_at == at(2026, 9, 19, 10)  # escalation if no progress: received + 4 days
    time_machine.move_to(at(2026, 9, 16, 11), tick=False)
    services.clue_note_progress(user=zhujian, clue=clue, note="已约谈")
    services.clue_note_progress(user=zhujian, clue=clue, note="第二次进展")
    clue.refresh_from_db()
    assert clue.first_progress_at == at(2026, 9, 16, 11) and clue.next_deadline_at is None
    time_machine.move_to(at(2026, 9, 17, 11), tick=False)
    services.clue_submit_result(
        user=zhujian, clue=clue, result_type=ResultType.NOT_SUBSTANTIATED, evidence="核查笔录"
    )
    time_machine.move_to(at(2026, 9, 18, 11), tick=False)
    clue = services.clue_confirm_closure(user=dispatcher, clue=clue)
    assert (clue.result_at, clue.closed_at, clue.next_deadline_at) == (
        at(2026, 9, 17, 11),
        at(2026, 9, 18, 11),
        None,
    )


@pytest.mark.django_db
def test_an_overdue_undispatched_clue_keeps_its_past_deadline_for_the_sweep_c3(
    dispatcher, units, time_machine
):
    time_machine.move_to(at(2026, 9, 18, 10), tick=False)
    clue = register(dispatcher, units, received_at=at(2026, 9, 15, 10))  # entered 3 days late
    assert clue.next_deadline_at == at(2026, 9, 16, 10)
    assert ladder.next_step(clue).code == "dispatch"


@pytest.mark.django_db
def test_a_return_puts_the_dispatch_step_back_c3(dispatcher, zhujian, units, time_machine):
    time_machine.move_to(at(2026, 9, 15, 12), tick=False)
    clue = dispatch(
        dispatcher, register(dispatcher, units, received_at=at(2026, 9, 15, 10)), units["区住房城乡建设局"]
    )
    clue = services.clue_return(user=zhujian, clue=clue, reason="非本部门项目")
    assert clue.status == ClueStatus.REGISTERED and clue.next_deadline_at == at(2026, 9, 16, 10)


@pytest.mark.django_db
def test_working_days_skip_national_day_2026_and_keep_the_time_c3(dispatcher, units, time_machine):
    _working_days()
    time_machine.move_to(at(2026, 9, 30, 12), tick=False)
    clue = register(dispatcher, units, received_at=at(2026, 9, 30, 10, 30))
    assert clue.next_deadline_at == at(2026, 10, 8, 10, 30)  # 10-01..10-07 off


@pytest.mark.django_db
def test_working_days_count_the_make_up_saturday_2026_10_10_c3(dispatcher, units, time_machine):
    _working_days()
    time_machine.move_to(at(2026, 10, 9, 12), tick=False)  # Friday
    clue = register(dispatcher, units, received_at=at(2026, 10, 9, 10))
    assert clue.next_deadline_at == at(2026, 10, 10, 10)  # Saturday 10-10 is a 调休 working day


@pytest.mark.django_db
def test_calendar_days_run_through_national_day_c3(dispatcher, units, time_machine):
    time_machine.move_to(at(2026, 10, 1, 8), tick=False)
    clue = register(dispatcher, units, received_at=at(2026, 9, 30, 23, 59))
    assert clue.next_deadline_at == at(2026, 10, 1, 23, 59)


@pytest.mark.django_db
def test_working_days_on_a_late_evening_receipt_keep_the_local_time_c3(dispatcher, units, time_machine):
    """23:30 Shanghai is 15:30 UTC the same day: the count runs on the Shanghai date, not the UTC one."""
    _working_days()
    time_machine.move_to(at(2026, 9, 26, 8), tick=False)
    clue = register(dispatcher, units, received_at=at(2026, 9, 25, 23, 30))  # 中秋节 (Friday) night
    # 09-26 and 09-27 are the weekend; Monday 09-28 is the next working day.
    assert clue.next_deadline_at == at(2026, 9, 28, 23, 30)
    assert clue.next_deadline_at.astimezone(dt.UTC) == dt.datetime(2026, 9, 28, 15, 30, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_a_later_step_in_calendar_days_can_come_before_a_working_day_one_c3(dispatcher, units, time_machine):
    """Mixed kinds: only dispatch in working days (→ 10-08), feedback in calendar days (→ 10-02): the sweep
    must find the clue at the earlier of the two."""
    PolicyParameter.objects.filter(code="C3.dispatch_days").update(kind="working_days")
    time_machine.move_to(at(2026, 9, 30, 12), tick=False)
    clue = register(dispatcher, units, received_at=at(2026, 9, 30, 10, 30))
    assert clue.next_deadline_at == at(2026, 10, 2, 10, 30)
    assert [s.due_at for s in ladder.ladder_steps(clue)][:2] == [
        at(2026, 10, 8, 10, 30),
        at(2026, 10, 2, 10, 30),
    ]
