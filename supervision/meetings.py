"""V5 联席会议: convened by HRSS at any unit's request; the decisions and the tasks it gives units are recorded and
tracked like clues — each task's deadline is stored on its row and swept (common.sweeps "supervision.meeting_tasks")
so the task's unit and HRSS are told once when it passes.

Lifecycle: 已申请 (any unit's clerk) → 已安排 (HRSS: date, attendees) → 已召开 (HRSS: decisions, tasks), or
已申请/已安排 → 不予召开 (HRSS, with a reason). A task is done when its own unit records how (a note).

"Overdue" for a task: its deadline < today (Asia/Shanghai) and not done; due today is not overdue.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from common.access import can_act_for_unit, is_admin, is_hrss, require_writer, sees_all_units, visible_to
from common.audit import log_action
from common.models import Unit, User
from common.search import text_match
from common.sweeps import sweep_claim_each

from .models import JointMeeting, MeetingStatus, MeetingTask

logger = logging.getLogger(__name__)

SWEEP = "supervision.meeting_tasks"
HRSS_ONLY_MESSAGE = "联席会议由区人社局召集：只有区人社局可以安排、记录或不予召开"
ACTIONS = {
    "meeting.requested": "提请召开联席会议（V5）",
    "meeting.scheduled": "安排联席会议",
    "meeting.held": "记录会议召开及决定",
    "meeting.declined": "不予召开",
    "meeting.task_added": "分派会议任务",
    "meeting_task.assigned": "分派会议任务",
    "meeting_task.done": "完成会议任务",
    "meeting_task.overdue_notified": "会议任务逾期提醒",
}
NOTIFICATION_KINDS = {
    "supervision.meeting_requested": "联席会议提请",
    "supervision.meeting_scheduled": "联席会议安排",
    "supervision.meeting_declined": "联席会议不予召开",
    "supervision.meeting_task_assigned": "会议任务分派",
    "supervision.meeting_task_overdue": "会议任务逾期",
}


@dataclasses.dataclass
class TaskData:
    """One task a meeting gives a unit (V5)."""

    unit: Unit | None
    content: str
    deadline: dt.date | None


# --- checks ------------------------------------------------------------------------------------------------


def _require_hrss(user: User) -> None:
    require_writer(user)
    if not is_hrss(user):
        raise PermissionDenied(HRSS_ONLY_MESSAGE)


def may_complete_task(user: User | None, task: MeetingTask) -> bool:
    """V5: the task's own unit marks it done (HRSS only its own tasks, not on another unit's behalf); admins may
    correct any; leaders never."""
    if not can_act_for_unit(user, task.unit_id):
        return False
    return is_admin(user) or user.unit_id == task.unit_id


def _lock(meeting: JointMeeting, allowed: Iterable[str], verb: str) -> JointMeeting:
    locked = JointMeeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.status not in allowed:
        raise ValidationError(
            {"__all__": f"该会议当前为“{locked.get_status_display()}”，不能{verb}；请刷新页面后重试"}
        )
    return locked


def _clean_tasks(errors: dict, tasks: Iterable[TaskData], meeting_date: dt.date | None) -> list[TaskData]:
    """Each task names a unit, what to do and a deadline not before the meeting (V5)."""
    cleaned, problems = [], []
    for n, task in enumerate(tasks, start=1):
        content = (task.content or "").strip()
        if task.unit is None and not content and task.deadline is None:
            continue  # an empty row of the form
        if task.unit is None:
            problems.append(f"第{n}项任务：请选择承办单位")
        if not content:
            problems.append(f"第{n}项任务：请填写任务内容")
        if task.deadline is None:
            problems.append(f"第{n}项任务：请填写完成期限")
        elif meeting_date and task.deadline < meeting_date:
            problems.append(f"第{n}项任务：完成期限不能早于会议日期（{meeting_date:%Y年%m月%d日}）")
        cleaned.append(TaskData(unit=task.unit, content=content, deadline=task.deadline))
    if problems:
        errors["tasks"] = problems
    return cleaned


def _create_tasks(user: User, meeting: JointMeeting, tasks: list[TaskData]) -> list[MeetingTask]:
    from common.notifications import notify, unit_recipients

    made = MeetingTask.objects.bulk_create(
        [MeetingTask(meeting=meeting, unit=t.unit, content=t.content, deadline=t.deadline) for t in tasks]
    )
    for task in made:
        log_action(task, action="meeting_task.assigned", actor=user, note=task.content)
        notify(
            event=f"supervision.meeting_task_assigned:{task.pk}",
            kind="supervision.meeting_task_assigned",
            recipients=unit_recipients(task.unit),
            title=f"联席会议“{meeting.subject}”分派任务，期限 {task.deadline:%Y年%m月%d日}",
            body=task.content,
            url=reverse("supervision:meeting_detail", args=[meeting.pk]),
        )
    return made


# --- services ----------------------------------------------------------------------------------------------


def meeting_request(*, user: User, subject: str, reason: str, unit: Unit | None = None) -> JointMeeting:
    """V5: any unit asks HRSS to convene a joint meeting (a clerk for their own unit)."""
    from common.notifications import hrss_recipients, notify

    require_writer(user)
    unit = unit or getattr(user, "unit", None)
    if unit is None:
        raise ValidationError({"unit": "请选择提请单位"})
    if not can_act_for_unit(user, unit):
        raise PermissionDenied("您只能以本单位名义提请召开联席会议")
    errors = {}
    subject, reason = (subject or "").strip(), (reason or "").strip()
    if not subject:
        errors["subject"] = "请填写议题"
    elif len(subject) > 200:
        errors["subject"] = "议题不能超过200个字"
    if not reason:
        errors["reason"] = "请填写提请事由"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        meeting = JointMeeting.objects.create(
            requested_by_unit=unit, requested_by=user, subject=subject, reason=reason
        )
        log_action(meeting, action="meeting.requested", actor=user, note=reason)
        notify(
            event=f"supervision.meeting_requested:{meeting.pk}",
            kind="supervision.meeting_requested",
            recipients=hrss_recipients(),
            title=f"{unit.name} 提请召开联席会议：{subject}",
            body=reason[:500],
            url=reverse("supervision:meeting_detail", args=[meeting.pk]),
        )
    return meeting


def meeting_schedule(
    *, user: User, meeting: JointMeeting, meeting_date: dt.date | None, attendees: str
) -> JointMeeting:
    """HRSS convenes the meeting: the date (today or later) and who attends. A scheduled meeting may be moved."""
    from common.notifications import notify, unit_recipients

    _require_hrss(user)
    errors = {}
    if meeting_date is None:
        errors["meeting_date"] = "请填写会议日期"
    elif meeting_date < timezone.localdate():
        errors["meeting_date"] = "会议日期不能早于今天（已召开的会议请直接记录召开情况）"
    if not (attendees or "").strip():
        errors["attendees"] = "请填写参会单位及人员"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        meeting = _lock(meeting, (MeetingStatus.REQUESTED, MeetingStatus.SCHEDULED), "安排")
        moved = meeting.status == MeetingStatus.SCHEDULED
        meeting.status = MeetingStatus.SCHEDULED
        meeting.meeting_date = meeting_date
        meeting.attendees = attendees.strip()
        meeting.save(update_fields=["status", "meeting_date", "attendees"])
        log_action(
            meeting,
            action="meeting.scheduled",
            actor=user,
            note=f"{'改期至' if moved else '会议日期'} {meeting_date:%Y年%m月%d日}；参会：{meeting.attendees}",
        )
        notify(
            event=f"supervision.meeting_scheduled:{meeting.pk}:{meeting_date.isoformat()}",
            kind="supervision.meeting_scheduled",
            recipients=unit_recipients(meeting.requested_by_unit),
            title=f"联席会议“{meeting.subject}”定于 {meeting_date:%Y年%m月%d日} 召开",
            body=meeting.attendees,
            url=reverse("supervision:meeting_detail", args=[meeting.pk]),
        )
    return meeting


def meeting_record_held(
    *,
    user: User,
    meeting: JointMeeting,
    meeting_date: dt.date | None,
    attendees: str,
    decisions: str,
    tasks: Iterable[TaskData] = (),
) -> JointMeeting:
    """V5: HRSS records the meeting as held — its date (not in the future), attendees, decisions, and the tasks it
    gave units (each deadline on or after the meeting date). Nothing is saved when anything is refused."""
    _require_hrss(user)
    errors: dict = {}
    if meeting_date is None:
        errors["meeting_date"] = "请填写会议日期"
    elif meeting_date > timezone.localdate():
        errors["meeting_date"] = "会议日期晚于今天：会议尚未召开，请先“安排会议”"
    if not (attendees or "").strip():
        errors["attendees"] = "请填写参会单位及人员"
    if not (decisions or "").strip():
        errors["decisions"] = "请填写会议决定"
    cleaned = _clean_tasks(errors, tasks, meeting_date)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        meeting = _lock(meeting, (MeetingStatus.REQUESTED, MeetingStatus.SCHEDULED), "记录召开")
        meeting.status = MeetingStatus.HELD
        meeting.meeting_date = meeting_date
        meeting.attendees = attendees.strip()
        meeting.decisions = decisions.strip()
        meeting.save(update_fields=["status", "meeting_date", "attendees", "decisions"])
        log_action(
            meeting,
            action="meeting.held",
            actor=user,
            note=meeting.decisions,
            data={"tasks": len(cleaned)},
        )
        _create_tasks(user, meeting, cleaned)
    return meeting


def meeting_task_add(
    *, user: User, meeting: JointMeeting, unit: Unit | None, content: str, deadline: dt.date | None
) -> MeetingTask:
    """HRSS adds a task to a held meeting (one at a time, from the meeting's page)."""
    _require_hrss(user)
    errors: dict = {}
    cleaned = _clean_tasks(
        errors, [TaskData(unit=unit, content=content, deadline=deadline)], meeting.meeting_date
    )
    if errors or not cleaned:
        # One task: its messages at their own fields.
        messages = errors.get("tasks") or ["请填写任务"]
        by_field = {}
        for m in messages:
            text = m.removeprefix("第1项任务：")
            field = "unit" if "单位" in text else "deadline" if "期限" in text else "content"
            by_field.setdefault(field, []).append(text)
        raise ValidationError(by_field)
    with transaction.atomic():
        meeting = _lock(meeting, (MeetingStatus.HELD,), "分派任务（会议尚未召开）")
        (task,) = _create_tasks(user, meeting, cleaned)
        log_action(meeting, action="meeting.task_added", actor=user, note=f"{task.unit.name}：{task.content}")
    return task


def meeting_decline(*, user: User, meeting: JointMeeting, reason: str) -> JointMeeting:
    """HRSS declines a request, with a reason (kept in the action log and shown on the meeting's page)."""
    from common.notifications import notify, unit_recipients

    _require_hrss(user)
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写不予召开的理由"})
    with transaction.atomic():
        meeting = _lock(meeting, (MeetingStatus.REQUESTED, MeetingStatus.SCHEDULED), "不予召开")
        meeting.status = MeetingStatus.DECLINED
        meeting.save(update_fields=["status"])
        log_action(meeting, action="meeting.declined", actor=user, note=reason.strip())
        notify(
            event=f"supervision.meeting_declined:{meeting.pk}",
            kind="supervision.meeting_declined",
            recipients=unit_recipients(meeting.requested_by_unit),
            title=f"联席会议提请“{meeting.subject}”不予召开",
            body=reason.strip(),
            url=reverse("supervision:meeting_detail", args=[meeting.pk]),
        )
    return meeting


def meeting_task_done(
    *, user: User, task: MeetingTask, note: str, done_on: dt.date | None = None
) -> MeetingTask:
    """V5: the task's unit records it done, with how (a note) and when (not in the future, not before the
    meeting)."""
    require_writer(user)
    if not may_complete_task(user, task):
        raise PermissionDenied("只有承办单位可以办结本单位的会议任务")
    today = timezone.localdate()
    done_on = done_on or today
    errors = {}
    if not (note or "").strip():
        errors["note"] = "请填写完成情况"
    if done_on > today:
        errors["done_on"] = "完成日期不能晚于今天"
    elif task.meeting.meeting_date and done_on < task.meeting.meeting_date:
        errors["done_on"] = "完成日期不能早于会议日期"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = MeetingTask.objects.select_for_update().select_related("meeting", "unit").get(pk=task.pk)
        if locked.done_on is not None:
            raise ValidationError({"__all__": f"该任务已于 {locked.done_on:%Y年%m月%d日} 办结"})
        locked.done_on = done_on
        locked.done_note = note.strip()
        locked.save(update_fields=["done_on", "done_note"])
        late = f"（逾期{(done_on - locked.deadline).days}天）" if done_on > locked.deadline else ""
        log_action(locked, action="meeting_task.done", actor=user, note=f"{locked.done_note}{late}")
    return locked


# --- the sweep (common.sweeps) -------------------------------------------------------------------------------


def _due(today: dt.date) -> QuerySet:
    # The partial index meeting_task_open_deadline (deadline WHERE done_on IS NULL) answers this.
    return MeetingTask.objects.filter(
        done_on__isnull=True, deadline__lt=today, overdue_notified_on__isnull=True
    )


def meeting_tasks_sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """V5: tell a task's unit and HRSS once when its deadline has passed (the day after it is due). One query on
    the partial index finds the due tasks; each is claimed in its own short transaction (SKIP LOCKED on
    PostgreSQL); the notification's unique event key and overdue_notified_on make it exactly once even when
    two sweeps run, and a stopped scheduler only delays it."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    overdue, _ = sweep_claim_each(
        _due(today),
        lambda task: _notify_overdue(task, today),
        order_by=("deadline", "pk"),
        related=("meeting", "unit"),
    )
    return {"overdue": overdue}


def _notify_overdue(task: MeetingTask, today: dt.date) -> int:
    from common.notifications import hrss_recipients, notify, unit_recipients

    days = (today - task.deadline).days
    notify(
        event=f"supervision.meeting_task_overdue:{task.pk}:{task.deadline.isoformat()}",
        kind="supervision.meeting_task_overdue",
        recipients=unit_recipients(task.unit) + hrss_recipients(),
        title=f"会议任务逾期：{task.unit.name}，期限 {task.deadline:%Y年%m月%d日}（已逾期{days}天）",
        body=f"联席会议“{task.meeting.subject}”：{task.content}",
        url=reverse("supervision:meeting_detail", args=[task.meeting_id]),
    )
    MeetingTask.objects.filter(pk=task.pk).update(overdue_notified_on=today)
    log_action(task, action="meeting_task.overdue_notified", actor=None, note=f"已逾期{days}天")
    return 1


def meeting_tasks_waiting(now: dt.datetime | None = None) -> int:
    return _due(timezone.localdate(now or timezone.now())).count()


# --- selectors ---------------------------------------------------------------------------------------------


def overdue_q(today: dt.date) -> Q:
    """A task overdue on `today` (the dashboard and the scorecards count with this too)."""
    return Q(done_on__isnull=True, deadline__lt=today)


def _annotate(qs: QuerySet, today: dt.date) -> QuerySet:
    return qs.annotate(is_overdue=ExpressionWrapper(overdue_q(today), output_field=BooleanField()))


def meeting_visible_to(user: User) -> QuerySet:
    """HRSS, leaders and admins see every meeting; a clerk the meetings their unit requested or has a task of."""
    qs = JointMeeting.objects.select_related("requested_by_unit", "requested_by")
    if sees_all_units(user):
        return qs
    if user is None or not user.is_authenticated or user.unit_id is None:
        return qs.none()
    mine = MeetingTask.objects.filter(unit_id=user.unit_id).values("meeting_id")
    return qs.filter(Q(requested_by_unit_id=user.unit_id) | Q(pk__in=mine))


def meeting_search(user: User, *, status: str = "", q: str = "", unit: Unit | int | None = None) -> QuerySet:
    qs = meeting_visible_to(user)
    if status:
        qs = qs.filter(status=status)
    if unit:
        qs = qs.filter(requested_by_unit_id=getattr(unit, "pk", unit))
    if q := (q or "").strip():
        qs = qs.filter(text_match(q, "subject", "decisions"))
    today = timezone.localdate()
    return qs.annotate(
        task_count=Count("tasks", distinct=True),
        open_tasks=Count("tasks", filter=Q(tasks__done_on__isnull=True), distinct=True),
        overdue_tasks=Count(
            "tasks", filter=Q(tasks__done_on__isnull=True, tasks__deadline__lt=today), distinct=True
        ),
    ).order_by("-requested_at", "-id")


def meeting_task_visible_to(user: User, *, today: dt.date | None = None) -> QuerySet:
    qs = MeetingTask.objects.select_related("meeting", "unit")
    return _annotate(visible_to(user, qs, unit_field="unit"), today or timezone.localdate())


def meeting_task_search(
    user: User,
    *,
    overdue: bool = False,
    unit: Unit | int | None = None,
    done: bool | None = None,
    q: str = "",
    meeting: JointMeeting | int | None = None,
    today: dt.date | None = None,
) -> QuerySet:
    """The task list's, its export's and the API's one filter (the dashboard links here with overdue=1, unit,
    done=0|1)."""
    today = today or timezone.localdate()
    qs = meeting_task_visible_to(user, today=today)
    if overdue:
        qs = qs.filter(overdue_q(today))
    if unit:
        qs = qs.filter(unit_id=getattr(unit, "pk", unit))
    if done is not None:
        qs = qs.filter(done_on__isnull=not done)
    if meeting:
        qs = qs.filter(meeting_id=getattr(meeting, "pk", meeting))
    if q := (q or "").strip():
        qs = qs.filter(text_match(q, "content", "meeting__subject"))
    return qs.order_by("deadline", "id")


def meeting_tasks_of(meeting: JointMeeting, *, today: dt.date | None = None) -> QuerySet:
    """A meeting's tasks, for whoever sees the meeting (its page)."""
    qs = MeetingTask.objects.filter(meeting=meeting).select_related("unit", "meeting")
    return _annotate(qs, today or timezone.localdate()).order_by("deadline", "id")


