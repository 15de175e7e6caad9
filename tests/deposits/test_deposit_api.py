"""The API for deposits, guarantees and fund movements (D1, D3): the same services as the pages, scoped the
same way, errors in common.api's shape."""

import pytest
import time_machine
from rest_framework.test import APIClient

from deposits.models import Deposit, FundKind, FundMovement
from deposits.services import fund_open_emergency
from tests.deposits.deposit_helpers import notice_for, record
from tests.deposits.notice_helpers import pushed_project
from tests.helpers import at

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient(HTTP_HOST="127.0.0.1")
    client.force_authenticate(user)
    return client


def _payload(notice, institution, **overrides):
    values = {
        "notice": notice.pk,
        "form": "cash",
        "institution": institution.pk,
        "amount": "123456",
        "document_number": "API-1",
        "deposited_on": "2026-09-10",
    }
    values.update(overrides)
    return values


def test_it_records_a_deposit_through_the_api_d3(zhujian, units, bank):
    notice = notice_for(zhujian, units)
    with time_machine.travel(at(2026, 9, 10), tick=False):
        response = api(zhujian).post("/api/deposits/", _payload(notice, bank), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["required_amount"] == "123456.00" and response.json()["shortfall"] == "0.00"
    assert api(zhujian).get("/api/deposits/").json()["count"] == 1


def test_the_api_refuses_a_paused_institution_at_the_field_d3(zhujian, units, paused):
    notice = notice_for(zhujian, units)
    with time_machine.travel(at(2026, 9, 10), tick=False):
        response = api(zhujian).post("/api/deposits/", _payload(notice, paused), format="json")
    body = response.json()
    assert response.status_code == 400 and body["code"] == "validation_error"
    assert "已暂停新业务" in body["errors"]["institution"][0]
    assert not Deposit.objects.exists()


def test_the_api_refuses_another_units_notice_and_a_bad_amount_d3(zhujian, jiaotong, units, bank):
    notice = notice_for(zhujian, units)
    with time_machine.travel(at(2026, 9, 10), tick=False):
        other = api(jiaotong).post("/api/deposits/", _payload(notice, bank), format="json")
        bad = api(zhujian).post("/api/deposits/", _payload(notice, bank, amount="-1"), format="json")
    assert other.status_code == 400 and "notice" in other.json()["errors"]
    assert "缴存金额必须大于0" in bad.json()["errors"]["amount"][0]
    assert not Deposit.objects.exists()
    record(notice, zhujian, bank)
    deposit = Deposit.objects.get()
    assert api(jiaotong).get(f"/api/deposits/{deposit.pk}/").status_code == 404


def test_fund_movements_through_the_api_refuse_an_overdraft_d1(units, hrss, zhujian):
    fund = next(f for f in fund_open_emergency(actor=hrss) if f.kind == FundKind.RESERVE)
    project = pushed_project(zhujian, units)
    client = api(hrss)
    with time_machine.travel(at(2026, 9, 10), tick=False):
        top_up = client.post(
            "/api/fund-movements/",
            {"fund": fund.pk, "kind": "top_up", "amount": "4000000", "occurred_on": "2026-09-10"},
            format="json",
        )
        over = client.post(
            "/api/fund-movements/",
            {
                "fund": fund.pk,
                "kind": "advance",
                "amount": "4000000.01",
                "occurred_on": "2026-09-10",
                "project": project.pk,
            },
            format="json",
        )
    assert top_up.status_code == 201 and top_up.json()["balance_after"] == "4000000.00"
    assert over.status_code == 400 and "金额超过可用余额" in over.json()["errors"]["amount"][0]
    assert FundMovement.objects.count() == 1
    assert api(zhujian).get("/api/fund-movements/").json()["count"] == 0  # not the unit's fund


def test_guarantees_through_the_api_d1(zhujian, jiaotong, units):
    project = pushed_project(zhujian, units)
    payload = {
        "project": project.pk,
        "guarantor": "河南嘉泰工程担保有限公司",
        "document_number": "G-1",
        "amount": "100000",
        "valid_from": "2026-09-01",
        "valid_to": "2027-09-01",
    }
    assert api(jiaotong).post("/api/guarantees/", payload, format="json").status_code == 400
    assert api(zhujian).post("/api/guarantees/", payload, format="json").status_code == 201
    assert api(zhujian).get("/api/guarantees/").json()["count"] == 1


def test_the_lifecycle_through_the_api_uses_the_same_rules_d4(zhujian, hrss, units, bank):
    deposit = record(notice_for(zhujian, units), zhujian, bank)
    with time_machine.travel(at(2026, 9, 15), tick=False):
        refused = api(zhujian).post(f"/api/deposits/{deposit.pk}/top-up/", {"amount": "1"}, format="json")
        too_much = api(hrss).post(
            f"/api/deposits/{deposit.pk}/use/", {"amount": "999999", "used_on": "2026-09-15"}, format="json"
        )
        used = api(hrss).post(
            f"/api/deposits/{deposit.pk}/use/", {"amount": "1000", "used_on": "2026-09-15"}, format="json"
        )
        clerk_use = api(zhujian).post(
            f"/api/deposits/{deposit.pk}/use/", {"amount": "1", "used_on": "2026-09-15"}, format="json"
        )
    assert refused.status_code == 400 and "不能补足" in refused.json()["errors"]["non_field_errors"][0]
    assert too_much.status_code == 400 and "不能超过保证金余额" in too_much.json()["errors"]["amount"][0]
    assert (
        used.status_code == 200 and used.json()["status"] == "used" and used.json()["shortfall"] == "1000.00"
    )
    assert clerk_use.status_code == 403
