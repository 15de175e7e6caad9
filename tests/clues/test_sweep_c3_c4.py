"""C3 steps 3 and 4, C4: the letters sweep writes each 提醒函 and 通报 once, on time, and catches up after an
outage. Time travel with time-machine; the sweep is called with `now` as beat would call it then."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clues import services
from clues.models import Clue, Letter, LetterKind, LetterStatus, ResultType
from common.models import ActionLog, DocumentSequence, IssuedDocument, Notification, PolicyParameter, SweepRun
from tests.helpers import at

from .conftest import dispatch, register

sweep = services.clue_process_deadlines


@pytest.fixture
def received(dispatcher, units, time_machine):
    """A clue received Tuesday 2026-09-15 at 00:00 and registered at once: day 3 begins 09-18 00:00."""
    time_machine.move_to(at(2026, 9, 15, 0, 5), tick=False)
    return register(dispatcher, units, received_at=at(2026, 9, 15, 0))


def _kinds(clue) -> list[str]:
    return list(Letter.objects.filter(clue=clue).order_by("pk").values_list("kind", flat=True))


@pytest.mark.django_db
def test_no_reminder_at_day_2_23_59_one_at_day_3_00_00_c3(received):
    assert sweep(at(2026, 9, 17, 23, 59)) == {"reminder": 0, "escalation": 0, "requeued": 0}
    assert _kinds(received) == []
    assert sweep(at(2026, 9, 18, 0, 0))["reminder"] == 1
    letter = Letter.objects.get(clue=received)
    assert (letter.kind, letter.due_at, letter.status) == (LetterKind.REMINDER, at(2026, 9, 18, 0), "created")
    assert letter.number == "中区人社函〔2026〕1号"
    assert letter.document.number == letter.number and letter.document.kind == "clues.reminder"
    # Never dispatched: the 提醒函 goes to the unit C2 suggests should take it on (here the street).
    assert letter.addressee == received.suggested_unit.name == "李封街道办事处"


@pytest.mark.django_db
def test_reminder_goes_to_the_responsible_unit_and_none_once_it_signed_c3(
    received, dispatcher, zhujian, units
):
    dispatch(dispatcher, received, units["区住房城乡建设局"])
    sweep(at(2026, 9, 18, 0))
    letter = Letter.objects.get(clue=received)
    assert letter.addressee == "区住房城乡建设局" and letter.addressee_unit == units["区住房城乡建设局"]

    other = register(dispatcher, units, received_at=at(2026, 9, 15, 0))
    services.clue_acknowledge(user=zhujian, clue=dispatch(dispatcher, other, units["区住房城乡建设局"]))
    assert sweep(at(2026, 9, 18, 12))["reminder"] == 0  # taken on: no 提醒函
    assert _kinds(other) == []


@pytest.mark.django_db
def test_escalation_at_day_4_only_without_progress_c3(received, dispatcher, zhujian, units):
    services.clue_acknowledge(user=zhujian, clue=dispatch(dispatcher, received, units["区住房城乡建设局"]))
    progressing = register(dispatcher, units, received_at=at(2026, 9, 15, 0))
    progressing = services.clue_acknowledge(
        user=zhujian, clue=dispatch(dispatcher, progressing, units["区住房城乡建设局"])
    )
    services.clue_note_progress(user=zhujian, clue=progressing, note="已约谈企业负责人")

    assert sweep(at(2026, 9, 18, 23, 59)) == {"reminder": 0, "escalation": 0, "requeued": 0}
    assert sweep(at(2026, 9, 19, 0))["escalation"] == 1
    letter = Letter.objects.get(clue=received)
    assert letter.kind == LetterKind.ESCALATION and letter.addressee == "区政府主要领导"
    assert letter.copy_to == "区住房城乡建设局"
    assert _kinds(progressing) == []


@pytest.mark.django_db
def test_signed_and_progressing_clue_leaves_the_sweep_index_c3(received, dispatcher, zhujian, units):
    assert received.sweep_at == at(2026, 9, 18, 0)  # the 提醒函's time
    clue = services.clue_acknowledge(
        user=zhujian, clue=dispatch(dispatcher, received, units["区住房城乡建设局"])
    )
    assert clue.sweep_at == at(2026, 9, 19, 0)  # now only the 通报 can fall due
    services.clue_note_progress(user=zhujian, clue=clue, note="已核实")
    clue.refresh_from_db()
    assert clue.sweep_at is None


@pytest.mark.django_db
def test_each_letter_once_however_often_the_sweep_runs_c4(received):
    for minute in range(0, 30, 5):
        sweep(at(2026, 9, 19, 1, minute))
    assert _kinds(received) == [LetterKind.REMINDER, LetterKind.ESCALATION]
    assert IssuedDocument.objects.filter(kind__startswith="clues.").count() == 2
    received.refresh_from_db()
    assert received.sweep_at is None


@pytest.mark.django_db
def test_ten_day_outage_one_sweep_writes_both_letters_in_order_c4(received, dispatcher, units, time_machine):
    time_machine.move_to(at(2026, 9, 16, 9), tick=False)
    late = register(dispatcher, units, received_at=at(2026, 9, 16, 8))
    counts = sweep(at(2026, 9, 28, 9))  # the scheduler was down from 09-15 to 09-28
    assert (counts["reminder"], counts["escalation"]) == (2, 2)
    for clue in (received, late):
        letters = list(Letter.objects.filter(clue=clue).order_by("pk"))
        assert [x.kind for x in letters] == [LetterKind.REMINDER, LetterKind.ESCALATION]
        assert letters[0].document.sequence_number < letters[1].document.sequence_number
        # due at its own step's time, written when the sweep came back
        assert letters[0].due_at < letters[1].due_at and letters[0].created_at == at(2026, 9, 28, 9)
    assert sweep(at(2026, 9, 28, 9, 5))["reminder"] == 0


@pytest.mark.django_db
def test_calendar_days_run_through_national_day_c3(dispatcher, units, time_machine):
    time_machine.move_to(at(2026, 9, 30, 10, 5), tick=False)
    clue = register(dispatcher, units, received_at=at(2026, 9, 30, 10))
    assert sweep(at(2026, 10, 3, 9, 59))["reminder"] == 0
    assert sweep(at(2026, 10, 3, 10))["reminder"] == 1  # a holiday changes nothing in calendar days
    assert _kinds(clue) == [LetterKind.REMINDER]


@pytest.mark.django_db
def test_working_days_skip_national_day_and_count_the_tiaoxiu_saturday_c3(dispatcher, units, time_machine):
    PolicyParameter.objects.filter(code__startswith="C3.").update(kind="working_days")
    time_machine.move_to(at(2026, 9, 30, 10, 5), tick=False)
    clue = register(dispatcher, units, received_at=at(2026, 9, 30, 10))
    # 3 working days after Wed 09-30: Thu 10-08, Fri 10-09, then the 调休 Saturday 10-10.
    assert sweep(at(2026, 10, 10, 9, 59))["reminder"] == 0
    assert sweep(at(2026, 10, 10, 10))["reminder"] == 1
    # 4 working days: Sunday 10-11 is a rest day, so Monday 10-12.
    assert sweep(at(2026, 10, 11, 23))["escalation"] == 0
    assert sweep(at(2026, 10, 12, 10))["escalation"] == 1
    assert _kinds(clue) == [LetterKind.REMINDER, LetterKind.ESCALATION]


@pytest.mark.django_db
def test_no_letter_for_a_clue_with_a_result_c3(received, dispatcher, zhujian, units):
    clue = services.clue_acknowledge(
        user=zhujian, clue=dispatch(dispatcher, received, units["区住房城乡建设局"])
    )
    services.clue_submit_result(
        user=zhujian, clue=clue, result_type=ResultType.NOT_SUBSTANTIATED, evidence="笔录"
    )
    assert sweep(at(2026, 9, 25)) == {"reminder": 0, "escalation": 0, "requeued": 0}


@pytest.mark.django_db
def test_a_letter_for_a_closed_clue_is_refused_and_nothing_is_written_c4(
    received, dispatcher, zhujian, units
):
    clue = services.clue_acknowledge(
        user=zhujian, clue=dispatch(dispatcher, received, units["区住房城乡建设局"])
    )
    services.clue_submit_result(
        user=zhujian, clue=clue, result_type=ResultType.NOT_SUBSTANTIATED, evidence="笔录"
    )
    clue = services.clue_confirm_closure(user=dispatcher, clue=Clue.objects.get(pk=clue.pk))
    with pytest.raises(ValidationError) as refused:
        services.clue_letter_write(
            clue=clue, kind=LetterKind.REMINDER, due_at=at(2026, 9, 18, 0), now=at(2026, 9, 20)
        )
    assert "已办结" in str(refused.value)
    assert (
        not Letter.objects.exists() and not IssuedDocument.objects.filter(kind__startswith="clues.").exists()
    )


@pytest.mark.django_db
def test_a_sweep_killed_between_claim_and_letter_loses_nothing_c4(received, monkeypatch):
    """The claim, the number, the document and the letter are one transaction: a crash in the middle rolls all
    of it back (no gap in the 函 numbers) and the next run writes the letter."""
    real_create = Letter.objects.bulk_create

    def crash(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(Letter.objects, "bulk_create", crash)
    with pytest.raises(SystemExit):
        sweep(at(2026, 9, 18, 1))
    assert not Letter.objects.exists()
    assert not IssuedDocument.objects.filter(kind__startswith="clues.").exists()
    assert not DocumentSequence.objects.filter(kind="clues.letter", last_number__gt=0).exists()
    assert Clue.objects.get(pk=received.pk).sweep_at == at(2026, 9, 18, 0)  # still due

    monkeypatch.setattr(Letter.objects, "bulk_create", real_create)
    assert sweep(at(2026, 9, 18, 1, 5))["reminder"] == 1
    assert Letter.objects.get().number == "中区人社函〔2026〕1号"


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_due_clues_of_a_batch_c4(dispatcher, units, time_machine, monkeypatch):
    """Letters are written a batch of clues at a time, in a fixed number of statements per batch."""
    time_machine.move_to(at(2026, 9, 15, 0, 5), tick=False)

    def queries_for(n: int) -> int:
        for _ in range(n):
            register(dispatcher, units, received_at=at(2026, 9, 15, 0))
        with CaptureQueriesContext(connection) as ctx:
            counts = sweep(at(2026, 9, 18, 1))
        assert counts["reminder"] == n
        return len(ctx.captured_queries)

    queries_for(1)  # warm the caches (content types, the 函 sequence row)
    three, nine = queries_for(3), queries_for(9)
    assert three == nine <= 20, (three, nine)
    monkeypatch.setattr(services, "SWEEP_BATCH", 4)
    one, two, three_batches = queries_for(4), queries_for(8), queries_for(12)
    assert two - one == three_batches - two <= 15  # a fixed number of statements per batch of clues


@pytest.mark.django_db
def test_letter_send_renders_once_tells_the_unit_hrss_and_marks_sent(
    received, dispatcher, zhujian, leader, units, monkeypatch, django_capture_on_commit_callbacks
):
    rendered = []
    monkeypatch.setattr(
        "common.documents.render_pdf",
        lambda template, context, **kw: rendered.append(template) or b"%PDF-1.7 x",
    )
    dispatch(dispatcher, received, units["区住房城乡建设局"])
    with django_capture_on_commit_callbacks(execute=True):
        sweep(at(2026, 9, 18, 0))
    letter = Letter.objects.get()
    assert letter.status == LetterStatus.SENT and letter.sent_at is not None
    assert rendered == ["clues/letter_pdf.html"]
    told = set(
        Notification.objects.filter(event=f"clues.letter:{letter.pk}").values_list(
            "recipient__username", flat=True
        )
    )
    assert {zhujian.username, dispatcher.username} <= told and leader.username not in told
    services.letter_send(letter.pk)  # a redelivered task
    assert rendered == ["clues/letter_pdf.html"]
    assert Notification.objects.filter(event=f"clues.letter:{letter.pk}").count() == len(told)


@pytest.mark.django_db
def test_escalation_tells_the_leaders(received, leader, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr("common.documents.render_pdf", lambda *a, **kw: b"%PDF-1.7 x")
    with django_capture_on_commit_callbacks(execute=True):
        sweep(at(2026, 9, 19, 0))
    escalation = Letter.objects.get(kind=LetterKind.ESCALATION)
    assert Notification.objects.filter(event=f"clues.letter:{escalation.pk}", recipient=leader).exists()


@pytest.mark.django_db
def test_a_letter_whose_send_task_was_lost_is_queued_again(received, monkeypatch):
    sweep(at(2026, 9, 18, 0))  # no on_commit here: the send task never ran
    queued = []
    monkeypatch.setattr(services, "_enqueue_letter_send", queued.append)
    assert sweep(at(2026, 9, 18, 0, 5))["requeued"] == 0  # too early to call it lost
    assert sweep(at(2026, 9, 18, 0, 15))["requeued"] == 1
    assert queued == [Letter.objects.get().pk]


@pytest.mark.django_db
def test_letters_are_in_the_clue_timeline_c4(received):
    sweep(at(2026, 9, 19, 0))
    actions = list(
        ActionLog.objects.filter(object_id=str(received.pk), action__startswith="clue.letter").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["clue.letter_escalation", "clue.letter_reminder"]


# --- manage.py process_deadlines -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_process_deadlines_json_counts_by_kind_and_records_the_run(received):
    out = StringIO()
    call_command(
        "process_deadlines",
        "--now",
        "2026-09-19T00:30:00+08:00",
        "--json",
        "--sweep",
        "clues.letters",
        "--allow-future",  # the test clock stands at the clue's receipt
        stdout=out,
    )
    line = out.getvalue().strip()
    assert "\n" not in line
    assert json.loads(line) == {"escalation": 1, "reminder": 1}
    run = SweepRun.objects.get(name="clues.letters")
    assert run.ok and run.as_of == at(2026, 9, 19, 0, 30) and run.counts == {"reminder": 1, "escalation": 1}


@pytest.mark.django_db
def test_process_deadlines_naive_now_is_beijing_time(received):
    out = StringIO()
    call_command(
        "process_deadlines",
        "--now",
        "2026-09-18T00:00",
        "--json",
        "--sweep",
        "clues.letters",
        "--allow-future",
        stdout=out,
    )
    assert json.loads(out.getvalue())["reminder"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["tomorrow", "2026-13-01T00:00", "2026-09-18 25:00"])
def test_process_deadlines_malformed_now_is_refused_nothing_created(received, bad):
    with pytest.raises(CommandError, match="--now 的时间格式不正确"):
        call_command("process_deadlines", "--now", bad)
    assert not Letter.objects.exists() and not SweepRun.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_second_letter_of_a_kind_for_a_clue_c4(received):
    """The backstop behind the sweep's lock: whatever code path tries, (clue, kind) is unique."""
    from django.db import IntegrityError, transaction

    sweep(at(2026, 9, 18, 0))
    first = Letter.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Letter.objects.create(
            clue=first.clue,
            kind=first.kind,
            number="中区人社函〔2026〕99号",
            addressee=first.addressee,
            due_at=first.due_at,
            document=IssuedDocument.objects.create(
                kind="clues.reminder",
                unit=first.document.unit,
                number="中区人社函〔2026〕99号",
                sequence_number=99,
                year=2026,
                addressee="x",
                content_type=first.document.content_type,
                object_id=first.clue_id,
                issued_at=first.created_at,
                verify_code="ZZZZZZZZZZ",
            ),
        )


@pytest.mark.django_db
def test_process_deadlines_refuses_a_future_now_nothing_created(received):
    """The clock stands at 2026-09-15: sweeping as of day 4 would issue real letters days early."""
    with pytest.raises(CommandError, match="不能晚于当前时间"):
        call_command("process_deadlines", "--now", "2026-09-19T00:30", stdout=StringIO())
    assert not Letter.objects.exists() and not SweepRun.objects.exists()
