"""D1 (1): the builder's 工程款支付担保 per project, supervised by the industry authority; within 30 days of
expiry it shows yellow."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from deposits.models import PaymentGuarantee
from deposits.services import guarantee_expiring, guarantee_record
from tests.deposits.deposit_helpers import client_for
from tests.deposits.notice_helpers import pushed_project
from tests.helpers import at

pytestmark = pytest.mark.django_db


def _record(project, actor, **overrides):
    values = dict(
        guarantor="河南嘉泰工程担保有限公司",
        document_number="ZF-001",
        amount="500000",
        valid_from=dt.date(2026, 9, 1),
        valid_to=dt.date(2026, 10, 10),
    )
    values.update(overrides)
    return guarantee_record(project=project, actor=actor, **values)


def test_the_industry_authority_records_a_guarantee_d1(zhujian, units):
    guarantee = _record(pushed_project(zhujian, units), zhujian)
    assert guarantee.recorded_by == zhujian


def test_another_unit_cannot_record_for_the_project_d1(zhujian, jiaotong, units):
    with pytest.raises(PermissionDenied):
        _record(pushed_project(zhujian, units), jiaotong)
    assert not PaymentGuarantee.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "x"}, "amount"),
        ({"valid_to": dt.date(2026, 8, 31)}, "valid_to"),
        ({"guarantor": ""}, "guarantor"),
    ],
)
def test_it_refuses_bad_input_at_the_field_d1(zhujian, units, overrides, field):
    with pytest.raises(ValidationError) as error:
        _record(pushed_project(zhujian, units), zhujian, **overrides)
    assert field in error.value.message_dict
    assert not PaymentGuarantee.objects.exists()


def test_it_shows_yellow_within_30_days_of_expiry_d1(zhujian, hrss, units):
    guarantee = _record(pushed_project(zhujian, units), zhujian, valid_to=dt.date(2026, 10, 10))
    assert not guarantee_expiring(guarantee, dt.date(2026, 9, 9))  # 31 days before
    assert guarantee_expiring(guarantee, dt.date(2026, 9, 10))  # 30 days before
    with time_machine.travel(at(2026, 9, 20), tick=False):
        html = client_for(hrss).get("/deposits/guarantees/").content.decode()
        only = client_for(hrss).get("/deposits/guarantees/?expiring=1").content.decode()
    assert "即将到期" in html and "#fff4d6" in html
    assert "共 1 份" in only


def test_the_list_is_unit_scoped_d1(zhujian, jiaotong, units):
    _record(pushed_project(zhujian, units), zhujian)
    assert "共 0 份" in client_for(jiaotong).get("/deposits/guarantees/").content.decode()
    assert "共 1 份" in client_for(zhujian).get("/deposits/guarantees/").content.decode()


def test_the_form_records_a_guarantee_d1(zhujian, units):
    project = pushed_project(zhujian, units)
    response = client_for(zhujian).post(
        "/deposits/guarantees/new/",
        {
            "project": project.pk,
            "guarantor": "河南华诚工程担保有限公司",
            "document_number": "ZF-2",
            "amount": "100000",
            "valid_from": "2026-09-01",
            "valid_to": "2026-08-01",
        },
    )
    assert "有效期结束日期不能早于开始日期" in response.content.decode()
    assert not PaymentGuarantee.objects.exists()


def test_the_list_exports_to_excel_d1(zhujian, units):
    import io

    from openpyxl import load_workbook

    _record(pushed_project(zhujian, units), zhujian)
    with time_machine.travel(at(2026, 9, 20), tick=False):
        response = client_for(zhujian).get("/deposits/guarantees/export.xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "项目名称" and rows[2][2] == "河南嘉泰工程担保有限公司" and rows[2][7] == "即将到期"
