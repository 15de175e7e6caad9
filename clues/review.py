"""C3 step 5 (周调度): every week, on the review day, HRSS follows up the units that have not carried out the
dispatch — the Friday review.

- `review_day(week_start)`: the week's review day (policy parameter C3.review_weekday, Friday by default, moved
  to the last working day before it in that week when it is a rest day).
- `weekly_review_build(now=…, date=…)`: the service — builds a week's review once (unique week_start), lists its
  clues by unit, notifies each unit of its own list and HRSS and leaders of the whole, logs the action.
- `weekly_review_task_body()`: what the beat job runs (clues.tasks.weekly_review_build_due wraps it): builds the
  latest due review if it is missing, so a review missed while the system was down is built by the next run.
- `review_list_for`, `review_items_visible_to`, `review_unit_groups`: the reads of the pages, export and API,
  scoped by common.access (a clerk sees their own unit's items only; HRSS, leaders and admins every unit's).

No complainant data is copied onto a review: an item holds the clue (its number), the unit, the employer (read
from the clue), status, days open, the letters and the unit's own last progress note.
"""

import dataclasses
import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from common.access import sees_all_units, visible_to
from common.audit import log_action, register_actions
from common.formats import format_date
from common.models import PolicyKind, Unit
from common.notifications import hrss_recipients, leader_recipients, notify, unit_recipients
from common.policy import Parameter, policy_value, register_parameters
from common.workdays import is_working_day

from .models import (
    HELD_BY_UNIT,
    Clue,
    ClueProgress,
    Letter,
    LetterKind,
    LetterStatus,
    WeeklyReview,
    WeeklyReviewItem,
)

REVIEW_WEEKDAY = "C3.review_weekday"
ACTION_BUILT = "clue.weekly_review_built"
NOTIFICATION_KIND = "clues.weekly_review"
WEEKDAY_NAMES = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}


def register() -> None:
    """Called from clues.apps.CluesConfig.ready: the review weekday parameter, the action's label and the sweep
    "clues.weekly_review" (common.sweeps; beat runs it through clues.tasks.weekly_review every 15 minutes)."""
    from common.sweeps import register_sweep

    register_parameters(
        [
            Parameter(
                REVIEW_WEEKDAY,
                "周调度日",
                "C3",
                PolicyKind.WEEKDAY,
                Decimal(5),
                "每周对未落实交办的单位跟踪调度（1=周一…7=周日，默认周五）；"
                "遇节假日顺延至本周此前最后一个工作日",
            )
        ]
    )
    register_actions({ACTION_BUILT: "生成周调度"})
    register_sweep(
        "clues.weekly_review",
        label="周调度（C3 第5步）",
        run=weekly_review_sweep,
        waiting=weekly_review_waiting,
        every=dt.timedelta(minutes=15),
        labels={"weekly_review": "周调度", "weekly_review_clues": "列入线索"},
    )


# ------------------------------------------------------------------------------------------------ the day


def week_start_of(day: dt.date) -> dt.date:
    """The Monday of `day`'s week (weeks run Monday to Sunday)."""
    return day - dt.timedelta(days=day.weekday())


def review_day(week_start: dt.date) -> dt.date:
    """C3 step 5: the review day of the week beginning `week_start` (any day of the week is accepted).

    The rule: the weekday of policy parameter C3.review_weekday (1 = Monday … 7 = Sunday; 5 = Friday by
    default). If that day is a rest day on the statutory calendar (common.workdays: holidays, weekends, and
    调休 make-up workdays counted as working days), the review moves to the last working day before it in the
    same week — 2026-10-02 (National Day, a Friday) gives Wednesday 2026-09-30. It never moves into another
    week, and never later: units are followed up before the week ends, not after a holiday.

    If there is no working day before it in that week either (the whole week is off, e.g. Spring Festival
    2026-02-16…22), the review day is the weekday itself (2026-02-20): every week gets its review, so the
    week-over-week comparison has no gap, and units find it when they return; moving it into the next week
    would collide with that week's own review.
    """
    monday = week_start_of(week_start)
    weekday = int(policy_value(REVIEW_WEEKDAY))
    if not 1 <= weekday <= 7:  # common.policy validates 1..7; a row edited by hand past it falls back
        weekday = 5
    target = monday + dt.timedelta(days=weekday - 1)
    day = target
    while day >= monday:
        if is_working_day(day):
            return day
        day -= dt.timedelta(days=1)
    return target


