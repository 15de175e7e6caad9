"""D3: recording a deposit for a notice — required amount from the policy ratio, bad input refused at its
field with nothing saved, unit scoping, the paused institution of 附件3."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from common.models import ActionLog, PolicyParameter
from deposits.models import Deposit, DepositStatus, NoticeStatus, RatioBasis
from deposits.services import deposit_requirement, deposit_use_for_arrears
from tests.deposits.deposit_helpers import notice_for, record
from tests.helpers import at

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(user)
    return c


def test_it_requires_one_percent_of_the_contract_total_by_default_d3(zhujian, units):
    notice = notice_for(zhujian, units)  # contract 1,234.56 万元

    requirement = deposit_requirement(project=notice.project)

    assert requirement.contract_yuan == Decimal("12345600.00")
    assert requirement.ratio == Decimal("0.01")
    assert requirement.basis == RatioBasis.DEFAULT
    assert requirement.amount == Decimal("123456.00")
    assert "待人社局确认" in requirement.reason


def test_it_follows_the_policy_ratio_the_admin_set_d3(zhujian, units):
    PolicyParameter.objects.filter(code="D3.deposit_ratio").update(value=Decimal("0.02"))
    notice = notice_for(zhujian, units)

    assert deposit_requirement(project=notice.project).amount == Decimal("246912.00")


def test_it_records_the_deposit_and_marks_the_notice_deposited_d3(zhujian, units, bank):
    notice = notice_for(zhujian, units)

    deposit = record(notice, zhujian, bank, amount="100000")

    notice.refresh_from_db()
    assert deposit.status == DepositStatus.DEPOSITED
    assert notice.status == NoticeStatus.DEPOSITED
    assert deposit.required_amount == Decimal("123456.00")
    assert deposit.shortfall == Decimal("23456.00")
    entry = ActionLog.objects.get(action="deposit.recorded", object_id=str(deposit.pk))
    assert entry.actor == zhujian and "基准比例1%" in entry.note


def test_it_raises_the_ratio_after_arrears_and_caps_it_d3(zhujian, hrss, units, bank):
    """A contractor whose earlier deposit paid wages in arrears deposits more for the next project."""
    first = record(notice_for(zhujian, units, serial=1), zhujian, bank)
    with time_machine.travel(at(2026, 9, 20), tick=False):
        deposit_use_for_arrears(deposit=first, actor=hrss, amount="1000", used_on=dt.date(2026, 9, 20))
    # Same contractor (same USCC) on a second project.
    second = notice_for(
        zhujian,
        units,
        serial=2,
        contractor_uscc=first.project.contractor.uscc,
        contractor_name=first.project.contractor.name,
    )

    with time_machine.travel(at(2026, 9, 21), tick=False):
        requirement = deposit_requirement(project=second.project)
    assert requirement.basis == RatioBasis.AFTER_ARREARS
    assert requirement.ratio == Decimal("0.015")

    PolicyParameter.objects.filter(code="D3.ratio_after_arrears_increase").update(value=Decimal("0.05"))
    with time_machine.travel(at(2026, 9, 21), tick=False):
        capped = deposit_requirement(project=second.project)
    assert capped.ratio == Decimal("0.03") and "不超过上限3%" in capped.reason


def test_it_lowers_the_ratio_for_a_clean_record_never_below_half_a_percent_d3(zhujian, units, bank):
    first = record(notice_for(zhujian, units, serial=1), zhujian, bank)
    Deposit.objects.filter(pk=first.pk).update(status=DepositStatus.RETURNED)  # returned, never used
    second = notice_for(
        zhujian,
        units,
        serial=2,
        contractor_uscc=first.project.contractor.uscc,
        contractor_name=first.project.contractor.name,
    )
    PolicyParameter.objects.filter(code="D3.ratio_clean_record_reduction").update(value=Decimal("0.008"))

    requirement = deposit_requirement(project=second.project)

    assert requirement.basis == RatioBasis.CLEAN_RECORD
    assert requirement.ratio == Decimal("0.005")
    assert "不低于下限0.5%" in requirement.reason


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "缴存金额必须大于0"),
        ("-10", "缴存金额必须大于0"),
        ("十万元", "请填写数字金额"),
        ("1.234", "最多保留两位小数"),
        ("", "请填写缴存金额"),
    ],
)
def test_it_refuses_a_bad_amount_at_the_field_and_saves_nothing_d3(zhujian, units, bank, amount, message):
    notice = notice_for(zhujian, units)

    with pytest.raises(ValidationError) as error:
        record(notice, zhujian, bank, amount=amount)

    assert message in error.value.message_dict["amount"][0]
    assert not Deposit.objects.exists()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ISSUED


def test_it_refuses_validity_ending_before_it_starts_d3(zhujian, units, bank):
    notice = notice_for(zhujian, units)

    with pytest.raises(ValidationError) as error:
        record(
            notice,
            zhujian,
            bank,
            form="bank_guarantee",
            valid_from=dt.date(2026, 9, 10),
            valid_to=dt.date(2026, 9, 9),
        )

    assert error.value.message_dict["valid_to"] == ["有效期结束日期不能早于开始日期"]
    assert not Deposit.objects.exists()


def test_it_refuses_a_paused_institution_with_a_message_d3(zhujian, units, paused):
    notice = notice_for(zhujian, units)

    with pytest.raises(ValidationError) as error:
        record(notice, zhujian, paused)

    assert "已暂停新业务" in error.value.message_dict["institution"][0]
    assert not Deposit.objects.exists()


def test_it_refuses_a_deposit_for_another_units_project_d3(zhujian, jiaotong, units, bank):
    notice = notice_for(zhujian, units)

    with pytest.raises(PermissionDenied):
        record(notice, jiaotong, bank)
    assert not Deposit.objects.exists()


def test_hrss_records_a_deposit_for_any_unit_d3(zhujian, hrss, units, bank):
    deposit = record(notice_for(zhujian, units), hrss, bank)
    assert deposit.recorded_by == hrss


def test_it_refuses_a_second_deposit_for_the_same_notice_d3(zhujian, units, bank):
    notice = notice_for(zhujian, units)
    record(notice, zhujian, bank)
    with pytest.raises(ValidationError):
        record(notice, zhujian, bank)
    assert Deposit.objects.count() == 1


# ------------------------------------------------------------------------------------------------ pages


def test_the_form_hides_the_paused_institution_and_shows_the_requirement_d3(zhujian, units, institutions):
    notice = notice_for(zhujian, units)
    with time_machine.travel(at(2026, 9, 10), tick=False):
        page = _client(zhujian).get(f"/deposits/notices/{notice.pk}/deposit/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "中国人寿财产保险有限公司焦作市中心支公司" not in html
    assert "中国农业银行股份有限公司焦作分行" in html
    assert "123,456.00 元" in html and "第十一条" in html


def test_another_units_clerk_gets_404_for_the_deposit_form_d3(zhujian, jiaotong, units, institutions):
    notice = notice_for(zhujian, units)
    assert _client(jiaotong).get(f"/deposits/notices/{notice.pk}/deposit/").status_code == 404
    assert not Deposit.objects.exists()


def test_posting_a_bad_amount_shows_the_message_at_the_field_d3(zhujian, units, bank):
    notice = notice_for(zhujian, units)
    data = {
        "form": "cash",
        "institution": bank.pk,
        "amount": "abc",
        "document_number": "X-1",
        "deposited_on": "2026-09-10",
    }
    with time_machine.travel(at(2026, 9, 10), tick=False):
        page = _client(zhujian).post(f"/deposits/notices/{notice.pk}/deposit/", data)
    assert page.status_code == 200
    assert "请填写数字金额" in page.content.decode()
    assert not Deposit.objects.exists()


def test_posting_a_paused_institution_shows_the_message_d3(zhujian, units, paused):
    notice = notice_for(zhujian, units)
    data = {
        "form": "insurance",
        "institution": paused.pk,
        "amount": "1000",
        "document_number": "X-1",
        "deposited_on": "2026-09-10",
        "valid_from": "2026-09-10",
        "valid_to": "2027-09-10",
    }
    with time_machine.travel(at(2026, 9, 10), tick=False):
        page = _client(zhujian).post(f"/deposits/notices/{notice.pk}/deposit/", data)
    assert "已暂停新业务" in page.content.decode()
    assert not Deposit.objects.exists()


def test_posting_the_form_records_and_the_detail_shows_required_deposited_shortfall_d3(zhujian, units, bank):
    notice = notice_for(zhujian, units)
    data = {
        "form": "cash",
        "institution": bank.pk,
        "amount": "100000",
        "document_number": "X-1",
        "deposited_on": "2026-09-10",
    }
    c = _client(zhujian)
    with time_machine.travel(at(2026, 9, 10), tick=False):
        response = c.post(f"/deposits/notices/{notice.pk}/deposit/", data)
        deposit = Deposit.objects.get()
        assert response.status_code == 302 and response["Location"] == deposit.get_absolute_url()
        html = c.get(deposit.get_absolute_url()).content.decode()
    assert "123,456.00" in html and "100,000.00" in html and "23,456.00" in html
    assert "登记保证金缴存" in html  # the timeline


def test_the_deposit_list_is_unit_scoped_with_constant_queries_d3(
    zhujian, jiaotong, hrss, units, bank, django_assert_max_num_queries
):
    for serial in range(1, 4):
        record(notice_for(zhujian, units, serial=serial), zhujian, bank)
    other = record(notice_for(jiaotong, units, serial=9), jiaotong, bank)

    html = _client(zhujian).get("/deposits/deposits/").content.decode()
    assert "共 3 笔" in html and other.project.name not in html
    assert "共 4 笔" in _client(hrss).get("/deposits/deposits/").content.decode()

    c = _client(hrss)
    c.get("/deposits/deposits/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        c.get("/deposits/deposits/")
    for serial in range(10, 16):
        record(notice_for(zhujian, units, serial=serial), zhujian, bank)
    with CaptureQueriesContext(connection) as many:
        c.get("/deposits/deposits/")
    assert len(many) == len(few)


def test_the_deposit_list_filters_searches_and_exports_d3(zhujian, hrss, units, bank):
    a = record(notice_for(zhujian, units, serial=1), zhujian, bank)
    record(
        notice_for(zhujian, units, serial=2),
        zhujian,
        bank,
        form="bank_guarantee",
        valid_from=dt.date(2026, 9, 1),
        valid_to=dt.date(2027, 9, 1),
    )
    c = _client(hrss)
    assert "共 1 笔" in c.get("/deposits/deposits/?form=cash").content.decode()
    assert "共 1 笔" in c.get(f"/deposits/deposits/?q={a.project.name}").content.decode()
    export = c.get("/deposits/deposits/export.xlsx?form=cash")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")


def test_a_leader_sees_but_cannot_record_d3(zhujian, leader, units, bank):
    notice = notice_for(zhujian, units)
    with pytest.raises(PermissionDenied):
        record(notice, leader, bank)
