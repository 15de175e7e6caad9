"""Part 2 duplicates and repeats, P6 petition accountability, C5 advances through deposits' ledgers,
the part-5 colour and C1 masking."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clues import selectors, services
from clues.models import AccountabilityReason, Channel, Clue, ClueStatus, ResultType, UnitAccountability
from common.models import ActionLog
from tests.factories import UserFactory, create_project
from tests.helpers import at

from .conftest import VALID_ID, dispatch, register

# --- part 2: duplicates in the last 30 days -------------------------------------------------------------------


@pytest.mark.django_db
def test_it_finds_clues_of_the_last_30_days_by_employer_project_or_phone(
    dispatcher, zhujian, units, time_machine
):
    time_machine.move_to(at(2026, 9, 1), tick=False)
    project = create_project(user=zhujian, street=units["李封街道办事处"], push=True)
    time_machine.move_to(at(2026, 9, 15), tick=False)
    old = register(
        dispatcher, units, received_at=at(2026, 8, 16, 9), complainant_phone="13900000001"
    )  # 30 d + 1 h
    by_name = register(dispatcher, units, received_at=at(2026, 8, 17), complainant_phone="13900000002")
    by_phone = register(
        dispatcher,
        units,
        employer_name="另一家公司",
        complainant_phone="13911112222",
        received_at=at(2026, 9, 1),
    )
    by_project = register(
        dispatcher,
        units,
        employer_name="第三家公司",
        complainant_phone="13900000003",
        project=project,
        street=None,
    )
    unrelated = register(dispatcher, units, employer_name="无关公司", complainant_phone="13900000004")

    found = selectors.clue_duplicates(
        employer_name="焦作某某劳务有限公司", project=project, complainant_phone="13911112222"
    )
    assert set(found) == {by_name, by_phone, by_project}
    assert old not in found and unrelated not in found
    assert not selectors.clue_duplicates().exists()  # nothing to compare: nothing found


@pytest.mark.django_db
def test_it_finds_duplicates_of_a_saved_clue_but_not_itself(dispatcher, units, now):
    first = register(dispatcher, units)
    second = register(dispatcher, units, complainant_phone="13900000009")
    assert list(selectors.clue_duplicates_of(second)) == [first]


@pytest.mark.django_db
def test_the_dispatcher_links_a_repeat_and_the_first_counts_it(dispatcher, units, time_machine):
    time_machine.move_to(at(2026, 9, 15), tick=False)
    first = register(dispatcher, units, received_at=at(2026, 9, 14))
    second, third = register(dispatcher, units), register(dispatcher, units)
    services.clue_link_repeat(user=dispatcher, clue=second, original=first)
    services.clue_link_repeat(
        user=dispatcher, clue=third, original=second, note="同一纠纷"
    )  # counted on the first
    first.refresh_from_db()
    assert first.repeat_count == 2
    assert set(first.repeats.all()) == {second, third}
    assert ActionLog.objects.filter(action="clue.linked_as_repeat").count() == 2
    assert Clue.objects.count() == 3  # both stay, each with its own timeline


@pytest.mark.django_db
def test_a_repeat_link_is_refused_to_itself_twice_or_by_a_clerk(dispatcher, zhujian, units, now):
    first, second = register(dispatcher, units), register(dispatcher, units)
    with pytest.raises(ValidationError):
        services.clue_link_repeat(user=dispatcher, clue=first, original=first)
    with pytest.raises(PermissionDenied):
        services.clue_link_repeat(user=zhujian, clue=second, original=first)
    services.clue_link_repeat(user=dispatcher, clue=second, original=first)
    with pytest.raises(ValidationError) as e:
        services.clue_link_repeat(user=dispatcher, clue=second, original=first)
    assert e.value.message_dict == {"original": ["该线索已关联为重复线索"]}


# --- P6 second half ------------------------------------------------------------------------------------------


def _projects(zhujian, units, time_machine):
    """Three projects of 住建 (trigger 2026-09-01; P1 deadline 5 working days later): pushed late, never
    pushed, pushed on time."""
    street = units["李封街道办事处"]
    time_machine.move_to(at(2026, 9, 2), tick=False)
    on_time = create_project(user=zhujian, street=street, serial=3, push=True)
    never = create_project(user=zhujian, street=street, serial=2)
    time_machine.move_to(at(2026, 9, 14), tick=False)
    late = create_project(user=zhujian, street=street, serial=1, push=True)
    time_machine.move_to(at(2026, 9, 15), tick=False)
    assert late.is_late and not on_time.is_late
    return late, never, on_time


@pytest.mark.django_db
def test_a_petition_on_a_late_pushed_project_flags_its_unit_p6(dispatcher, zhujian, units, time_machine):
    late, _, _ = _projects(zhujian, units, time_machine)
    clue = register(dispatcher, units, channel=Channel.PETITION_BUREAU, project=late, street=None)
    record = UnitAccountability.objects.get()
    assert (record.clue, record.unit, record.reason) == (
        clue,
        units["区住房城乡建设局"],
        AccountabilityReason.PUSHED_LATE,
    )
    assert record.measures == "向区政府作出检讨，并通报全区"
    assert list(selectors.accountability_list(unit=units["区住房城乡建设局"])) == [record]


@pytest.mark.django_db
def test_a_marked_petition_on_a_never_pushed_project_flags_its_unit_p6(
    dispatcher, zhujian, units, time_machine
):
    _, never, _ = _projects(zhujian, units, time_machine)
    register(dispatcher, units, channel=Channel.HOTLINE, is_petition=True, project=never, street=None)
    assert UnitAccountability.objects.get().reason == AccountabilityReason.NEVER_PUSHED


@pytest.mark.django_db
def test_a_petition_clerks_clue_flags_too_p6(petition_clerk, zhujian, units, time_machine):
    late, _, _ = _projects(zhujian, units, time_machine)
    register(petition_clerk, units, channel=Channel.VISIT_LETTER, project=late, street=None)
    assert UnitAccountability.objects.count() == 1


@pytest.mark.django_db
def test_no_flag_for_a_timely_project_or_a_non_petition_p6(dispatcher, zhujian, units, time_machine):
    late, _, on_time = _projects(zhujian, units, time_machine)
    register(dispatcher, units, channel=Channel.PETITION_BUREAU, project=on_time, street=None)
    register(dispatcher, units, channel=Channel.HOTLINE, project=late, street=None)
    assert not UnitAccountability.objects.exists()


# --- C5: advances are movements in deposits' ledgers, in the closure's transaction ----------------------------


@pytest.fixture
def revolving(units):
    from deposits.models import FundKind, MovementKind
    from deposits.services import fund_move, fund_open_emergency

    finance = UserFactory(username="caizheng_t", unit=units["区财政局（国资办）"], role="clerk")
    fund = next(f for f in fund_open_emergency(actor=finance) if f.kind == FundKind.REVOLVING)
    fund_move(
        fund=fund, actor=finance, kind=MovementKind.TOP_UP, amount="100000", occurred_on=dt.date(2026, 9, 1)
    )
    return fund


def _result_submitted(dispatcher, zhujian, units, time_machine, amount):
    time_machine.move_to(at(2026, 9, 1), tick=False)
    project = create_project(user=zhujian, street=units["李封街道办事处"], push=True)
    time_machine.move_to(at(2026, 9, 15), tick=False)
    clue = register(dispatcher, units, project=project, street=None, employer=project.contractor)
    clue = dispatch(dispatcher, clue, units["区住房城乡建设局"])
    services.clue_acknowledge(user=zhujian, clue=clue)
    services.clue_submit_result(
        user=zhujian,
        clue=clue,
        result_type=ResultType.ADVANCED_REVOLVING,
        amount_paid=amount,
        workers_paid=12,
        evidence="垫付审批表",
    )
    return clue


@pytest.mark.django_db
def test_an_advance_from_the_revolving_fund_is_a_movement_and_monitors_the_employer_c5(
    dispatcher, zhujian, units, time_machine, revolving
):
    clue = _result_submitted(dispatcher, zhujian, units, time_machine, "30000")
    clue = services.clue_confirm_closure(user=dispatcher, clue=clue)
    revolving.refresh_from_db()
    result = clue.results.get()
    assert revolving.balance == Decimal("70000.00")
    assert result.fund_movement.amount == Decimal("30000.00") and result.fund_movement.project == clue.project
    assert result.confirmed_by == dispatcher
    assert selectors.enterprise_under_key_monitoring(clue.project.contractor)


@pytest.mark.django_db
def test_an_advance_beyond_the_balance_leaves_the_clue_and_the_fund_unchanged_c5(
    dispatcher, zhujian, units, time_machine, revolving
):
    clue = _result_submitted(dispatcher, zhujian, units, time_machine, "150000")
    with pytest.raises(ValidationError) as e:
        services.clue_confirm_closure(user=dispatcher, clue=clue)
    assert "超过可用余额" in e.value.message_dict["amount"][0]
    clue.refresh_from_db(), revolving.refresh_from_db()
    assert clue.status == ClueStatus.RESULT_SUBMITTED and revolving.balance == Decimal("100000.00")
    assert not selectors.enterprise_under_key_monitoring(clue.project.contractor)


# --- part 5 colour and C1 masking ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_open_clues_are_green_yellow_or_red_by_the_next_deadline(dispatcher, units, time_machine):
    time_machine.move_to(at(2026, 9, 15, 10), tick=False)
    red = register(dispatcher, units, received_at=at(2026, 9, 14, 9))  # dispatch was due 09-15 09:00
    yellow = register(dispatcher, units, received_at=at(2026, 9, 15, 9))  # due 09-16 09:00
    colours = dict(selectors.clue_annotate_colour(Clue.objects.all()).values_list("pk", "colour"))
    assert (colours[red.pk], colours[yellow.pk]) == ("red", "yellow")
    later = dict(
        selectors.clue_annotate_colour(Clue.objects.all(), now=at(2026, 9, 13)).values_list("pk", "colour")
    )
    assert later[yellow.pk] == "green"


@pytest.mark.django_db
def test_the_complainant_is_masked_for_other_units_and_leaders_c1(
    dispatcher, zhujian, jiaotong, leader, dispatched
):
    whole = {"name": "王建国", "phone": "13903911234", "id_number": VALID_ID}
    assert selectors.clue_complainant(dispatcher, dispatched) == whole
    assert selectors.clue_complainant(zhujian, dispatched) == whole  # the responsible unit
    masked = {"name": "王*国", "phone": "139****1234", "id_number": "110105********002X"}
    assert selectors.clue_complainant(jiaotong, dispatched) == masked
    assert selectors.clue_complainant(leader, dispatched) == masked


@pytest.mark.django_db
def test_a_clerk_sees_only_the_clues_of_their_unit(dispatcher, zhujian, jiaotong, leader, dispatched, units):
    other = register(dispatcher, units)
    assert list(selectors.clue_visible_to(zhujian)) == [dispatched]
    assert not selectors.clue_visible_to(jiaotong).exists()
    assert set(selectors.clue_visible_to(leader)) == {dispatched, other}


@pytest.mark.django_db
def test_wages_paid_from_the_projects_deposit_use_the_deposit_in_the_same_transaction_c5(
    dispatcher, zhujian, units, institutions, time_machine
):
    from deposits.models import DepositStatus, Institution
    from tests.deposits.deposit_helpers import notice_for, record

    notice = notice_for(zhujian, units)
    deposit = record(notice, dispatcher, Institution.objects.accepting_new().filter(kind="bank").first())
    time_machine.move_to(at(2026, 9, 15), tick=False)
    clue = register(dispatcher, units, project=notice.project, street=None)
    clue = dispatch(dispatcher, clue, units["区住房城乡建设局"])
    services.clue_acknowledge(user=zhujian, clue=clue)
    services.clue_submit_result(
        user=zhujian,
        clue=clue,
        result_type=ResultType.ADVANCED_DEPOSIT,
        amount_paid="20000",
        workers_paid=5,
        evidence="保证金动用审批表",
    )
    clue = services.clue_confirm_closure(user=dispatcher, clue=clue)
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.USED and deposit.used_amount == Decimal("20000.00")
    assert clue.results.get().deposit == deposit and clue.status == ClueStatus.CLOSED
