"""Races the unique constraint and the row lock exist for (issue 5 A9): each test fails if its guard goes.

The two-thread tests need PostgreSQL (row locks, a second connection that really waits); SQLite has neither
(one writer at a time, and `select_for_update` is a no-op), so they are skipped there. Run them with
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> pytest --create-db tests/projects/test_concurrency.py`.
"""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from common.models import ActionLog
from projects import services
from projects.models import Enterprise, Project
from projects.services import DUPLICATE_NAME_MESSAGE, ProjectData, project_push, project_update
from tests.factories import create_project, make_uscc
from tests.helpers import at

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="两个线程争用行锁需要 PostgreSQL：SQLite 一次只允许一个写入者，select_for_update 在 SQLite 上不起作用",
)


# --- the unique constraint behind the duplicate-name check (any database) ----------------------------------


@pytest.mark.django_db
def test_a_duplicate_that_passed_the_check_is_the_chinese_field_error_and_leaves_nothing(
    zhujian, units, time_machine, monkeypatch
):
    """As if a concurrent save had registered the name between the check and the insert: the constraint
    refuses, and the clerk reads the same message at the name — no half-made enterprise, no log entry."""
    time_machine.move_to(at(2026, 9, 4), tick=False)
    street = units["李封街道办事处"]
    create_project(user=zhujian, street=street, serial=1, name="重名项目")
    checks = tuple(c for c in services.RULE_CHECKS if c is not services._check_p1_registered_once)
    monkeypatch.setattr(services, "RULE_CHECKS", checks)
    enterprises, logs = Enterprise.objects.count(), ActionLog.objects.count()

    with pytest.raises(ValidationError) as e:
        create_project(user=zhujian, street=street, serial=2, name="重名项目")  # a new contractor too
    assert e.value.message_dict == {"name": [DUPLICATE_NAME_MESSAGE]}
    assert (Enterprise.objects.count(), ActionLog.objects.count()) == (enterprises, logs)
    assert Project.objects.filter(name="重名项目").count() == 1


@pytest.mark.django_db
def test_another_integrity_error_is_not_reported_as_a_duplicate(zhujian, units, time_machine):
    """The translation asks the data, not the error text: a different constraint still surfaces as itself."""
    from django.db import IntegrityError

    time_machine.move_to(at(2026, 9, 4), tick=False)
    project = create_project(user=zhujian, street=units["李封街道办事处"])
    project.contract_total_wan = -1  # project_contract_total_positive, which project_validate would refuse
    with pytest.raises(IntegrityError), transaction.atomic():
        services._save(project)


# --- two connections at once (PostgreSQL) --------------------------------------------------------------------


def _wait_until_another_connection_waits_for_a_lock(timeout: float = 10) -> None:
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


class _Thread(threading.Thread):
    """Runs `target` on its own database connection and keeps what it returned or raised."""

    def __init__(self, target):
        super().__init__(daemon=True)
        self._target_fn, self.result, self.error = target, None, None

    def run(self):
        try:
            self.result = self._target_fn()
        except BaseException as e:  # noqa: BLE001 — handed to the test, which asserts on it
            self.error = e
        finally:
            connections.close_all()


