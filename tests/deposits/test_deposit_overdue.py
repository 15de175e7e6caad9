"""D4: a notice past its deadline without a deposit is overdue — HRSS's list with days overdue and the
5万–10万 penalty range (D2.fine_min_yuan / D2.fine_max_yuan), its Excel export, and the penalty decision."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from common.models import ActionLog
from deposits.models import PenaltyDecision
from deposits.selectors import notice_overdue_search
from deposits.services import penalty_decide
from tests.deposits.deposit_helpers import client_for, notice_for, record
from tests.helpers import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(zhujian, units):
    """Issued 2026-09-03 10:00: 15 calendar days, deadline 2026-09-18."""
    n = notice_for(zhujian, units)
    assert n.deadline == dt.date(2026, 9, 18)
    return n


def _overdue(user, when):
    with time_machine.travel(when, tick=False):
        return list(notice_overdue_search(user))


def test_it_is_not_overdue_on_the_deadline_day_at_23_59_d4(notice, hrss):
    assert _overdue(hrss, at(2026, 9, 18, 23, 59)) == []


def test_it_is_overdue_from_00_00_the_next_day_asia_shanghai_d4(notice, hrss):
    assert _overdue(hrss, at(2026, 9, 19, 0, 0)) == [notice]
    # 2026-09-18 16:00 UTC is 09-19 00:00 in Asia/Shanghai: already overdue.
    assert _overdue(hrss, dt.datetime(2026, 9, 18, 16, 0, tzinfo=dt.UTC)) == [notice]
    assert _overdue(hrss, dt.datetime(2026, 9, 18, 15, 59, tzinfo=dt.UTC)) == []


def test_a_deposited_notice_is_never_overdue_d4(notice, zhujian, hrss, bank):
    record(notice, zhujian, bank)
    assert _overdue(hrss, at(2026, 10, 1)) == []


def test_the_list_shows_days_overdue_and_the_penalty_range_d4(notice, hrss):
    with time_machine.travel(at(2026, 9, 25), tick=False):
        html = client_for(hrss).get("/deposits/overdue/").content.decode()
    assert notice.number in html
    assert "7 天" in html
    assert "50,000.00–100,000.00" in html and "第五十五条" in html
    assert f"/deposits/overdue/{notice.pk}/penalty/" in html


def test_the_list_is_unit_scoped_and_searchable_d4(notice, jiaotong, units, hrss):
    other = notice_for(jiaotong, units, serial=5)
    with time_machine.travel(at(2026, 9, 25), tick=False):
        assert _overdue(jiaotong, at(2026, 9, 25)) == [other]
        html = client_for(hrss).get(f"/deposits/overdue/?q={other.project.name}").content.decode()
    assert other.number in html and notice.number not in html


def test_the_list_export_has_the_days_and_range_d4(notice, hrss):
    with time_machine.travel(at(2026, 9, 25), tick=False):
        response = client_for(hrss).get("/deposits/overdue/export.xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "通知书编号"
    assert rows[2][0] == notice.number and rows[2][5] == 7
    assert rows[2][6] == 50000 and rows[2][7] == 100000


def test_the_overdue_list_queries_stay_constant_d4(zhujian, hrss, units):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    notice_for(zhujian, units, serial=1)
    c = client_for(hrss)
    with time_machine.travel(at(2026, 9, 25), tick=False):
        c.get("/deposits/overdue/")
        with CaptureQueriesContext(connection) as few:
            c.get("/deposits/overdue/")
    for serial in range(2, 7):
        notice_for(zhujian, units, serial=serial)
    with time_machine.travel(at(2026, 9, 25), tick=False), CaptureQueriesContext(connection) as many:
        c.get("/deposits/overdue/")
    assert len(many) == len(few)


def _decide(notice, actor, **overrides):
    values = dict(amount="50000", decision_number="中人社罚〔2026〕1号", decided_on=dt.date(2026, 9, 25))
    values.update(overrides)
    with time_machine.travel(at(2026, 9, 25), tick=False):
        return penalty_decide(notice=notice, actor=actor, **values)


def test_hrss_records_a_penalty_decision_in_range_audited_d4(notice, hrss):
    decision = _decide(notice, hrss, amount="80000")
    assert decision.amount == Decimal("80000")
    assert ActionLog.objects.filter(action="penalty.decided", object_id=str(decision.pk), actor=hrss).exists()


@pytest.mark.parametrize("amount", ["49999.99", "100000.01", "0", "abc"])
def test_it_refuses_a_penalty_outside_the_range_d4(notice, hrss, amount):
    with pytest.raises(ValidationError) as error:
        _decide(notice, hrss, amount=amount)
    assert "amount" in error.value.message_dict
    assert not PenaltyDecision.objects.exists()


def test_it_refuses_a_penalty_before_the_notice_is_overdue_d4(notice, hrss):
    with time_machine.travel(at(2026, 9, 18, 23, 59), tick=False), pytest.raises(ValidationError) as error:
        penalty_decide(
            notice=notice, actor=hrss, amount="50000", decision_number="X", decided_on=dt.date(2026, 9, 18)
        )
    assert "未逾期" in error.value.message_dict["__all__"][0]


def test_a_clerk_cannot_record_a_penalty_d4(notice, zhujian):
    with pytest.raises(PermissionDenied):
        _decide(notice, zhujian)
    assert client_for(zhujian).get(f"/deposits/overdue/{notice.pk}/penalty/").status_code == 403


def test_the_penalty_page_records_and_shows_on_the_list_d4(notice, hrss):
    c = client_for(hrss)
    with time_machine.travel(at(2026, 9, 25), tick=False):
        bad = c.post(
            f"/deposits/overdue/{notice.pk}/penalty/",
            {"amount": "200000", "decision_number": "R-1", "decided_on": "2026-09-25"},
        )
        assert "罚款金额应在50,000.00元至100,000.00元之间" in bad.content.decode()
        ok = c.post(
            f"/deposits/overdue/{notice.pk}/penalty/",
            {"amount": "60000", "decision_number": "R-1", "decided_on": "2026-09-25"},
        )
        assert ok.status_code == 302
        html = c.get("/deposits/overdue/?decided=yes").content.decode()
    assert "R-1" in html and "60,000.00" in html