def meeting_tasks_todo(unit_id: int, *, today: dt.date | None = None) -> QuerySet:
    """The home page's 待办: a unit's open meeting tasks, soonest first, each with is_overdue."""
    qs = MeetingTask.objects.filter(unit_id=unit_id, done_on__isnull=True).select_related("meeting")
    return _annotate(qs, today or timezone.localdate()).order_by("deadline", "id")


def meeting_requests_waiting() -> QuerySet:
    """HRSS's 待办: requests not yet scheduled or declined."""
    return JointMeeting.objects.filter(status=MeetingStatus.REQUESTED).select_related("requested_by_unit")


# --- registration, demo --------------------------------------------------------------------------------------


def register() -> None:
    from common.audit import register_actions
    from common.notifications import register_notification_kinds
    from common.sweeps import register_sweep

    register_actions(ACTIONS)
    register_notification_kinds(NOTIFICATION_KINDS)
    register_sweep(
        SWEEP,
        label="联席会议任务逾期提醒（V5）",
        run=meeting_tasks_sweep,
        waiting=meeting_tasks_waiting,
        every=dt.timedelta(minutes=15),
        labels={"overdue": "逾期提醒"},
    )


def _backdate_logs(since_pk: int, when: dt.datetime) -> None:
    """The demo's story happened earlier: its action-log rows written since `since_pk` get the story's time."""
    from common.models import ActionLog

    ActionLog.objects.filter(pk__gt=since_pk).update(created_at=when)


