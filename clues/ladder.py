"""C3 "12345": the deadlines of a clue's ladder, counted from the moment HRSS received it.

Day counts come from the policy parameters C3.* (clues/apps.py): calendar days, or working days if HRSS
switches a parameter to working days — then the count runs on the Asia/Shanghai calendar date
(common.workdays, which knows 调休) and keeps the time of day of the receipt.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from common.policy import policy_parameter
from common.workdays import add_working_days

from .models import Clue, ClueStatus, LetterKind

STEP_LABELS = {
    "dispatch": "交办",
    "feedback": "签收反馈",
    "reminder": "提醒函",
    "escalation": "报告区政府主要领导",
}
STEPS = tuple(STEP_LABELS)  # C3 steps 1–4, in order
# Each step's day count, counted from the receipt (common.policy, clues/apps.py).
STEP_PARAMETERS = {
    "dispatch": "C3.dispatch_days",
    "feedback": "C3.feedback_days",
    "reminder": "C3.reminder_days",
    "escalation": "C3.escalation_days",
}


def due_after(start: dt.datetime, code: str) -> dt.datetime:
    """`start` plus the days of policy parameter `code`, in its kind (calendar or working days)."""
    days, kind = policy_parameter(code)
    if kind == "working_days":
        local = timezone.localtime(start)
        day = add_working_days(local.date(), int(days))
        naive = dt.datetime.combine(day, local.time().replace(tzinfo=None))
        return timezone.make_aware(naive, timezone.get_current_timezone())
    return start + dt.timedelta(days=int(days))


@dataclass(frozen=True)
class Step:
    code: str
    due_at: dt.datetime
    done_at: dt.datetime | None

    @property
    def label(self) -> str:
        return STEP_LABELS[self.code]


def ladder_steps(clue: Clue) -> list[Step]:
    """C3 steps 1–4 with their due time and when (if) each was met.

    1 dispatch: met by the dispatch to a unit and named person; 2 feedback: met by the unit's acknowledgement;
    3 reminder (提醒函) is due if by then no unit and person has taken the clue on (acknowledged); 4 escalation
    is due if by then there is no progress. The letters themselves (once each) are the sweep's: see
    letter_steps for what makes each one due."""
    received = clue.received_at
    taken_on = clue.acknowledged_at
    progressed = clue.first_progress_at or clue.result_at or clue.closed_at
    done = {
        "dispatch": clue.dispatched_at,
        "feedback": taken_on,
        "reminder": taken_on,
        "escalation": progressed,
    }
    return [Step(code, due_after(received, STEP_PARAMETERS[code]), done[code]) for code in STEPS]


def next_step(clue: Clue) -> Step | None:
    """The earliest C3 step not yet met; None once the clue has a result or is closed (nothing left to chase:
    HRSS's confirmation is in its own hands)."""
    if clue.status in (ClueStatus.CLOSED, ClueStatus.RESULT_SUBMITTED):
        return None
    pending = [s for s in ladder_steps(clue) if s.done_at is None]
    return min(pending, key=lambda s: s.due_at) if pending else None


def next_deadline(clue: Clue) -> dt.datetime | None:
    step = next_step(clue)
    return step.due_at if step else None


# C3 steps 3 and 4, the letters the sweep writes: (kind, parameter) in the order they fall due.
LETTER_STEPS = ((LetterKind.REMINDER, "C3.reminder_days"), (LetterKind.ESCALATION, "C3.escalation_days"))


def taken_on(clue: Clue) -> bool:
    """C3 step 3's "a unit and person have taken it on" (明确承办单位和人员): the responsible unit has signed for the
    clue (clue_acknowledge — 已签收), which it can only do after HRSS dispatched it to that unit and a named person.
    A dispatch alone is HRSS's act, not the unit's. A return or reassignment clears it (the next unit signs anew)."""
    return clue.acknowledged_at is not None


def has_progress(clue: Clue) -> bool:
    """C3 step 4's "progress" (进展): a progress note of the responsible unit (clue_note_progress — 办理中), or a
    submitted result, or the closure. A signature alone is not progress; a return or reassignment clears it."""
    return bool(clue.first_progress_at or clue.result_at or clue.closed_at)


def _letter_needed(clue: Clue, kind: str) -> bool:
    return not taken_on(clue) if kind == LetterKind.REMINDER else not has_progress(clue)


def pending_letters(clue: Clue, sent_kinds) -> list[tuple[str, dt.datetime]]:
    """The letters this clue still owes, whatever the time: (kind, due_at), in due order. None once it has a
    result or is closed, and none of a kind already written (C4: once per clue)."""
    if clue.status in (ClueStatus.CLOSED, ClueStatus.RESULT_SUBMITTED):
        return []
    return [
        (kind, due_after(clue.received_at, code))
        for kind, code in LETTER_STEPS
        if kind not in sent_kinds and _letter_needed(clue, kind)
    ]


def letters_due(clue: Clue, sent_kinds, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """The letters due at `now` (due_at <= now), in order: after an outage, day 3's before day 4's."""
    return [(kind, due) for kind, due in pending_letters(clue, sent_kinds) if due <= now]


def next_sweep_at(clue: Clue, sent_kinds) -> dt.datetime | None:
    """When the sweep must next look at this clue (Clue.sweep_at, on its partial index): the earliest pending
    letter's due time, or None. A clue taken on and progressing owes nothing and drops out of the index."""
    pending = pending_letters(clue, sent_kinds)
    return min(due for _, due in pending) if pending else None