def due_week_start(now: dt.datetime) -> dt.date:
    """The latest week whose review day has begun by `now` (Asia/Shanghai): this week once its review day has
    come, else last week (whose review day, within last week, has always passed)."""
    today = timezone.localtime(now).date()
    this_week = week_start_of(today)
    if review_day(this_week) <= today:
        return this_week
    return this_week - dt.timedelta(days=7)


# ------------------------------------------------------------------------------------------------ building

# Letters in the order they fall due (LetterKind's order), for the "已发函件" text.
_LETTER_ORDER = {kind: i for i, kind in enumerate(LetterKind.values)}


def _letters_text(letters: list[tuple[str, str]]) -> str:
    """ "提醒函、通报" — a letter whose PDF is not yet rendered and sent says so: "通报（待发送）"."""
    parts = []
    for kind, status in sorted(letters, key=lambda kv: _LETTER_ORDER.get(kv[0], 99)):
        label = LetterKind(kind).label if kind in LetterKind.values else kind
        parts.append(label if status == LetterStatus.SENT else f"{label}（待发送）")
    return "、".join(parts)


def _day_end(day: dt.date) -> dt.datetime:
    """00:00 Asia/Shanghai of the day after `day`."""
    return timezone.make_aware(
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min), timezone.get_current_timezone()
    )


