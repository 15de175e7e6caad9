"""D1: the district's 应急周转金 (100万) and 应急储备金 (400万) and presale supervision funds as ledgers of
movements whose balance never goes negative — refused at the field, a database constraint behind it, and a row
lock so two concurrent advances that together overdraw leave exactly one refused (PostgreSQL)."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from common.models import ActionLog
from deposits.models import Fund, FundKind, FundMovement, MovementKind
from deposits.services import fund_move, fund_open_emergency, fund_open_presale
from tests.deposits.deposit_helpers import client_for
from tests.deposits.notice_helpers import pushed_project
from tests.factories import UserFactory
from tests.helpers import at

TODAY = dt.date(2026, 9, 10)


@pytest.fixture
def finance(units):
    return UserFactory(username="caizheng_t", unit=units["区财政局（国资办）"], role="clerk")


@pytest.fixture
def revolving(finance):
    funds = fund_open_emergency(actor=finance)
    return next(f for f in funds if f.kind == FundKind.REVOLVING)


def _move(fund, actor, kind, amount, **kw):
    with time_machine.travel(at(2026, 9, 10), tick=False):
        return fund_move(fund=fund, actor=actor, kind=kind, amount=amount, occurred_on=TODAY, **kw)


@pytest.mark.django_db
def test_it_opens_both_emergency_funds_once_d1(finance):
    fund_open_emergency(actor=finance)
    fund_open_emergency(actor=finance)
    assert sorted(Fund.objects.values_list("name", flat=True)) == ["应急储备金", "应急周转金"]


@pytest.mark.django_db
def test_top_up_advance_and_recovery_keep_the_balance_and_the_log_d1(
    revolving, finance, hrss, zhujian, units
):
    project = pushed_project(zhujian, units)
    _move(revolving, finance, MovementKind.TOP_UP, "1000000", counterparty="区财政局")
    _move(revolving, hrss, MovementKind.ADVANCE, "250000.50", project=project)
    _move(revolving, hrss, MovementKind.RECOVERY, "50000", project=project)

    revolving.refresh_from_db()
    assert revolving.balance == Decimal("799999.50")
    assert list(FundMovement.objects.values_list("balance_after", flat=True)) == [
        Decimal("1000000.00"),
        Decimal("749999.50"),
        Decimal("799999.50"),
    ]
    assert ActionLog.objects.filter(action="fund.moved", object_id=str(revolving.pk)).count() == 3


@pytest.mark.django_db
def test_it_refuses_an_advance_larger_than_the_balance_d1(revolving, finance, hrss, zhujian, units):
    project = pushed_project(zhujian, units)
    _move(revolving, finance, MovementKind.TOP_UP, "100")

    with pytest.raises(ValidationError) as error:
        _move(revolving, hrss, MovementKind.ADVANCE, "100.01", project=project)

    assert "金额超过可用余额（当前余额100.00元）" in error.value.message_dict["amount"][0]
    revolving.refresh_from_db()
    assert revolving.balance == Decimal("100.00")
    assert FundMovement.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "message"), [("0", "必须大于0"), ("-5", "必须大于0"), ("一百", "请填写数字金额")]
)
def test_it_refuses_a_bad_amount_d1(revolving, finance, amount, message):
    with pytest.raises(ValidationError) as error:
        _move(revolving, finance, MovementKind.TOP_UP, amount)
    assert message in error.value.message_dict["amount"][0]
    assert not FundMovement.objects.exists()


@pytest.mark.django_db
def test_an_advance_needs_a_project_and_the_fund_its_kinds_d1(revolving, finance):
    with pytest.raises(ValidationError) as error:
        _move(revolving, finance, MovementKind.ADVANCE, "1")
    assert "垫付须选择项目" in error.value.message_dict["project"][0]
    with pytest.raises(ValidationError) as error:
        _move(revolving, finance, MovementKind.RELEASE, "1")
    assert "kind" in error.value.message_dict


@pytest.mark.django_db
def test_another_units_clerk_cannot_move_the_emergency_fund_d1(revolving, zhujian):
    with pytest.raises(PermissionDenied):
        _move(revolving, zhujian, MovementKind.TOP_UP, "1")
    assert client_for(zhujian).get(revolving.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_the_database_refuses_a_negative_balance_d1(revolving):
    """The backstop for code that forgets the service: the CheckConstraint on the stored balance."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Fund.objects.filter(pk=revolving.pk).update(balance=Decimal("-0.01"))


@pytest.mark.django_db
def test_the_fund_page_shows_the_balance_over_time_and_the_form_d1(revolving, finance, hrss):
    _move(revolving, finance, MovementKind.TOP_UP, "1000000")
    with time_machine.travel(at(2026, 9, 10), tick=False):
        html = client_for(finance).get(revolving.get_absolute_url()).content.decode()
        bad = (
            client_for(finance)
            .post(
                f"/deposits/funds/{revolving.pk}/move/",
                {"kind": "advance", "amount": "2000000", "occurred_on": "2026-09-10"},
            )
            .content.decode()
        )
    assert "1,000,000.00" in html and "balance-chart" in html and "height:100%" in html
    assert "http" not in html.split("balance-chart")[1].split("</section>")[0]  # nothing from outside
    assert "垫付须选择项目" in bad
    assert client_for(hrss).get("/deposits/funds/").status_code == 200
    export = client_for(finance).get(f"/deposits/funds/{revolving.pk}/export.xlsx")
    assert export.status_code == 200


@pytest.mark.django_db
def test_a_presale_fund_belongs_to_a_housing_project_d1(units, zhujian):
    centre = UserFactory(username="zhubao_t", unit=units["区住房保障中心"], role="clerk")
    municipal = pushed_project(zhujian, units, serial=1)
    with pytest.raises(ValidationError) as error:
        fund_open_presale(project=municipal, actor=centre, bank="中原银行", account_number="6222")
    assert "房屋建筑" in error.value.message_dict["project"][0]

    housing = pushed_project(zhujian, units, serial=2, category="housing")
    fund = fund_open_presale(project=housing, actor=centre, bank="中原银行焦作分行", account_number="6222001")
    _move(fund, centre, MovementKind.TOP_UP, "500000", counterparty="购房款")
    _move(fund, centre, MovementKind.LABOUR_PAYMENT, "120000", note="优先支付人工费")
    fund.refresh_from_db()
    assert fund.balance == Decimal("380000.00") and fund.unit == units["区住房保障中心"]
    with pytest.raises(ValidationError):
        _move(fund, centre, MovementKind.RELEASE, "380000.01")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_advances_that_together_overdraw_one_is_refused_d1(units, zhujian, hrss):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction: the race needs PostgreSQL (DATABASE_URL)")
    finance = UserFactory(username="caizheng_race", unit=units["区财政局（国资办）"], role="clerk")
    fund = next(f for f in fund_open_emergency(actor=finance) if f.kind == FundKind.REVOLVING)
    project = pushed_project(zhujian, units)
    _move(fund, finance, MovementKind.TOP_UP, "1000000")

    barrier = threading.Barrier(2)
    outcomes = []

    def advance():
        try:
            barrier.wait()
            fund_move(
                fund=fund,
                actor=hrss,
                kind=MovementKind.ADVANCE,
                amount="600000",
                occurred_on=dt.date.today() - dt.timedelta(days=1),
                project=project,
            )
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.message_dict["amount"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=advance) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcomes.count("ok") == 1
    assert any("金额超过可用余额" in o for o in outcomes if o != "ok")
    fund.refresh_from_db()
    assert fund.balance == Decimal("400000.00")
    assert FundMovement.objects.filter(kind=MovementKind.ADVANCE).count() == 1
