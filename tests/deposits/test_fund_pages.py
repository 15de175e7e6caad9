"""D1 pages: the fund list and ledger, presale and guarantee forms — unit-scoped, read-only for leaders, query
counts independent of the number of rows; the notice page links to the deposit form."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deposits.models import FundKind, MovementKind
from deposits.services import fund_move, fund_open_emergency, guarantee_record
from tests.deposits.deposit_helpers import client_for, notice_for
from tests.deposits.notice_helpers import pushed_project
from tests.helpers import at

pytestmark = pytest.mark.django_db


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_fund_ledger_page_runs_constant_queries_d1(hrss, zhujian, units):
    fund = next(f for f in fund_open_emergency(actor=hrss) if f.kind == FundKind.REVOLVING)
    project = pushed_project(zhujian, units)
    c = client_for(hrss)
    with time_machine.travel(at(2026, 9, 10), tick=False):
        fund_move(
            fund=fund,
            actor=hrss,
            kind=MovementKind.TOP_UP,
            amount="1000000",
            occurred_on=dt.date(2026, 9, 10),
        )
        _queries(c, fund.get_absolute_url())
        few = _queries(c, fund.get_absolute_url())
        for _ in range(8):
            fund_move(fund=fund, actor=hrss, kind=MovementKind.ADVANCE, amount="1000", occurred_on=dt.date(2026, 9, 10),
                      project=project)  # fmt: skip
        many = _queries(c, fund.get_absolute_url())
    assert many == few


def test_a_leader_reads_the_fund_pages_without_forms_d1(hrss, leader):
    fund = fund_open_emergency(actor=hrss)[0]
    c = client_for(leader)
    assert "建立应急周转金" not in c.get("/deposits/funds/").content.decode()
    assert "登记资金变动" not in c.get(fund.get_absolute_url()).content.decode()
    assert c.post(f"/deposits/funds/{fund.pk}/move/", {"kind": "top_up", "amount": "1"}).status_code == 403


def test_the_fund_list_offers_opening_the_emergency_funds_to_hrss_d1(hrss):
    c = client_for(hrss)
    assert "建立应急周转金、应急储备金账户" in c.get("/deposits/funds/").content.decode()
    assert c.post("/deposits/funds/open-emergency/").status_code == 302
    html = c.get("/deposits/funds/").content.decode()
    assert "1,000,000.00" in html and "4,000,000.00" in html  # 规模 from D1 policy parameters


def test_the_presale_form_is_for_the_housing_centre_and_hrss_d1(hrss, zhujian):
    assert client_for(hrss).get("/deposits/funds/presale/new/").status_code == 200
    assert client_for(zhujian).get("/deposits/funds/presale/new/").status_code == 403


def test_the_guarantee_list_runs_constant_queries_d1(zhujian, units):
    c = client_for(zhujian)

    def add(serial):
        guarantee_record(project=pushed_project(zhujian, units, serial=serial), actor=zhujian, guarantor="担保公司",
                         document_number=f"G{serial}", amount="1000", valid_from=dt.date(2026, 9, 1),
                         valid_to=dt.date(2027, 9, 1))  # fmt: skip

    add(1)
    assert client_for(zhujian).get("/deposits/guarantees/new/").status_code == 200
    _queries(c, "/deposits/guarantees/")
    few = _queries(c, "/deposits/guarantees/")
    for serial in range(2, 7):
        add(serial)
    assert _queries(c, "/deposits/guarantees/") == few


def test_the_notice_page_links_to_the_deposit_form_d3(zhujian, units, institutions):
    notice = notice_for(zhujian, units)
    html = client_for(zhujian).get(f"/deposits/notices/{notice.pk}/").content.decode()
    assert f"/deposits/notices/{notice.pk}/deposit/" in html