def _days_open(received_at: dt.datetime, now: dt.datetime) -> int:
    """Calendar days since receipt, counted as C3 counts them (clues.ladder): whole 24-hour periods from the
    moment HRSS received the clue — a clue past its day-3 提醒函 shows at least 3."""
    return max((now - received_at) // dt.timedelta(days=1), 0)


def _held_clues(now: dt.datetime, day: dt.date) -> QuerySet[Clue]:
    """The clues on the review of `day`: open and held by a unit (clues.models.HELD_BY_UNIT — 已交办, 已签收,
    办理中) as of building (`now`), received by the end of the review day (a clue received after it belongs to
    the next week's review, also when this one is built late), with the latest progress note of each (one
    query, two correlated subqueries).

    Not listed: 已登记 — no unit holds it (newly received, or returned to HRSS): it is HRSS's own dispatch,
    chased by the C3 ladder, not a unit's failure to carry out a dispatch; 待核实 (result submitted) — the unit
    has done its part and the clue waits for HRSS's confirmation (C5), in HRSS's own hands (as in
    clues.ladder.next_step); 已办结 — solved."""
    latest = ClueProgress.objects.filter(clue=OuterRef("pk")).order_by("-recorded_at", "-id")
    return (
        Clue.objects.filter(status__in=HELD_BY_UNIT, responsible_unit__isnull=False, received_at__lte=now)
        .filter(received_at__lt=_day_end(day))
        .annotate(
            last_progress_at=Subquery(latest.values("recorded_at")[:1]),
            last_progress_note=Subquery(latest.values("note")[:1]),
        )
        .only("pk", "number", "status", "received_at", "responsible_unit_id")
        .order_by("responsible_unit_id", "received_at", "pk")
    )


def _built(week_start: dt.date) -> WeeklyReview | None:
    return WeeklyReview.objects.filter(week_start=week_start).first()


def weekly_review_build(
    *, now: dt.datetime | None = None, date: dt.date | None = None
) -> tuple[WeeklyReview, bool]:
    """C3 step 5: build the review of the week containing `date` — by default the latest week whose review day
    has begun by `now` (Asia/Shanghai) — once. Returns (review, created).

    The list is each open clue held by a unit (see _held_clues) as it stands when the review is built, grouped
    by its responsible unit, with days open, the letters issued (提醒函、通报), the last progress and whether it
    was on the previous week's review. A review built after its review day (the system was down) is marked
    built_late; it lists the clues received by the end of its review day as they stand when built (the past
    is not replayed; later clues wait for next week's review). Weeks missed in
    between are not built by the default run — only the latest due one; `date` builds a given week.

    Once per week: the unique week_start. A second run (even concurrent) creates nothing — the review row is
    inserted first, in a savepoint, and the loser of the race gets IntegrityError and returns the existing
    review with created=False; nothing else is written before that insert, so it writes nothing at all.
    Everything else (items in one bulk insert, notifications, the action log) happens in the same
    transaction: a review exists exactly with its items and its notifications.

    A review day still to come is refused (ValidationError): a list built early would stand for the week and
    block the real one.
    """
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    week_start = week_start_of(date) if date is not None else due_week_start(now)
    day = review_day(week_start)
    if day > today:
        raise ValidationError(
            f"{format_date(day)}（该周调度日）尚未到，周调度须在调度日当天或之后生成，未生成任何内容"
        )
    existing = _built(week_start)
    if existing is not None:  # the usual case for the beat job: no failed INSERT on every run
        return existing, False
    with transaction.atomic():
        try:
            with transaction.atomic():  # savepoint: the outer transaction survives a lost race
                review = WeeklyReview.objects.create(
                    week_start=week_start, review_date=day, built_at=now, built_late=today > day
                )
        except IntegrityError:
            return WeeklyReview.objects.get(week_start=week_start), False

        clues = list(_held_clues(now, day))
        ids = [c.pk for c in clues]
        letters: dict[int, list[tuple[str, str]]] = {}
        for clue_id, kind, status in Letter.objects.filter(clue_id__in=ids).values_list(
            "clue_id", "kind", "status"
        ):
            letters.setdefault(clue_id, []).append((kind, status))
        previous = set(
            WeeklyReviewItem.objects.filter(
                review__week_start=week_start - dt.timedelta(days=7), clue_id__in=ids
            ).values_list("clue_id", flat=True)
        )
        WeeklyReviewItem.objects.bulk_create(
            [
                WeeklyReviewItem(
                    review=review,
                    clue_id=c.pk,
                    unit_id=c.responsible_unit_id,
                    status=c.status,
                    days_open=_days_open(c.received_at, now),
                    letters_sent=_letters_text(letters.get(c.pk, []))[:100],
                    last_progress_at=c.last_progress_at,
                    last_progress_note=c.last_progress_note or "",
                    on_previous_review=c.pk in previous,
                )
                for c in clues
            ],
            batch_size=500,
        )
        per_unit: dict[int, list[Clue]] = {}
        for c in clues:
            per_unit.setdefault(c.responsible_unit_id, []).append(c)
        review.clue_count, review.unit_count = len(clues), len(per_unit)
        review.save(update_fields=["clue_count", "unit_count"])
        log_action(
            review,
            action=ACTION_BUILT,
            actor=None,
            note=f"{format_date(day)} 周调度：{len(per_unit)} 个单位 {len(clues)} 件线索"
            + ("（补生成）" if review.built_late else ""),
            data={
                "week_start": week_start.isoformat(),
                "review_date": day.isoformat(),
                "clues": len(clues),
                "units": len(per_unit),
                "built_late": review.built_late,
            },
        )
        _notify(review, per_unit)
    return review, True


def _notify(review: WeeklyReview, per_unit: dict[int, list[Clue]]) -> None:
    """Each unit's clerks get their own list; HRSS's dispatchers and the leaders the whole review, once."""
    day = format_date(review.review_date)
    url = reverse("clues:reviews:review_detail", args=[review.pk])
    for unit in Unit.objects.filter(pk__in=per_unit).order_by("pk"):
        clues = per_unit[unit.pk]
        numbers = "、".join(c.number for c in clues[:20]) + ("等" if len(clues) > 20 else "")
        notify(
            event=f"{NOTIFICATION_KIND}:{review.pk}:{unit.pk}",
            kind=NOTIFICATION_KIND,
            recipients=unit_recipients(unit),
            title=f"{day} 周调度：本单位 {len(clues)} 件线索尚未办结",
            body=f"以下线索已交办本单位，尚未提交办理结果，请抓紧办理并及时反馈进展：{numbers}。",
            url=f"{url}?unit={unit.pk}",
        )
    notify(
        event=f"{NOTIFICATION_KIND}:{review.pk}:all",
        kind=NOTIFICATION_KIND,
        recipients=[*hrss_recipients(), *leader_recipients()],
        title=f"{day} 周调度已生成：{review.unit_count} 个单位 {review.clue_count} 件线索"
        + ("（补生成）" if review.built_late else ""),
        body="各责任单位已收到本单位的调度清单。",
        url=url,
    )


def weekly_review_task_body(now: dt.datetime | None = None) -> dict:
    """The beat job (clues.tasks.weekly_review_build_due): build the latest due review if it is missing.
    Idempotent — run it as often as you like; a missed review is built by the next run, marked built_late."""
    review, created = weekly_review_build(now=now)
    return {
        "created": created,
        "review_id": review.pk,
        "review_date": review.review_date.isoformat(),
        "built_late": review.built_late,
        "clues": review.clue_count,
        "units": review.unit_count,
    }


def weekly_review_sweep(now: dt.datetime) -> dict[str, int]:
    """common.sweeps' run for "clues.weekly_review": what this run created (SweepRun.counts)."""
    body = weekly_review_task_body(now)
    return {"weekly_review": 1, "weekly_review_clues": body["clues"]} if body["created"] else {}


def weekly_review_waiting(now: dt.datetime) -> int:
    """common.sweeps' waiting count: 1 while the latest due review is not built yet (the health page)."""
    return int(not WeeklyReview.objects.filter(week_start=due_week_start(now)).exists())


# ------------------------------------------------------------------------------------------------ reads


def review_list_for(user) -> QuerySet[WeeklyReview]:
    """Every review, newest first, with `visible_count` / `visible_units`: the whole review's for HRSS,
    leaders and admins, the own unit's for a clerk (a user with neither sees none)."""
    qs = WeeklyReview.objects.order_by("-week_start")
    if sees_all_units(user):
        return qs.annotate(visible_count=Count("items"), visible_units=Count("items__unit", distinct=True))
    if user is None or not user.is_authenticated or user.unit_id is None:
        return qs.none()
    mine = Q(items__unit_id=user.unit_id)
    return qs.annotate(
        visible_count=Count("items", filter=mine),
        visible_units=Count("items__unit", filter=mine, distinct=True),
    )


def review_items_visible_to(
    user, review: WeeklyReview, *, unit_id: int | None = None
) -> QuerySet[WeeklyReviewItem]:
    """The items of `review` that `user` may see (common.access.visible_to: a clerk their own unit's only),
    optionally of one unit, with the clue (number, employer) and unit loaded: one query."""
    qs = visible_to(user, review.items.all(), unit_field="unit")
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    # clue__status too: django-fsm's ConcurrentTransitionMixin reads it on every instance (a query if deferred).
    return qs.select_related("unit", "clue").only(
        "review", "unit", "unit__name", "unit__short_name", "unit__sort_order", "clue", "clue__number", "clue__status",
        "clue__employer_name", "status", "days_open", "letters_sent", "last_progress_at", "last_progress_note",
        "on_previous_review",
    ).order_by("unit__sort_order", "unit_id", "-days_open", "clue__number")  # fmt: skip


@dataclasses.dataclass
class UnitGroup:
    """One unit's part of a review: its items, this week's count and last week's (None: no review last week)."""

    unit: Unit
    items: list[WeeklyReviewItem]
    last_count: int | None

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def change(self) -> int | None:
        return None if self.last_count is None else self.count - self.last_count

    @property
    def change_text(self) -> str:
        """ "↑2" more than last week, "↓1" fewer, "持平" the same, "新增" a unit not on last week's review,
        "" when there was no review last week."""
        if self.last_count is None:
            return ""
        if self.last_count == 0:
            return "新增"
        if self.change > 0:
            return f"↑{self.change}"
        if self.change < 0:
            return f"↓{-self.change}"
        return "持平"


def previous_review(review: WeeklyReview) -> WeeklyReview | None:
    return WeeklyReview.objects.filter(week_start=review.week_start - dt.timedelta(days=7)).first()


def review_unit_groups(user, review: WeeklyReview, *, unit_id: int | None = None) -> list[UnitGroup]:
    """The review as `user` may see it, grouped by unit, each with last week's count — three queries whatever
    the number of items (the items, last week's review, its counts per unit)."""
    items = list(review_items_visible_to(user, review, unit_id=unit_id))
    groups: dict[int, UnitGroup] = {}
    for item in items:
        group = groups.get(item.unit_id)
        if group is None:
            group = groups[item.unit_id] = UnitGroup(unit=item.unit, items=[], last_count=None)
        group.items.append(item)
    if not groups:
        return []
    before = previous_review(review)
    if before is not None:
        counts = dict(
            before.items.filter(unit_id__in=groups)
            .values("unit_id")
            .annotate(n=Count("id"))
            .values_list("unit_id", "n")
        )
        for unit_pk, group in groups.items():
            group.last_count = counts.get(unit_pk, 0)
    return list(groups.values())


def review_units(user, review: WeeklyReview) -> list[Unit]:
    """The units on `review` that `user` may see: the page's unit filter (one query)."""
    ids = review_items_visible_to(user, review).values("unit_id")
    return list(Unit.objects.filter(pk__in=ids).order_by("sort_order", "id"))
