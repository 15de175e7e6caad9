"""seed_demo adds one deposit used to pay arrears, payment guarantees and fund movements (D1, D3, D4); a
second run adds nothing."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from deposits.models import Deposit, DepositStatus, Fund, FundKind, FundMovement, Notice, PaymentGuarantee

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_deposits_and_fund_movements_once_d1_d4():
    call_command("seed_demo", stdout=io.StringIO())
    counts = (Deposit.objects.count(), FundMovement.objects.count(), PaymentGuarantee.objects.count())
    call_command("seed_demo", stdout=io.StringIO())

    assert (Deposit.objects.count(), FundMovement.objects.count(), PaymentGuarantee.objects.count()) == counts
    assert Deposit.objects.filter(status=DepositStatus.USED).count() == 1
    assert Fund.objects.get(kind=FundKind.REVOLVING).balance == Decimal("950000.00")
    assert Fund.objects.get(kind=FundKind.RESERVE).balance == Decimal("4000000.00")


def test_it_dates_the_demo_notices_creation_history_on_their_push_p4():
    """The notice timeline's first diff must show the backdated issue time and deadline, not the seeding time."""
    call_command("seed_demo", stdout=io.StringIO())

    for notice in Notice.objects.all():
        first = notice.history.earliest("history_date")
        assert (first.issued_at, first.history_date) == (notice.issued_at, notice.issued_at)
        if notice.received_at is None:
            assert first.deadline == notice.deadline
