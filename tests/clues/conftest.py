import datetime as dt

import pytest

from clues.services import clue_acknowledge, clue_dispatch, clue_register
from tests.factories import UserFactory
from tests.helpers import at

# A valid 居民身份证号 (GB 11643 check digit), the standard's own example.
VALID_ID = "11010519491231002X"


@pytest.fixture
def now(time_machine):
    """The tests' clock: Tuesday 2026-09-15 10:00 Asia/Shanghai, frozen."""
    time_machine.move_to(at(2026, 9, 15), tick=False)
    return at(2026, 9, 15)


@pytest.fixture
def petition_clerk(units):
    return UserFactory(username="xinfang_t", unit=units["区信访局"], role="petition_clerk")


@pytest.fixture
def other_clerk(units):
    return UserFactory(username="jiaoyu_t", unit=units["区教育局"], role="clerk")


def clue_fields(units, **overrides) -> dict:
    values = dict(
        channel="hotline",
        received_at=dt.datetime.now(tz=dt.UTC) - dt.timedelta(hours=1),
        complainant_name="王建国",
        complainant_phone="13903911234",
        complainant_id_number=VALID_ID,
        workers_affected=12,
        amount_owed="86000.50",
        street=units["李封街道办事处"],
        employer_name="焦作某某劳务有限公司",
        description="十二名农民工2026年7月至8月工资未付",
    )
    values.update(overrides)
    return values


def register(user, units, **overrides):
    return clue_register(user=user, **clue_fields(units, **overrides))


def dispatch(dispatcher, clue, unit, **kw):
    kw.setdefault("person", "周主任")
    kw.setdefault("phone", "13803910002")
    if clue.suggested_unit_id != unit.pk:
        kw.setdefault("override_reason", "测试：按调度安排")
    return clue_dispatch(user=dispatcher, clue=clue, unit=unit, **kw)


@pytest.fixture
def clue(dispatcher, units, now):
    return register(dispatcher, units)


@pytest.fixture
def dispatched(dispatcher, clue, units):
    """Dispatched to 区住房城乡建设局 (the `zhujian` clerk's unit)."""
    return dispatch(dispatcher, clue, units["区住房城乡建设局"])


@pytest.fixture
def acknowledged(dispatched, zhujian):
    return clue_acknowledge(user=zhujian, clue=dispatched)