def _hold_open(work, started: threading.Event, release: threading.Event):
    """`work` inside a transaction that stays open (locks held) until the test releases it."""

    def run():
        with transaction.atomic():
            result = work()
            started.set()
            assert release.wait(15), "the test never released the first transaction"
        return result

    return run


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_edit_racing_a_push_waits_for_it_and_keeps_the_push_facts(zhujian, units, time_machine):
    """project_update locks the row: an edit opened before a push commits after it, validated as an edit of
    a pushed project; the push's time, actor and status stay. Without the lock the edit reads the draft and
    writes it back (django-fsm-2's ConcurrentTransitionMixin then refuses it: the clerk's edit is lost)."""
    time_machine.move_to(at(2026, 9, 4), tick=False)
    project = create_project(user=zhujian, street=units["李封街道办事处"])
    opened = ProjectData.from_project(Project.objects.get(pk=project.pk))  # the clerk's edit form
    opened.remarks = "推送同时补充的备注"

    started, release = threading.Event(), threading.Event()
    pusher = _Thread(_hold_open(lambda: project_push(user=zhujian, project=project), started, release))
    pusher.start()
    assert started.wait(10)
    editor = _Thread(lambda: project_update(user=zhujian, project=project, data=opened))
    editor.start()
    _wait_until_another_connection_waits_for_a_lock()
    release.set()
    pusher.join(15), editor.join(15)

    assert (pusher.error, editor.error) == (None, None)
    project = Project.objects.get(pk=project.pk)
    assert project.is_pushed
    assert (project.pushed_at, project.pushed_by) == (at(2026, 9, 4), zhujian)
    assert project.remarks == "推送同时补充的备注"
    codes = list(
        ActionLog.objects.filter(object_id=str(project.pk), action__startswith="project.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert codes == ["project.created", "project.pushed", "project.updated"]


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_edits_at_once_run_one_after_the_other(zhujian, dispatcher, units, time_machine):
    """The second edit validates against the first one's committed state: HRSS moved the deadline earlier
    (09-01 → 09-08), so the clerk's edit, opened on the old record, may not put it back later (P6)."""
    import datetime as dt

    time_machine.move_to(at(2026, 9, 4), tick=False)
    project = create_project(user=zhujian, street=units["李封街道办事处"], trigger_date=dt.date(2026, 9, 2))
    assert project.push_deadline == dt.date(2026, 9, 9)
    earlier = ProjectData.from_project(Project.objects.get(pk=project.pk))
    earlier.trigger_date = dt.date(2026, 9, 1)
    clerk_form = ProjectData.from_project(Project.objects.get(pk=project.pk))  # still 09-02
    clerk_form.remarks = "经办人补充"

    started, release = threading.Event(), threading.Event()
    first = _Thread(
        _hold_open(lambda: project_update(user=dispatcher, project=project, data=earlier), started, release)
    )
    first.start()
    assert started.wait(10)
    second = _Thread(lambda: project_update(user=zhujian, project=project, data=clerk_form))
    second.start()
    _wait_until_another_connection_waits_for_a_lock()
    release.set()
    first.join(15), second.join(15)

    assert first.error is None
    assert isinstance(second.error, ValidationError)
    assert "推后" in second.error.message_dict["trigger_date"][0]
    project = Project.objects.get(pk=project.pk)
    assert (project.trigger_date, project.push_deadline) == (dt.date(2026, 9, 1), dt.date(2026, 9, 8))


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_clerks_registering_one_name_at_once_one_reads_the_chinese_error(zhujian, units, time_machine):
    """Both pass the duplicate check (neither sees the other's uncommitted row); the unique constraint makes
    the second insert wait, then refuse — translated for the clerk, not a server error."""
    time_machine.move_to(at(2026, 9, 4), tick=False)
    street = units["李封街道办事处"]

    def register(serial: int):
        return lambda: create_project(
            user=zhujian,
            street=street,
            serial=serial,
            name="同时登记的项目",
            owner_uscc=make_uscc(70 + serial),
        )

    started, release = threading.Event(), threading.Event()
    first = _Thread(_hold_open(register(1), started, release))
    first.start()
    assert started.wait(10)
    second = _Thread(register(2))
    second.start()
    _wait_until_another_connection_waits_for_a_lock()
    release.set()
    first.join(15), second.join(15)

    assert first.error is None
    assert isinstance(second.error, ValidationError), second.error
    assert second.error.message_dict == {"name": [DUPLICATE_NAME_MESSAGE]}
    assert Project.objects.filter(name="同时登记的项目").count() == 1
    assert not Enterprise.objects.filter(uscc=make_uscc(72)).exists()  # the loser's owner went with it
