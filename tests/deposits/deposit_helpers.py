"""Builders for the deposit and fund tests (tests/deposits/test_deposit*.py, test_fund*.py, test_guarantee*.py)."""

import datetime as dt
from decimal import Decimal

import time_machine
from django.test import Client

from deposits.services import deposit_record
from tests.deposits.notice_helpers import notice_of, pushed_project
from tests.helpers import at


def notice_for(user, units, *, serial=1, when=None, **overrides):
    """The notice of a freshly pushed project of `user`'s unit (pushed 2026-09-03 10:00 unless told)."""
    return notice_of(pushed_project(user, units, serial=serial, when=when, **overrides))


def record(notice, actor, institution, *, when=None, **overrides):
    """A valid cash deposit for `notice`, recorded at `when` (2026-09-10 10:00 unless told)."""
    values = dict(
        form="cash",
        institution=institution,
        amount="123456.00",
        document_number="NYZH-0001",
        deposited_on=dt.date(2026, 9, 10),
    )
    values.update(overrides)
    with time_machine.travel(when or at(2026, 9, 10), tick=False):
        return deposit_record(notice=notice, actor=actor, **values)


YUAN = Decimal("0.01")


def client_for(user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client
