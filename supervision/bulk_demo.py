"""Issue 9 part 7: a large, realistic data set for benchmarks and load tests, fast (`bulk_create` in batches;
SQLite and PostgreSQL alike) — `python manage.py seed_demo --projects N --clues M`, or `build()` from a bench.

Realistic means what the pages and the dashboard read is consistent, as the services would have left it:
- projects over every unit bound to push and every street (P1/P2), with push deadlines from the working-day
  calendar (common.workdays, one computation for the whole span), pushed on time, late (逾期N个工作日) or not at
  all; the pushed ones with their 附件2 notice (numbers from the unit's sequence, reserved as a block under its
  row lock), most deposited in time (a Deposit row), some overdue (D4); a 五制 state row each
  (supervision.ProjectCompliance: red and yellow items, next due date), some rectification orders (V2), a few
  joint meetings with tasks (V5);
- clues at every C4 stage, received over the last ~13 months (more of them recent; beyond 100,000 clues the
  span grows to keep ~250 a day), the C3 ladder timestamps in order (some steps late), numbers from the QX sequence (reserved likewise), next_deadline_at and sweep_at from
  clues.ladder; the 提醒函 and 通报 the sweep would have written (once each, C4: each with its IssuedDocument
  and an unrendered version, rendered on first download), and P6 accountability for petition clues on
  projects pushed late or never pushed.

Idempotent-ish: each run adds on top (names, USCCs and numbers continue after what exists). Simple-history and
the action log are not written for bulk rows (a bench measures reads). Deterministic for a given `seed`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import secrets
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from clues import documents as letter_documents
from clues import ladder
from clues.models import (
    AccountabilityReason,
    Category,
    Channel,
    Clue,
    ClueStatus,
    Letter,
    LetterKind,
    LetterStatus,
    UnitAccountability,
)
from clues.services import NUMBER_KIND, clue_number
from common.models import DocumentSequence, DocumentVersion, IssuedDocument, Role, Unit, UnitType, User
from common.policy import policy_snapshot, policy_value
from common.workdays import working_days_late_many
from deposits.models import Deposit, DepositForm, DepositStatus, Institution, Notice, NoticeStatus, RatioBasis
from deposits.services import NOTICE_KIND, notice_number
from projects.demo import demo_uscc
from projects.models import Enterprise, FundingType, Project, ProjectStatus, TriggerType

from .models import (
    JointMeeting,
    MeetingStatus,
    MeetingTask,
    ProjectCompliance,
    RectificationOrder,
    RectificationStatus,
)

BATCH = 5000
FIRST_ENTERPRISE_SERIAL = 3_000_000  # above the demo's and the tests' serials
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = [
    "建国",
    "秀英",
    "桂兰",
    "振华",
    "国强",
    "红梅",
    "立新",
    "德胜",
    "书勤",
    "留柱",
    "富贵",
    "丽娟",
    "海涛",
    "志刚",
]
PROJECT_KINDS = [
    "道路改造",
    "雨污分流管网",
    "安置房",
    "学校综合楼",
    "老旧小区改造",
    "公园配套",
    "供热管网",
    "标准化厂房",
]
CATEGORIES = ["municipal", "housing", "transport", "water", "infrastructure", "pipeline", "landscaping"]
FUNDING = [
    FundingType.GOVERNMENT,
    FundingType.ENTERPRISE,
    FundingType.SPECIAL_BOND,
    FundingType.ULTRA_LONG_BOND,
]


class _WorkCalendar:
    """The working days of [first, last] from one common.workdays computation (working_days_late_many counts the
    working days between each date and the end: a day is a working day when it lowers that count by one)."""

    def __init__(self, first: dt.date, last: dt.date):
        self.first, self.last = first, last
        span = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
        late = working_days_late_many(span, last + dt.timedelta(days=1))
        self.days = [b for a, b in zip(span, span[1:], strict=False) if late[a] - late[b] == 1]

    def add(self, day: dt.date, n: int) -> dt.date:
        """common.workdays.add_working_days within the span."""
        i = bisect.bisect_right(self.days, day)
        return self.days[min(i + n - 1, len(self.days) - 1)]

    def between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]."""
        return max(0, bisect.bisect_right(self.days, b) - bisect.bisect_right(self.days, a))


