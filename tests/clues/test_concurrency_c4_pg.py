"""C4: two transitions racing on one clue (PostgreSQL: row locks and a second connection that really waits).
One wins; the other, after waiting for the lock, reads the new state and gets a Chinese message.

Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> pytest --create-db tests/clues`."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from clues import services
from clues.models import Clue, ClueStatus
from common.models import ActionLog
from tests.factories import UserFactory
from tests.helpers import at

from .conftest import register

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="两个线程争用行锁需要 PostgreSQL：SQLite 一次只允许一个写入者，select_for_update 在 SQLite 上不起作用",
)


class _Thread(threading.Thread):
    def __init__(self, target):
        super().__init__(daemon=True)
        self._fn, self.result, self.error = target, None, None

    def run(self):
        try:
            self.result = self._fn()
        except BaseException as e:  # noqa: BLE001 — handed to the test
            self.error = e
        finally:
            connections.close_all()


def _wait_for_a_lock_waiter(timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the second transaction never waited for the first one's lock")


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_one_wins_the_other_gets_a_chinese_message_c4(units, time_machine):
    time_machine.move_to(at(2026, 9, 15, 12), tick=True)
    hrss = UserFactory(username="renshe_pg", unit=units["区人力资源社会保障局"], role="dispatcher")
    clerk = UserFactory(username="zhujian_pg", unit=units["区住房城乡建设局"], role="clerk")
    clue = register(hrss, units, received_at=at(2026, 9, 15, 10))
    clue = services.clue_dispatch(
        user=hrss,
        clue=clue,
        unit=units["区住房城乡建设局"],
        person="周主任",
        phone="13803910002",
        override_reason="测试",
    )
    started, release = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            result = services.clue_acknowledge(user=clerk, clue=clue)
            started.set()
            assert release.wait(15)
        return result

    # Two clerks of the unit press 签收 on the same page at once.
    winner = _Thread(first)
    winner.start()
    assert started.wait(10)
    loser = _Thread(lambda: services.clue_acknowledge(user=clerk, clue=clue))
    loser.start()
    _wait_for_a_lock_waiter()
    release.set()
    winner.join(15), loser.join(15)

    assert winner.error is None and winner.result.status == ClueStatus.ACKNOWLEDGED
    assert isinstance(loser.error, ValidationError)
    assert loser.error.message_dict == {"__all__": ["线索当前状态为“已签收”，不能签收"]}
    assert Clue.objects.get(pk=clue.pk).status == ClueStatus.ACKNOWLEDGED
    assert ActionLog.objects.filter(object_id=str(clue.pk), action="clue.acknowledged").count() == 1


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_stale_instance_saved_without_the_lock_is_refused_c4(units, time_machine):
    """The backstop behind the lock: ConcurrentTransitionMixin refuses to write a stale state back."""
    from django_fsm import ConcurrentTransition

    time_machine.move_to(at(2026, 9, 15, 12), tick=True)
    hrss = UserFactory(username="renshe_pg2", unit=units["区人力资源社会保障局"], role="dispatcher")
    clue = register(hrss, units, received_at=at(2026, 9, 15, 10))
    stale = Clue.objects.get(pk=clue.pk)
    services.clue_dispatch(
        user=hrss,
        clue=clue,
        unit=units["区住房城乡建设局"],
        person="周主任",
        phone="13803910002",
        override_reason="测试",
    )
    stale.dispatch(unit=units["区交通运输局"], person="钱", phone="13703910003", at=at(2026, 9, 15, 12))
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    assert Clue.objects.get(pk=clue.pk).responsible_unit == units["区住房城乡建设局"]
