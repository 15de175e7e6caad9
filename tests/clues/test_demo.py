"""seed_demo's clues (issue 7 part 10): every C4 stage, several C1 channels, a repeat, a P6 petition; a second
run adds nothing; each clue's ladder reads in the order it happened, never in the future."""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from clues import ladder
from clues.models import Clue, ClueStatus, UnitAccountability
from common.models import ActionLog
from tests.helpers import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(time_machine):
    time_machine.move_to(at(2026, 11, 18, 15, 0), tick=False)
    call_command("seed_demo", stdout=io.StringIO())
    return Clue.objects.all()


def test_it_seeds_the_clues_once(seeded):
    count = seeded.count()
    assert count >= 10
    call_command("seed_demo", stdout=io.StringIO())
    assert Clue.objects.count() == count


def test_it_seeds_every_stage_channel_repeat_and_petition_c4_p6(seeded):
    assert set(seeded.values_list("status", flat=True)) == set(ClueStatus.values)
    assert seeded.values("channel").distinct().count() >= 5
    logged = set(ActionLog.objects.filter(action__startswith="clue.").values_list("action", flat=True))
    assert {"clue.returned", "clue.reassigned", "clue.linked_as_repeat", "clue.closed"} <= logged
    assert seeded.filter(repeat_count=1).count() == 1
    petition = seeded.get(channel="petition_bureau")
    assert petition.is_petition and petition.status == ClueStatus.DISPATCHED
    assert UnitAccountability.objects.filter(clue=petition, unit=petition.project.unit).exists()


def test_it_orders_every_clues_timestamps_c3(seeded):
    now = timezone.now()
    ct = ContentType.objects.get_for_model(Clue)
    steps = ["received_at", "dispatched_at", "acknowledged_at", "first_progress_at", "result_at", "closed_at"]
    for clue in seeded:
        stamps = [getattr(clue, s) for s in steps if getattr(clue, s) is not None]
        assert stamps == sorted(stamps), clue.number
        assert max(stamps + [clue.registered_at]) <= now, clue.number
        assert clue.received_at <= clue.registered_at
        assert clue.next_deadline_at == ladder.next_deadline(clue), clue.number
        logs = ActionLog.objects.filter(content_type=ct, object_id=str(clue.pk))
        assert logs and all(clue.received_at <= log.created_at <= now for log in logs), clue.number
        assert min(log.created_at for log in logs) < now, clue.number  # backdated, not the seeding time
        for log in logs.exclude(history_id=None):
            assert clue.history.get(history_id=log.history_id).history_date == log.created_at, clue.number
        diffs = clue.history.exclude(dispatched_at=None)
        assert all(h.dispatched_at == clue.dispatched_at for h in diffs if clue.dispatched_at), clue.number


def test_it_seeds_clues_past_each_letter_step_and_sweeps_them_c3(seeded):
    from clues.models import Letter, LetterKind

    def kinds(employer: str) -> list[str]:
        return list(
            Letter.objects.filter(clue__employer_name=employer).order_by("pk").values_list("kind", flat=True)
        )

    assert kinds("焦作市聚力劳务派遣有限公司") == [LetterKind.REMINDER]  # day 3, not signed
    assert kinds("河南鼎盛建设工程有限公司") == [LetterKind.ESCALATION]  # day 4, signed, no progress
    assert kinds("焦作市宏图建筑劳务有限公司") == [LetterKind.REMINDER, LetterKind.ESCALATION]
    assert kinds("河南中原路桥建设有限公司") == []  # day 4.5 but with progress
    for clue in seeded:  # the sweep's index agrees with what was written
        sent = set(clue.letters.values_list("kind", flat=True))
        assert clue.sweep_at == ladder.next_sweep_at(clue, sent), clue.number


def test_it_builds_the_latest_friday_review_c3(seeded):
    from clues.models import WeeklyReview

    review = WeeklyReview.objects.get()
    assert review.review_date.isoformat() == "2026-11-13"  # the Friday before Wednesday 2026-11-18
    assert review.items.exists()