def _reserve(*, unit: Unit, kind: str, year: int, count: int) -> int:
    """The first of `count` consecutive numbers of (unit, kind, year), taken as one block under the sequence row's
    lock (what common.documents.next_document_number does one at a time): later issues continue after it."""
    DocumentSequence.objects.get_or_create(unit=unit, kind=kind, year=year)
    sequence = DocumentSequence.objects.select_for_update().get(unit=unit, kind=kind, year=year)
    first = sequence.last_number + 1
    sequence.last_number += count
    sequence.save(update_fields=["last_number"])
    return first


def _aware(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time(hour, minute)), timezone.get_current_timezone()
    )


def _bulk_user() -> User:
    """The demo dispatcher (seed_demo's `renshe`), or a system account of HRSS's for a bench's own database."""
    user = User.objects.filter(username="renshe").first()
    if user is not None:
        return user
    hrss = Unit.objects.get(unit_type=UnitType.HRSS)
    user, created = User.objects.get_or_create(
        username="bulk_demo", defaults={"full_name": "批量演示数据", "role": Role.DISPATCHER, "unit": hrss}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def build(
    *, projects: int = 0, clues: int = 0, now: dt.datetime | None = None, seed: int = 9, progress=None
) -> dict[str, int]:
    """Add `projects` projects and `clues` clues (with what hangs off them). Returns the counts added."""
    now = now or timezone.now()
    rng = random.Random(seed + Project.objects.count() + Clue.objects.count())
    say = progress or (lambda message: None)
    user = _bulk_user()
    counts: dict[str, int] = {}
    with policy_snapshot():
        if projects:
            counts |= _build_projects(projects, now=now, rng=rng, user=user, say=say)
        if clues:
            counts |= _build_clues(clues, now=now, rng=rng, user=user, say=say)
    return counts


# ------------------------------------------------------------------------------------------------- projects


def _build_projects(total: int, *, now, rng, user, say) -> dict[str, int]:
    today = timezone.localtime(now).date()
    units = list(Unit.objects.filter(pushes_projects=True, is_active=True).order_by("sort_order", "pk"))
    streets = [u for u in units if u.unit_type == UnitType.STREET]
    calendar = _WorkCalendar(today - dt.timedelta(days=600), today + dt.timedelta(days=120))
    push_days = int(policy_value("P1.push_working_days"))
    notice_days = int(policy_value("D2.deposit_deadline_days"))

    # Enterprises: owners and contractors, re-used across projects (P3: one record per USCC).
    n_enterprises = max(20, total // 4)
    start = FIRST_ENTERPRISE_SERIAL + Enterprise.objects.filter(uscc__startswith="91410803MA3").count()
    fresh = [
        Enterprise(
            uscc=demo_uscc(start + i),
            name=f"焦作市{rng.choice('豫中原宏达鑫盛恒远鼎盛聚力通衢永安丰泽')}{start + i}建设工程有限公司",
        )
        for i in range(n_enterprises)
    ]
    Enterprise.objects.bulk_create(fresh, batch_size=BATCH, ignore_conflicts=True)
    enterprises = list(Enterprise.objects.filter(uscc__in=[e.uscc for e in fresh]))
    say(f"企业 {len(enterprises)} 家")

    serial = (Project.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    made: list[Project] = []
    for i in range(total):
        unit = units[i % len(units)]
        street = unit if unit.unit_type == UnitType.STREET else rng.choice(streets)
        trigger = today - dt.timedelta(days=int(rng.random() ** 1.3 * 540))
        if unit.unit_type == UnitType.STREET:
            trigger_type, planned = TriggerType.STREET_SELF, trigger + dt.timedelta(days=rng.randint(10, 60))
            deadline = planned  # P2: before the planned start
        else:
            trigger_type, planned = (
                TriggerType.INDUSTRY_INFO,
                trigger + dt.timedelta(days=rng.randint(20, 90)),
            )
            deadline = calendar.add(trigger, push_days)
        owner, contractor = rng.choice(enterprises), rng.choice(enterprises)
        # The push facts first: the status is a protected FSM field, set only at construction.
        push = {}
        roll = rng.random()
        if deadline >= today:
            pushed_on = trigger + dt.timedelta(days=rng.randint(0, max(0, (today - trigger).days)))
            if roll < 0.5:
                push = {"pushed_at": _aware(min(pushed_on, deadline), 15)}
        elif roll < 0.72:  # on time
            day = trigger + dt.timedelta(days=rng.randint(0, max(0, (deadline - trigger).days)))
            push = {"pushed_at": _aware(day, 11)}
        elif roll < 0.88:  # late
            day = min(today, deadline + dt.timedelta(days=rng.randint(1, 14)))
            push = {
                "pushed_at": _aware(day, 16),
                "is_late": True,
                "late_working_days": max(1, calendar.between(deadline, day)),
            }
        # else: never pushed (逾期未推送)
        if push:
            push |= {"status": ProjectStatus.PUSHED, "pushed_by": user}
        p = Project(
            unit=unit,
            unit_leader_name="周主任",
            unit_leader_phone="0391-2958100",
            name=f"{street.short_name}{rng.choice(PROJECT_KINDS)}工程（批量{serial + i}）",
            street=street,
            category=rng.choice(CATEGORIES),
            funding_type=rng.choice(FUNDING),
            trigger_type=trigger_type,
            trigger_date=trigger,
            bidder_unit=unit,
            owner=owner,
            owner_manager_name="孙工",
            owner_manager_phone="13903910001",
            contractor=contractor,
            contractor_manager_name="吴经理",
            contractor_manager_phone="13803910002",
            contract_total_wan=Decimal(rng.randint(200, 30000)),
            contract_signed_on=trigger,
            planned_start_on=planned,
            push_deadline=deadline,
            created_by=user,
            **push,
        )
        made.append(p)
    created = []
    for k in range(0, len(made), BATCH):
        created += Project.objects.bulk_create(made[k : k + BATCH])
    say(f"项目 {len(created)} 个")

    pushed = [p for p in created if p.status == ProjectStatus.PUSHED]
    counts = {"projects": len(created), "enterprises": len(enterprises)}
    counts |= _build_notices(pushed, today=today, rng=rng, user=user, days=notice_days)
    counts |= _build_compliance(pushed, today=today, rng=rng)
    counts |= _build_orders(pushed, today=today, rng=rng, user=user)
    counts |= _build_meetings(len(created), units=units, today=today, rng=rng, user=user, now=now)
    say(
        f"通知书 {counts['notices']}，五制 {counts['compliance']}，整改 {counts['orders']}，会议任务 {counts['tasks']}"
    )
    return counts


def _build_notices(pushed, *, today, rng, user, days) -> dict[str, int]:
    institutions = list(Institution.objects.filter(accepts_new=True)) or list(Institution.objects.all())
    by_key: dict[tuple[int, int], list[Project]] = {}
    for p in pushed:
        by_key.setdefault((p.unit_id, timezone.localtime(p.pushed_at).year), []).append(p)
    units = {u.pk: u for u in Unit.objects.filter(pk__in={k[0] for k in by_key})}
    notices = []
    with transaction.atomic():
        for (unit_id, year), items in by_key.items():
            first = _reserve(unit=units[unit_id], kind=NOTICE_KIND, year=year, count=len(items))
            for n, p in enumerate(items, start=first):
                issued = p.pushed_at
                deadline = timezone.localtime(issued).date() + dt.timedelta(days=days)
                notice = Notice(
                    project=p,
                    unit_id=unit_id,
                    contractor_id=p.contractor_id,
                    number=notice_number(short_name=units[unit_id].short_name, year=year, n=n),
                    year=year,
                    sequence_number=n,
                    issued_at=issued,
                    issued_by=user,
                    deadline=deadline,
                    deadline_days=days,
                )
                roll = rng.random()
                if deadline < today and roll < 0.82 or deadline >= today and roll < 0.45:
                    latest = (
                        min(deadline, today) if roll < 0.75 else min(today, deadline + dt.timedelta(days=9))
                    )
                    span = max(0, (latest - timezone.localtime(issued).date()).days)
                    day = timezone.localtime(issued).date() + dt.timedelta(days=rng.randint(0, span))
                    notice.status, notice.deposited_at = NoticeStatus.DEPOSITED, _aware(day, 14)
                    notice.received_at = issued + dt.timedelta(hours=2)
                elif roll < 0.9:
                    notice.status, notice.received_at = NoticeStatus.RECEIVED, issued + dt.timedelta(hours=3)
                notices.append(notice)
        created = []
        for k in range(0, len(notices), BATCH):
            created += Notice.objects.bulk_create(notices[k : k + BATCH])
        deposits = []
        for notice in created:
            if notice.status != NoticeStatus.DEPOSITED or not institutions:
                continue
            required = (notice.project.contract_total_wan * 10000 * Decimal("0.02")).quantize(Decimal("0.01"))
            deposits.append(
                Deposit(
                    notice=notice,
                    project_id=notice.project_id,
                    form=DepositForm.CASH,
                    institution=rng.choice(institutions),
                    amount=required,
                    document_number=f"CD{notice.pk:08d}",
                    deposited_on=timezone.localtime(notice.deposited_at).date(),
                    required_amount=required,
                    required_ratio=Decimal("0.0200"),
                    ratio_basis=RatioBasis.DEFAULT,
                    status=DepositStatus.DEPOSITED,
                    recorded_by=user,
                    recorded_at=notice.deposited_at,
                )
            )
        for k in range(0, len(deposits), BATCH):
            Deposit.objects.bulk_create(deposits[k : k + BATCH])
    return {"notices": len(created), "deposits": len(deposits)}


def _build_compliance(pushed, *, today, rng) -> dict[str, int]:
    rows = []
    for p in pushed:
        red = rng.choices([0, 1, 2, 3], weights=[70, 16, 9, 5])[0]
        yellow = rng.choices([0, 1, 2], weights=[75, 18, 7])[0]
        rows.append(
            ProjectCompliance(
                project=p,
                allocation_due_on=today + dt.timedelta(days=rng.randint(-20, 30)),
                account_open_due_on=p.contract_signed_on + dt.timedelta(days=30)
                if p.contract_signed_on
                else None,
                red_items=red,
                yellow_items=yellow,
                next_due_on=today + dt.timedelta(days=rng.randint(1, 30)),
                computed_on=today,
            )
        )
    for k in range(0, len(rows), BATCH):
        ProjectCompliance.objects.bulk_create(rows[k : k + BATCH], ignore_conflicts=True)
    return {"compliance": len(rows)}


def _build_orders(pushed, *, today, rng, user) -> dict[str, int]:
    orders = []
    for p in pushed:
        if rng.random() >= 0.06:
            continue
        issued = today - dt.timedelta(days=rng.randint(1, 300))
        deadline = issued + dt.timedelta(days=rng.randint(5, 30))
        order = RectificationOrder(
            project=p,
            enterprise_id=p.contractor_id,
            unit_id=p.unit_id,
            content=rng.choice(
                ["未按月足额拨付人工费用", "未落实实名制管理", "维权信息告示牌未设置", "未按时代发工资"]
            ),
            issued_on=issued,
            deadline=deadline,
            issued_by=user,
        )
        roll = rng.random()
        if deadline < today:
            if roll < 0.7:
                order.status, order.closed_on = (
                    RectificationStatus.DONE,
                    min(today, deadline - dt.timedelta(days=rng.randint(0, 4))),
                )
            elif roll < 0.8:
                order.status, order.closed_on = (
                    RectificationStatus.DONE,
                    min(today, deadline + dt.timedelta(days=rng.randint(1, 10))),
                )
            elif roll < 0.88:
                order.status, order.closed_on = RectificationStatus.REFUSED, deadline
        elif roll < 0.4:
            order.status, order.closed_on = RectificationStatus.DONE, today
        if order.closed_on is not None and order.closed_on < issued:
            order.closed_on = issued
        orders.append(order)
    RectificationOrder.objects.bulk_create(orders, batch_size=BATCH)
    return {"orders": len(orders)}


def _build_meetings(n_projects, *, units, today, rng, user, now) -> dict[str, int]:
    hrss = Unit.objects.get(unit_type=UnitType.HRSS)
    meetings = [
        JointMeeting(
            requested_by_unit=rng.choice(units),
            requested_by=user,
            requested_at=now - dt.timedelta(days=rng.randint(5, 360)),
            subject=f"欠薪问题联席会议（批量演示{k + 1}）",
            reason="多个项目欠薪线索集中，需各部门协同处置",
            status=MeetingStatus.HELD,
            attendees="区人社局、区住建局、相关街道",
            decisions="各责任单位按期完成交办任务",
        )
        for k in range(max(1, n_projects // 500))
    ]
    meetings = JointMeeting.objects.bulk_create(meetings)
    tasks = []
    for m in meetings:
        m.meeting_date = timezone.localtime(m.requested_at).date() + dt.timedelta(days=3)
        for _ in range(rng.randint(3, 6)):
            deadline = m.meeting_date + dt.timedelta(days=rng.randint(7, 40))
            task = MeetingTask(
                meeting=m, unit=rng.choice([*units, hrss]), content="督促欠薪企业限期清偿", deadline=deadline
            )
            roll = rng.random()
            if deadline < today and roll < 0.75 or deadline >= today and roll < 0.3:
                shift = rng.randint(-6, 2) if roll < 0.6 else rng.randint(1, 8)
                task.done_on = min(today, max(m.meeting_date, deadline + dt.timedelta(days=shift)))
                task.done_note = "已完成"
            tasks.append(task)
    JointMeeting.objects.bulk_update(meetings, ["meeting_date"])
    MeetingTask.objects.bulk_create(tasks, batch_size=BATCH)
    return {"meetings": len(meetings), "tasks": len(tasks)}


# ---------------------------------------------------------------------------------------------------- clues

# C4 stages in order and what each stage's timestamp is.
ORDER = [
    ClueStatus.REGISTERED,
    ClueStatus.DISPATCHED,
    ClueStatus.ACKNOWLEDGED,
    ClueStatus.IN_PROGRESS,
    ClueStatus.RESULT_SUBMITTED,
    ClueStatus.CLOSED,
]
STAMPS = ["dispatched_at", "acknowledged_at", "first_progress_at", "result_at", "closed_at"]


def _target_stage(age_days: float, rng) -> int:
    """How far a clue of this age has got: recent ones at every stage, old ones mostly closed."""
    if age_days > 120:  # years back: all but a handful closed
        return rng.choices([5, 4, 3, 2, 1, 0], weights=[994, 2, 2, 1, 0.5, 0.5])[0]
    if age_days > 25:  # a few stuck at every stage: the backlog the dashboard chases
        return rng.choices([5, 4, 3, 2, 1, 0], weights=[88, 4, 4, 2, 1, 1])[0]
    if age_days > 6:
        return rng.choices([5, 4, 3, 2, 1, 0], weights=[44, 20, 24, 6, 4, 2])[0]
    return rng.choices([0, 1, 2, 3, 4], weights=[14, 22, 26, 28, 10])[0]


def _stamps(received: dt.datetime, target: int, now: dt.datetime, rng) -> list[dt.datetime]:
    """The ladder timestamps up to `target`, in order, none in the future (a step not reached by now stops)."""
    delays = [
        rng.uniform(1, 16) if rng.random() < 0.92 else rng.uniform(24, 60),  # C3 step 1 (1 day)
        rng.uniform(1, 24) if rng.random() < 0.9 else rng.uniform(30, 90),  # step 2 (day 2)
        rng.uniform(4, 36) if rng.random() < 0.92 else rng.uniform(50, 120),  # step 4 (progress by day 4)
        rng.uniform(24, 240),
        rng.uniform(12, 120),
    ]
    out, at = [], received
    for k in range(target):
        at = at + dt.timedelta(hours=delays[k])
        if at > now:
            break
        out.append(at)
    return out


def _build_clues(total: int, *, now, rng, user, say) -> dict[str, int]:
    hrss = (
        user.unit
        if user.unit and user.unit.unit_type == UnitType.HRSS
        else Unit.objects.get(unit_type=UnitType.HRSS)
    )
    streets = list(Unit.objects.filter(unit_type=UnitType.STREET).order_by("pk"))
    holders = list(
        Unit.objects.filter(is_active=True)
        .exclude(unit_type=UnitType.HRSS)
        .exclude(short_name__in=["法院", "检察", "公安"])
    )
    units = {u.pk: u for u in Unit.objects.all()}
    projects = list(
        Project.objects.order_by("-id").values_list(
            "id", "name", "unit_id", "street_id", "status", "is_late", "late_working_days", "push_deadline"
        )[:5000]
    )
    channels = [c for c in Channel.values if c != Channel.PETITION_BUREAU]
    clue_ct = ContentType.objects.get_for_model(Clue)

    # Receipt times first (recent ones more frequent), so each year's numbers are reserved as one block. A
    # district gets a few hundred clues a day at most: 100,000 span ~13 months, 1,000,000 about eleven years.
    span = max(400, total / 250)
    received_all = sorted(
        now - dt.timedelta(days=rng.random() ** 1.2 * span, minutes=rng.randint(5, 600)) for _ in range(total)
    )
    per_year: dict[int, int] = {}
    for r in received_all:
        y = timezone.localtime(r).year
        per_year[y] = per_year.get(y, 0) + 1
    with transaction.atomic():
        next_n = {y: _reserve(unit=hrss, kind=NUMBER_KIND, year=y, count=c) for y, c in per_year.items()}

    made = letters_made = flags = 0
    for k in range(0, total, BATCH):
        batch, plans = [], []
        for received in received_all[k : k + BATCH]:
            year = timezone.localtime(received).year
            n = next_n[year]
            next_n[year] += 1
            project = rng.choice(projects) if projects and rng.random() < 0.55 else None
            street = units[project[3]] if project else rng.choice(streets)
            unit = units[project[2]] if project else rng.choice(holders)
            petition = rng.random() < 0.08
            age = (now - received).total_seconds() / 86400
            stamps = _stamps(received, _target_stage(age, rng), now, rng)
            stage = ORDER[len(stamps)]
            held = stage != ClueStatus.REGISTERED
            clue = Clue(
                number=clue_number(year=year, n=n),
                channel=Channel.PETITION_BUREAU if petition else rng.choice(channels),
                is_petition=petition,
                received_at=received,
                complainant_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                complainant_phone=f"13{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}",
                workers_affected=rng.randint(1, 40),
                amount_owed=Decimal(rng.randint(2000, 400000)),
                employer_name=f"焦作市{rng.choice('鑫盛恒远宏达聚力鼎盛永安')}第{rng.randint(1, 3000)}劳务有限公司",
                # A light instance (id and name, all the letters print): no query per clue.
                project=Project(id=project[0], name=project[1]) if project else None,
                street=street,
                category=Category.CONSTRUCTION
                if project or rng.random() < 0.7
                else rng.choice(Category.values),
                description="农民工工资未按时足额支付（批量演示数据）",
                registered_by=user,
                registering_unit=hrss,
                registered_at=received + dt.timedelta(minutes=10),
                owner_unit=unit if held else hrss,
                suggested_unit=unit,
                responsible_unit=unit if held else None,
                responsible_person="周主任" if held else "",
                responsible_phone="13803910002" if held else "",
                status=stage,
            )
            for field, value in zip(STAMPS, stamps, strict=False):
                setattr(clue, field, value)
            # The letters the sweep would have written (C3 steps 3 and 4, once each): due and still needed then.
            sent = []
            for kind, code in ladder.LETTER_STEPS:
                due = ladder.due_after(received, code)
                met = (
                    clue.acknowledged_at
                    if kind == LetterKind.REMINDER
                    else (clue.first_progress_at or clue.result_at)
                )
                if due <= now and (met is None or met > due):
                    sent.append((kind, due))
            clue.next_deadline_at = ladder.next_deadline(clue)
            clue.sweep_at = ladder.next_sweep_at(clue, {kind for kind, _ in sent})
            batch.append(clue)
            plans.append((sent, project))
        with transaction.atomic():
            created = Clue.objects.bulk_create(batch)
            made += len(created)
            letters_made += _write_letters(created, plans, hrss=hrss, units=units, now=now, ct=clue_ct)
            flags += _flag_petitions(created, plans)
        say(f"线索 {made}/{total}，函件 {letters_made}")
    return {"clues": made, "letters": letters_made, "accountabilities": flags}


def _write_letters(clues, plans, *, hrss, units, now, ct) -> int:
    wanted = []
    for clue, (sent, _project) in zip(clues, plans, strict=True):
        for kind, due in sent:
            wanted.append((clue, kind, due + dt.timedelta(minutes=3)))
    if not wanted:
        return 0
    per_year: dict[int, int] = {}
    for _, _, at in wanted:
        y = timezone.localtime(at).year
        per_year[y] = per_year.get(y, 0) + 1
    next_n = {
        y: _reserve(unit=hrss, kind=letter_documents.LETTER_SEQUENCE, year=y, count=c)
        for y, c in per_year.items()
    }
    documents, letters = [], []
    for clue, kind, at in wanted:
        year = timezone.localtime(at).year
        n = next_n[year]
        next_n[year] += 1
        number = letter_documents.letter_number(year=year, n=n)
        # The holder at the time: the responsible unit if dispatched by then, else the unit C2 suggests (C6).
        dispatched = clue.dispatched_at is not None and clue.dispatched_at <= at
        holder = clue.responsible_unit if dispatched else clue.suggested_unit or hrss
        if kind == LetterKind.REMINDER:
            addressee, addressee_unit, copy_to = holder.name, holder, ""
        else:
            addressee, addressee_unit, copy_to = letter_documents.LEADERS, None, holder.name
        documents.append(
            IssuedDocument(
                kind=letter_documents.DOCUMENT_KINDS[kind],
                unit=hrss,
                number=number,
                sequence_number=n,
                year=year,
                addressee=addressee,
                content_type=ct,
                object_id=clue.pk,
                issued_at=at,
                verify_code="".join(secrets.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(10)),
            )
        )
        facts = letter_documents.letter_facts(
            clue, kind=kind, number=number, addressee=addressee, copy_to=copy_to, now=at
        )
        letters.append(
            Letter(
                clue=clue,
                kind=kind,
                number=number,
                addressee=addressee,
                addressee_unit=addressee_unit,
                copy_to=copy_to,
                responsible_unit=clue.responsible_unit if dispatched else None,
                due_at=at - dt.timedelta(minutes=3),
                facts=facts,
                status=LetterStatus.SENT,
                created_at=at,
                sent_at=at + dt.timedelta(minutes=2),
            )
        )
    documents = IssuedDocument.objects.bulk_create(documents)
    DocumentVersion.objects.bulk_create(
        [DocumentVersion(document=d, version=1, reason="签发") for d in documents]
    )
    for letter, document in zip(letters, documents, strict=True):
        letter.document = document
    Letter.objects.bulk_create(letters)
    return len(letters)


def _flag_petitions(clues, plans) -> int:
    """P6 second half: a petition clue on a project pushed late or never pushed flags the project's unit."""
    rows = []
    for clue, (_sent, project) in zip(clues, plans, strict=True):
        if not clue.is_petition or project is None:
            continue
        _pk, _name, unit_id, _street, status, is_late, late_days, deadline = project
        received_day = timezone.localtime(clue.received_at).date()
        if status == ProjectStatus.PUSHED and is_late:
            reason, days = AccountabilityReason.PUSHED_LATE, late_days
        elif status == ProjectStatus.DRAFT and deadline < received_day:
            reason, days = AccountabilityReason.NEVER_PUSHED, (received_day - deadline).days
        else:
            continue
        rows.append(
            UnitAccountability(
                clue=clue, unit_id=unit_id, project_id=project[0], reason=reason, late_working_days=days,
                created_at=clue.received_at,
            )
        )  # fmt: skip
    UnitAccountability.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
