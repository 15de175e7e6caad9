"""C4 on PostgreSQL: two sweeps at the same moment (two beats, a beat and a hand-run process_deadlines) write
each letter once, with numbers neither repeated nor skipped; a sweep finding a clue locked by the other skips it
instead of waiting. Run with `DATABASE_URL=postgres://… pytest --create-db tests/clues`."""

import threading
import time

import pytest
from django.db import connection, transaction

from clues import services
from clues.models import Clue, Letter
from common.models import IssuedDocument
from tests.factories import UserFactory
from tests.helpers import at

from .conftest import register
from .test_concurrency_c4_pg import _Thread, needs_postgresql

NOW = at(2026, 9, 20, 9)  # past day 4 of every clue below


def _clues(units, n: int) -> list[Clue]:
    hrss = UserFactory(username="renshe_sweep", unit=units["区人力资源社会保障局"], role="dispatcher")
    return [register(hrss, units, received_at=at(2026, 9, 15, 8)) for _ in range(n)]


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_write_each_letter_once_c4(units, time_machine):
    time_machine.move_to(at(2026, 9, 15, 9), tick=True)
    clues = _clues(units, 12)
    barrier = threading.Barrier(2)

    def sweep():
        barrier.wait(10)
        return services.clue_process_deadlines(NOW)

    threads = [_Thread(sweep), _Thread(sweep)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [t.error for t in threads] == [None, None]
    written = [t.result["reminder"] + t.result["escalation"] for t in threads]
    assert sum(written) == 24  # 12 clues × (提醒函 + 通报), split between the two sweeps somehow
    assert Letter.objects.count() == 24
    for clue in clues:
        assert sorted(Letter.objects.filter(clue=clue).values_list("kind", flat=True)) == [
            "escalation",
            "reminder",
        ]
    numbers = sorted(
        IssuedDocument.objects.filter(kind__startswith="clues.").values_list("sequence_number", flat=True)
    )
    assert numbers == list(range(1, 25))  # no number twice, none skipped


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_sweep_skips_a_clue_another_sweep_holds_instead_of_waiting_c4(units, time_machine):
    time_machine.move_to(at(2026, 9, 15, 9), tick=True)
    held, free = _clues(units, 2)
    locked, release = threading.Event(), threading.Event()

    def slow_sweep():
        with transaction.atomic():
            Clue.objects.select_for_update().get(pk=held.pk)  # a sweep busy with this clue
            locked.set()
            assert release.wait(20)

    holder = _Thread(slow_sweep)
    holder.start()
    assert locked.wait(10)
    try:
        started = time.monotonic()
        counts = services.clue_process_deadlines(NOW)
        elapsed = time.monotonic() - started
    finally:
        release.set()
        holder.join(30)
    assert elapsed < 5, "the second sweep waited for the lock"
    assert (counts["reminder"], counts["escalation"]) == (1, 1)
    assert not Letter.objects.filter(clue=held).exists()
    assert Letter.objects.filter(clue=free).count() == 2
    # The held clue is still due, and the next run writes its letters.
    assert services.clue_process_deadlines(NOW)["reminder"] == 1
    assert connection.vendor == "postgresql"
