"""Reads of clues: unit scoping, duplicates (part 2), the deadline colour (part 5), personal data, P6 records."""

import datetime as dt

from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from common.access import sees_all_units, sees_personal_data
from common.masking import mask_id_number, mask_name, mask_phone
from common.policy import policy_parameter, policy_prefetch, policy_snapshot
from common.search import text_match
from common.validators import normalize_phone
from common.workdays import is_working_day, local_midnight, working_days_late_many

from .ladder import STEP_PARAMETERS, STEPS
from .models import Clue, ClueStatus, KeyMonitoring, UnitAccountability

DUPLICATE_WINDOW_DAYS = 30


def clue_visible_to(user) -> QuerySet[Clue]:
    """HRSS, leaders and admins see every clue; a clerk the clues their unit holds, registered or was given."""
    qs = Clue.objects.all()
    if sees_all_units(user):
        return qs
    if user is None or not user.is_authenticated or user.unit_id is None:
        return qs.none()
    unit = user.unit_id
    return qs.filter(Q(owner_unit_id=unit) | Q(responsible_unit_id=unit) | Q(registering_unit_id=unit))


def clue_duplicates(
    *,
    employer=None,
    employer_name: str = "",
    project=None,
    complainant_phone: str = "",
    received_at: dt.datetime | None = None,
    exclude: Clue | None = None,
) -> QuerySet[Clue]:
    """Part 2: clues received from 30 days before `received_at` (default now) up to now with the same employer
    (the enterprise, or the same name), the same project or the same complainant phone (as normalised when
    stored) — shown before saving so one dispute is not dispatched twice. Up to now, not up to `received_at`: a
    call back-entered in the evening must still meet the clue registered that afternoon."""
    received_at = received_at or timezone.now()
    same = Q()
    if employer is not None:
        same |= Q(employer=employer)
    if employer_name.strip():
        same |= Q(employer_name=employer_name.strip())
    if project is not None:
        same |= Q(project=project)
    if complainant_phone.strip():
        same |= Q(complainant_phone=normalize_phone(complainant_phone))
    if not same:
        return Clue.objects.none()
    qs = Clue.objects.filter(
        same,
        received_at__gte=received_at - dt.timedelta(days=DUPLICATE_WINDOW_DAYS),
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.select_related("responsible_unit", "repeat_of").order_by("-received_at", "-id")


def clue_duplicates_of(clue: Clue) -> QuerySet[Clue]:
    return clue_duplicates(
        employer=clue.employer,
        employer_name=clue.employer_name,
        project=clue.project,
        complainant_phone=clue.complainant_phone,
        received_at=clue.received_at,
        exclude=clue,
    )


class Colour:
    """Part 5: lists colour each open clue by its next C3 deadline."""

    GREEN = "green"  # 绿: in time
    YELLOW = "yellow"  # 黄: due within 24 hours
    RED = "red"  # 红: overdue
    LABELS = {GREEN: "绿", YELLOW: "黄", RED: "红"}


def clue_annotate_colour(qs: QuerySet[Clue], *, now: dt.datetime | None = None) -> QuerySet[Clue]:
    """Decided once, here: `colour` is red when the next deadline has passed, yellow within 24 h, green
    otherwise (also when nothing is due); closed clues get an empty colour."""
    now = now or timezone.now()
    return qs.annotate(
        colour=Case(
            When(status=ClueStatus.CLOSED, then=Value("")),
            When(next_deadline_at__lte=now, then=Value(Colour.RED)),
            When(next_deadline_at__lte=now + dt.timedelta(hours=24), then=Value(Colour.YELLOW)),
            default=Value(Colour.GREEN),
            output_field=CharField(),
        )
    )


# ------------------------------------------------------------------------ C3: overdue at each step, as SQL

# "Overdue at a step" = what clues.ladder.ladder_steps says: the step is not met (its timestamp empty) and its due
# time — ladder.due_after(received_at, parameter) — has passed, for a clue still being chased (open and without a
# submitted result; ladder.next_step). The dashboard counts with these conditions and the clue list filters with
# them (`overdue_step`), so a number and the list behind it cannot disagree.
CHASED_STATUSES = [
    ClueStatus.REGISTERED,
    ClueStatus.DISPATCHED,
    ClueStatus.ACKNOWLEDGED,
    ClueStatus.IN_PROGRESS,
]
STEP_PENDING = {
    "dispatch": Q(dispatched_at__isnull=True),
    "feedback": Q(acknowledged_at__isnull=True),
    "reminder": Q(acknowledged_at__isnull=True),  # ladder.taken_on: the unit has signed for it
    "escalation": Q(first_progress_at__isnull=True, result_at__isnull=True, closed_at__isnull=True),
}
STAGES = list(ClueStatus.values)  # C4 order: 已登记 … 已办结


class WorkingDayWindow:
    """What the working-day calendar says about the days before `today`, computed once for every step
    (common.workdays: two calls, a constant number of queries)."""

    def __init__(self, today: dt.date, longest: int):
        self.today = today
        self.window = [today - dt.timedelta(days=k) for k in range(1, 2 * longest + 40)]
        late = working_days_late_many(self.window, today)  # working days in (d, E], E ≥ today working
        self.today_works = is_working_day(today)
        # W(d) = working days in (d, today]: late(d) counts up to E, one more when today is a rest day.
        self.worked = {d: late[d] - (0 if self.today_works else 1) for d in self.window}


def received_due_q(code: str, now: dt.datetime, calendar: WorkingDayWindow | None = None) -> Q:
    """Clues whose C3 step `code` is due by `now`: ladder.due_after(received_at, code) <= now, as a condition on
    received_at (so it can use an index, and whatever the number of clues).

    Calendar days (the default): received_at <= now − n days. Working days (if HRSS switches the parameter):
    due_after keeps the time of day and moves the date n working days on. The due date is before today when
    there are ≥ n working days in (d, today − 1], today itself when today is a working day and (d, today] holds
    exactly n — then only a receipt at or before now's time of day is due. Dates form a prefix, so the condition
    is "received before the first date not wholly due, or on one of the few boundary dates before now's time"."""
    days, kind = policy_parameter(code)
    days = int(days)
    if kind != "working_days":
        return Q(received_at__lte=now - dt.timedelta(days=days))
    if days == 0:
        return Q(received_at__lte=now)
    local = timezone.localtime(now)
    calendar = calendar or WorkingDayWindow(local.date(), days)
    worked, today_works = calendar.worked, calendar.today_works
    window = calendar.window  # newest first
    wholly = [d for d in window if worked[d] - (1 if today_works else 0) >= days]
    partly = [d for d in window if today_works and worked[d] == days]
    first_not_wholly = min((d for d in window if d not in wholly), default=None)
    condition = (
        Q(received_at__lt=local_midnight(first_not_wholly))
        if first_not_wholly is not None
        else Q(received_at__lte=now)
    )
    for d in partly:
        until = timezone.make_aware(dt.datetime.combine(d, local.time()), timezone.get_current_timezone())
        condition |= Q(received_at__gte=local_midnight(d), received_at__lte=until)
    return condition


def step_overdue_conditions(now: dt.datetime) -> dict[str, Q]:
    """C3: the condition "overdue at step s" for each of the four steps (one calendar computation for all; the
    four parameters in one query)."""
    calendar = None
    with policy_snapshot():
        policy_prefetch(*STEP_PARAMETERS.values())
        kinds = {step: policy_parameter(code) for step, code in STEP_PARAMETERS.items()}
        if any(kind == "working_days" for _, kind in kinds.values()):
            longest = max(int(days) for days, _ in kinds.values())
            calendar = WorkingDayWindow(timezone.localtime(now).date(), longest)
        return {
            step: Q(status__in=CHASED_STATUSES)
            & STEP_PENDING[step]
            & received_due_q(STEP_PARAMETERS[step], now, calendar)
            for step in STEPS
        }


def clue_step_overdue_q(step: str, now: dt.datetime | None = None) -> Q:
    """The clues overdue at C3 step `step` now: the clue list's `overdue_step` filter."""
    return step_overdue_conditions(now or timezone.now())[step]


def stages_reached(stage: str) -> list[str]:
    """The stages of a clue that has reached `stage`: it and those after it (C4 order)."""
    return STAGES[STAGES.index(stage) :]


def clue_reached_q(stage: str) -> Q:
    """Clues at `stage` or beyond it: the ladder funnel's bars and the clue list's `reached` filter."""
    return Q(status__in=stages_reached(stage)) if stage in STAGES else Q()


def clue_sees_personal_data(user, clue: Clue) -> bool:
    """C1: the complainant's data is whole for the units holding, given or registering the clue, HRSS and admins."""
    return any(
        sees_personal_data(user, unit_id)
        for unit_id in {clue.owner_unit_id, clue.responsible_unit_id, clue.registering_unit_id}
        if unit_id is not None
    )


def clue_complainant(user, clue: Clue) -> dict[str, str]:
    """The complainant's name, phone and ID number as `user` may see them (common.masking otherwise)."""
    if clue_sees_personal_data(user, clue):
        return {
            "name": clue.complainant_name,
            "phone": clue.complainant_phone,
            "id_number": clue.complainant_id_number,
        }
    return {
        "name": mask_name(clue.complainant_name),
        "phone": mask_phone(clue.complainant_phone),
        "id_number": mask_id_number(clue.complainant_id_number),
    }


def accountability_list(*, unit=None) -> QuerySet[UnitAccountability]:
    """P6 second half: the accountability records (HRSS's list, the leaders' pages, a unit's page)."""
    qs = UnitAccountability.objects.select_related("unit", "project", "clue")
    return qs.filter(unit=unit) if unit is not None else qs


def enterprise_under_key_monitoring(enterprise) -> bool:
    """C5: the flag supervision reads."""
    return KeyMonitoring.objects.filter(enterprise=enterprise, is_active=True).exists()


def clue_todo_for_unit(*, unit_id: int) -> QuerySet[Clue]:
    """Part 8: a unit's 待办 — the open clues dispatched to it, soonest next deadline first."""
    from django.db.models import F

    qs = Clue.objects.filter(responsible_unit_id=unit_id).exclude(status=ClueStatus.CLOSED)
    return clue_annotate_colour(qs).order_by(F("next_deadline_at").asc(nulls_last=True), "received_at", "id")


def clue_open_counts_by_colour(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Part 5: HRSS's home — open clues per colour (one query)."""
    from django.db.models import Count

    rows = (
        clue_annotate_colour(Clue.objects.exclude(status=ClueStatus.CLOSED), now=now)
        .values("colour")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {Colour.GREEN: 0, Colour.YELLOW: 0, Colour.RED: 0}
    counts.update({r["colour"]: r["n"] for r in rows})
    counts["total"] = sum(counts[c] for c in (Colour.GREEN, Colour.YELLOW, Colour.RED))
    return counts


# --- C3 letters (issue 8) ----------------------------------------------------------------------------------------


def letter_visible_to(user) -> QuerySet:
    """HRSS, leaders and admins see every letter; a clerk those addressed or copied to their unit (the responsible
    unit's, and the holder's of a clue never dispatched)."""
    from .models import Letter

    qs = Letter.objects.select_related("clue", "responsible_unit", "addressee_unit", "document")
    if sees_all_units(user):
        return qs
    if user is None or not user.is_authenticated or user.unit_id is None:
        return qs.none()
    unit = user.unit_id
    # The holder's clue looked up by its key for each letter (EXISTS), not a join with every clue nor a set of all
    # the unit's clues: the dashboard counts a year of letters with this.
    held = Exists(Clue.objects.filter(pk=OuterRef("clue_id"), owner_unit_id=unit))
    return qs.filter(Q(addressee_unit_id=unit) | Q(responsible_unit_id=unit) | held)


def letter_search(user, *, kind="", status="", unit=None, date_from=None, date_to=None, q="") -> QuerySet:
    qs = letter_visible_to(user)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if unit is not None:
        qs = qs.filter(Q(responsible_unit=unit) | Q(addressee_unit=unit))
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    q = (q or "").strip()
    if q:
        qs = qs.filter(text_match(q, "number", "clue__number", "clue__employer_name"))
    return qs.order_by("-created_at", "-id")


def letter_counts_since(day: dt.date) -> dict[str, int]:
    """提醒函 and 通报 written since `day` (the home page's "this week"), one query."""
    from django.db.models import Count

    from .models import Letter, LetterKind

    rows = dict(
        Letter.objects.filter(created_at__date__gte=day)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {kind: rows.get(kind, 0) for kind in LetterKind.values} | {"since": day}


def clue_registered_open_for_unit(*, unit_id: int) -> QuerySet[Clue]:
    """The open clues a unit registered itself (信访局's petitions), newest first — its home page's list."""
    return (
        clue_annotate_colour(
            Clue.objects.filter(registering_unit_id=unit_id).exclude(status=ClueStatus.CLOSED)
        )
        .select_related("responsible_unit", "street")
        .order_by("-received_at", "-id")
    )
