"""D4: a deposit's lifecycle — notified → deposited → (used to pay arrears → topped up) → return requested →
returned — with the refused transitions and the return's stored deadlines (第二十二条) on working days."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from common.audit import timeline
from deposits.models import Deposit, DepositStatus
from deposits.services import (
    deposit_confirm_return,
    deposit_request_return,
    deposit_review_return,
    deposit_top_up,
    deposit_use_for_arrears,
)
from tests.deposits.deposit_helpers import client_for, notice_for, record
from tests.helpers import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def deposit(zhujian, units, bank):
    return record(notice_for(zhujian, units), zhujian, bank, amount="123456.00")


def _at(y, m, d):
    return time_machine.travel(at(y, m, d), tick=False)


def test_it_runs_the_whole_lifecycle_d4(deposit, zhujian, hrss):
    with _at(2026, 9, 15):
        deposit_use_for_arrears(deposit=deposit, actor=hrss, amount="23456", used_on=dt.date(2026, 9, 15))
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.USED and deposit.balance == Decimal("100000.00")
    assert deposit.shortfall == Decimal("23456.00")

    with _at(2026, 9, 20):
        deposit_top_up(deposit=deposit, actor=zhujian, amount="23456")
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.TOPPED_UP and deposit.shortfall == 0

    with _at(2026, 11, 2):
        deposit_request_return(
            deposit=deposit,
            actor=zhujian,
            pledge="本公司承诺无拖欠农民工工资",
            requested_on=dt.date(2026, 11, 2),
        )
    with _at(2026, 12, 2):
        deposit_review_return(deposit=deposit, actor=hrss, reviewed_on=dt.date(2026, 12, 2))
    with _at(2026, 12, 3):
        deposit_confirm_return(
            deposit=deposit, actor=hrss, number="中区人社返〔2026〕1号", returned_on=dt.date(2026, 12, 3)
        )
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.RETURNED
    assert [e["code"] for e in timeline(deposit)][:6] == [
        "deposit.returned",
        "deposit.return_reviewed",
        "deposit.return_requested",
        "deposit.topped_up",
        "deposit.used",
        "deposit.recorded",
    ]


def test_it_refuses_a_top_up_of_an_unused_deposit_d4(deposit, zhujian):
    with pytest.raises(ValidationError) as error:
        deposit_top_up(deposit=deposit, actor=zhujian, amount="100")
    assert "不能补足" in error.value.message_dict["__all__"][0]
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.DEPOSITED and deposit.topped_up_amount == 0


def test_it_refuses_to_use_more_than_the_balance_d4(deposit, hrss):
    with _at(2026, 9, 15), pytest.raises(ValidationError) as error:
        deposit_use_for_arrears(deposit=deposit, actor=hrss, amount="123456.01", used_on=dt.date(2026, 9, 15))
    assert "不能超过保证金余额（123,456.00元）" in error.value.message_dict["amount"][0]
    deposit.refresh_from_db()
    assert deposit.used_amount == 0 and deposit.status == DepositStatus.DEPOSITED


def test_only_hrss_uses_a_deposit_for_arrears_d4(deposit, zhujian):
    with pytest.raises(PermissionDenied):
        deposit_use_for_arrears(deposit=deposit, actor=zhujian, amount="1", used_on=dt.date(2026, 9, 10))


def test_it_refuses_a_return_while_the_deposit_is_used_and_not_topped_up_d4(deposit, zhujian, hrss):
    with _at(2026, 9, 15):
        deposit_use_for_arrears(deposit=deposit, actor=hrss, amount="10", used_on=dt.date(2026, 9, 15))
        with pytest.raises(ValidationError):
            deposit_request_return(
                deposit=deposit, actor=zhujian, pledge="承诺", requested_on=dt.date(2026, 9, 15)
            )
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.USED and deposit.return_requested_on is None


def test_it_requires_a_written_pledge_d4(deposit, zhujian):
    with _at(2026, 9, 15), pytest.raises(ValidationError) as error:
        deposit_request_return(deposit=deposit, actor=zhujian, pledge="  ", requested_on=dt.date(2026, 9, 15))
    assert "书面承诺" in error.value.message_dict["pledge"][0]


def test_it_refuses_the_confirmation_before_the_review_d4(deposit, zhujian, hrss):
    with _at(2026, 9, 15):
        deposit_request_return(
            deposit=deposit, actor=zhujian, pledge="承诺", requested_on=dt.date(2026, 9, 15)
        )
        with pytest.raises(ValidationError) as error:
            deposit_confirm_return(deposit=deposit, actor=hrss, number="X", returned_on=dt.date(2026, 9, 15))
    assert "须先完成返还审核" in error.value.message_dict["__all__"][0]
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.RETURN_REQUESTED


def test_it_refuses_a_review_before_the_public_notice_ends_d4(deposit, zhujian, hrss):
    with _at(2026, 9, 15):
        deposit_request_return(
            deposit=deposit, actor=zhujian, pledge="承诺", requested_on=dt.date(2026, 9, 15)
        )
    with _at(2026, 10, 14), pytest.raises(ValidationError) as error:
        deposit_review_return(deposit=deposit, actor=hrss, reviewed_on=dt.date(2026, 10, 14))
    assert "公示期至2026-10-15" in error.value.message_dict["reviewed_on"][0]


def test_the_return_deadlines_count_working_days_across_national_day_d4(deposit, zhujian, hrss):
    """30 calendar days' notice from 09-01 ends 10-01, inside the National Day holiday (10-01..10-07 off,
    Saturday 10-10 a make-up working day): the 5 working days of review are 10-08, 10-09, 10-10, 10-12,
    10-13; the 3 working days for the confirmation after a review on 10-13 end 10-16."""
    with _at(2026, 9, 1):
        Deposit.objects.filter(pk=deposit.pk).update(deposited_on=dt.date(2026, 9, 1))
        deposit_request_return(
            deposit=deposit, actor=zhujian, pledge="承诺", requested_on=dt.date(2026, 9, 1)
        )
    deposit.refresh_from_db()
    assert deposit.public_notice_ends_on == dt.date(2026, 10, 1)
    assert deposit.review_due_on == dt.date(2026, 10, 13)

    with _at(2026, 10, 13):
        deposit_review_return(deposit=deposit, actor=hrss, reviewed_on=dt.date(2026, 10, 13))
    deposit.refresh_from_db()
    assert deposit.confirmation_due_on == dt.date(2026, 10, 16)


def test_the_detail_page_offers_only_the_allowed_steps_d4(deposit, zhujian, hrss):
    clerk_html = client_for(zhujian).get(deposit.get_absolute_url()).content.decode()
    assert "申请返还" in clerk_html and "动用保证金支付欠薪</h2>" not in clerk_html
    hrss_html = client_for(hrss).get(deposit.get_absolute_url()).content.decode()
    assert "动用保证金支付欠薪</h2>" in hrss_html


def test_a_bad_amount_posted_to_use_shows_at_the_field_d4(deposit, hrss):
    with _at(2026, 9, 15):
        page = client_for(hrss).post(
            f"/deposits/deposits/{deposit.pk}/use/", {"use-amount": "-1", "use-used_on": "2026-09-15"}
        )
    assert page.status_code == 200 and "动用金额必须大于0" in page.content.decode()
    deposit.refresh_from_db()
    assert deposit.used_amount == 0