def _last_log_pk() -> int:
    from common.models import ActionLog

    return ActionLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _story_time(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def seed_demo_records() -> None:
    """A held meeting with three tasks (one overdue, one done, one open) and one request waiting for HRSS.
    Idempotent: skipped when the demo meeting exists."""
    subject = "研究解决宏达市政拖欠雨污分流管网工程农民工工资问题"
    if JointMeeting.objects.filter(subject=subject).exists():
        return
    hrss = User.objects.filter(username="renshe").select_related("unit").first()
    zhujian = User.objects.filter(username="zhujian").select_related("unit").first()
    jiaotong = User.objects.filter(username="jiaotong").select_related("unit").first()
    if not (hrss and zhujian and jiaotong):
        return
    today = timezone.localdate()
    held_on = today - dt.timedelta(days=12)
    units = {
        u.name: u
        for u in Unit.objects.filter(name__in=["区住房城乡建设局", "区财政局（国资办）", "区交通运输局"])
    }
    finance = units.get("区财政局（国资办）") or hrss.unit
    mark = _last_log_pk()
    meeting = meeting_request(
        user=zhujian,
        subject=subject,
        reason="施工总承包单位拒不整改，四十余名农民工工资拖欠两个月，需人社、财政、住建联合研究垫付和追偿。",
    )
    # The demo's story happened earlier: the request, the meeting and the task are dated back (like clues.demo).
    requested_at = timezone.now() - dt.timedelta(days=16)
    JointMeeting.objects.filter(pk=meeting.pk).update(requested_at=requested_at)
    _backdate_logs(mark, requested_at)
    mark = _last_log_pk()
    meeting_record_held(
        user=hrss,
        meeting=meeting,
        meeting_date=held_on,
        attendees="区人社局 张华；区住房城乡建设局 王建国；区财政局 周会计；王封街道 刘主任",
        decisions="一、由应急周转金先行垫付拖欠工资；二、住建局督促总承包单位补足工资保证金；三、财政局核实工程款拨付进度。",
        tasks=[
            TaskData(
                unit=finance,
                content="核实工程款拨付进度，五日内报人社局",
                deadline=held_on + dt.timedelta(days=5),
            ),
            TaskData(
                unit=zhujian.unit,
                content="督促总承包单位补足农民工工资保证金并报送整改情况",
                deadline=held_on + dt.timedelta(days=7),
            ),
            TaskData(
                unit=hrss.unit,
                content="应急周转金垫付到位并建立追偿台账",
                deadline=today + dt.timedelta(days=10),
            ),
        ],
    )
    _backdate_logs(mark, _story_time(held_on, 17))
    mark = _last_log_pk()
    housing_task = meeting.tasks.get(unit=zhujian.unit)
    meeting_task_done(
        user=zhujian,
        task=housing_task,
        note="总承包单位已补足保证金32万元，整改报告已报送。",
        done_on=held_on + dt.timedelta(days=6),
    )
    _backdate_logs(mark, _story_time(held_on + dt.timedelta(days=6), 15))
    meeting_request(
        user=jiaotong,
        subject="乡村公路养护项目劳务分包欠薪协调",
        reason="府城街道乡村公路养护项目劳务分包单位九人工资未结，涉及交通、街道两家，请求召开联席会议协调。",
    )
