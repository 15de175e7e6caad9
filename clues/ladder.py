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

from .models import Clue, ClueStatus

STEP_LABELS = {
    "dispatch": "交办",
    "feedback": "签收反馈",
    "reminder": "提醒函",
    "escalation": "报告区政府主要领导",
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
    is due if by then there is no progress. The letters themselves (sent once each) are issue 8's sweep: it
    will mark steps 3 and 4 met by its outbox rows as well."""
    received = clue.received_at
    taken_on = clue.acknowledged_at
    progressed = clue.first_progress_at or clue.result_at or clue.closed_at
    return [
        Step("dispatch", due_after(received, "C3.dispatch_days"), clue.dispatched_at),
        Step("feedback", due_after(received, "C3.feedback_days"), taken_on),
        Step("reminder", due_after(received, "C3.reminder_days"), taken_on),
        Step("escalation", due_after(received, "C3.escalation_days"), progressed),
    ]


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
