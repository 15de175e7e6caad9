"""Demo clues for seed_demo (issue 7 part 10): one clue at every C4 stage, from several channels (C1), one
linked repeat, one 信访局转办 petition on a late-pushed project (P6 accountability shows).

Everything goes through the services (as the demo users), which stamp the real time; the demo's story happened
earlier, so each clue's ladder timestamps and its action-log rows are then moved back in the same transaction,
and next_deadline_at is recomputed through clues.ladder so the sweep's index stays consistent (C3).
"""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from common.models import ActionLog, Unit, User
from projects.models import Project, ProjectStatus

from . import ladder
from .models import Channel, Clue, ClueProgress, ClueResult, ResultType
from .review import weekly_review_build
from .services import (
    clue_acknowledge,
    clue_confirm_closure,
    clue_dispatch,
    clue_link_repeat,
    clue_note_progress,
    clue_process_deadlines,
    clue_reassign,
    clue_register,
    clue_return,
    clue_submit_result,
)

# stage, channel, days before now it was received, complainant, phone, workers, amount, employer, street, facts
SCENARIOS = [
    ("registered", Channel.PLATFORM, 0.2, "刘振华", "13703912201", 8, "46500.00", "焦作市鑫盛劳务有限公司",
     "李封街道办事处", "八名钢筋工2026年10月工资未发放，经根治欠薪平台投诉"),
    ("dispatched", Channel.HOTLINE, 1.2, "孙桂兰", "13937201188", 5, "23800.00", "河南恒远建筑工程有限公司",
     "王封街道办事处", "电话反映：外墙保温班组五人11月上旬起工资未结"),
    ("acknowledged", Channel.VISIT_LETTER, 2.3, "马建设", "15993705566", 12, "98600.00",
     "焦作市中站区宏达装饰有限公司", "朱村街道办事处", "来访反映：装修班组十二人工资拖欠两个月"),
    ("in_progress", Channel.SUPERIOR, 4.5, "郭留柱", "13839106677", 20, "186000.00", "河南中原路桥建设有限公司",
     "冯封街道办事处", "市根治欠薪办交办：道路改造项目二十名农民工工资未付"),
    ("result_submitted", Channel.INSPECTION, 6.4, "王书勤", "18739102233", 6, "31200.00",
     "焦作市永安劳务服务有限公司", "龙洞街道办事处", "日常检查发现：工资专用账户未按月代发"),
    ("closed", Channel.ONLINE_OPINION, 9.3, "赵红梅", "13569107788", 15, "125000.00", "河南豫北建工集团有限公司",
     "月山街道办事处", "网络舆情：网帖反映安置房项目农民工讨薪"),
    ("returned", Channel.HOTLINE, 3.1, "李国强", "13303919090", 3, "15600.00", "焦作市丰泽物业服务有限公司",
     "丹河街道办事处", "电话反映：物业保洁人员三人工资拖欠，非工程建设领域"),
    ("reassigned", Channel.PLATFORM, 2.6, "张富贵", "15036918899", 9, "54000.00", "河南通衢交通工程有限公司",
     "府城街道办事处", "平台投诉：乡村公路养护班组九人工资未结"),
    # Issue 8: past the ladder's letter steps, so the first sweep writes them (C3 steps 3 and 4).
    ("dispatched", Channel.PLATFORM, 3.4, "陈立新", "13598712345", 7, "42300.00", "焦作市聚力劳务派遣有限公司",
     "许衡街道办事处", "平台投诉：七名木工2026年10月至11月工资未付；交办后责任单位未签收（第3日提醒函）"),
    ("acknowledged", Channel.HOTLINE, 4.6, "周秀英", "13782605511", 18, "156800.00", "河南鼎盛建设工程有限公司",
     "李封街道办事处", "电话反映：十八名农民工工资拖欠三个月；已签收但无进展（第4日通报）"),
    ("dispatched", Channel.SUPERIOR, 5.2, "韩德胜", "15839126677", 32, "268000.00", "焦作市宏图建筑劳务有限公司",
     "王封街道办事处", "市根治欠薪办转办：三十二名农民工集体讨薪；交办后未签收、无进展（提醒函和通报）"),
]  # fmt: skip

# Hours after receipt of each later step (registered, dispatched, acknowledged, progress, result, closed).
OFFSETS_H = {
    "registered": 0.3,
    "dispatched": 3,
    "acknowledged": 8,
    "progress": 30,
    "result": 60,
    "closed": 80,
}


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).select_related("unit").first()


def _unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def _dispatch(hrss, clue, unit, person="周主任", phone="13803910002"):
    reason = "" if clue.suggested_unit_id == unit.pk else "演示：按行业主管部门分办"
    return clue_dispatch(user=hrss, clue=clue, unit=unit, person=person, phone=phone, override_reason=reason)


class _Clock:
    """Moves the action-log rows written by each service call back to the story's time."""

    def __init__(self, clue_received: dt.datetime, now: dt.datetime):
        self.received, self.now = clue_received, now

    def at(self, step: str) -> dt.datetime:
        return min(self.received + dt.timedelta(hours=OFFSETS_H[step]), self.now)

    def run(self, step: str, fn, *args, **kwargs):
        mark = ActionLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        result = fn(*args, **kwargs)
        when = self.at(step)
        logs = ActionLog.objects.filter(pk__gt=mark)
        clue_logs = logs.filter(content_type=ContentType.objects.get_for_model(Clue)).exclude(history_id=None)
        # The linked diff rows too: the timeline would otherwise date each change at the seeding time.
        Clue.history.filter(history_id__in=list(clue_logs.values_list("history_id", flat=True))).update(
            history_date=when
        )
        logs.update(created_at=when)
        return result


def _backdate(clue: Clue, clock: _Clock) -> None:
    """Stamp the ladder fields from the story's clock and recompute the next deadline (C3) from them."""
    clue.refresh_from_db()
    fields = {"registered_at": clock.at("registered")}
    for field, step in (
        ("dispatched_at", "dispatched"),
        ("acknowledged_at", "acknowledged"),
        ("first_progress_at", "progress"),
        ("result_at", "result"),
        ("closed_at", "closed"),
    ):
        if getattr(clue, field) is not None:
            fields[field] = clock.at(step)
    for name, value in fields.items():
        setattr(clue, name, value)
    fields["next_deadline_at"] = ladder.next_deadline(clue)
    fields["sweep_at"] = ladder.next_sweep_at(clue, set())  # no letters yet: the demo's sweep writes them
    Clue.objects.filter(pk=clue.pk).update(**fields)
    for name, value in fields.items():  # each field has one story value; the diffs show it, not the real time
        if name not in ("next_deadline_at", "sweep_at"):
            Clue.history.filter(id=clue.pk, **{f"{name}__isnull": False}).update(**{name: value})
    ClueProgress.objects.filter(clue=clue).update(recorded_at=clock.at("progress"))
    ClueResult.objects.filter(clue=clue).update(submitted_at=clock.at("result"))
    ClueResult.objects.filter(clue=clue, confirmed_at__isnull=False).update(confirmed_at=clock.at("closed"))


@transaction.atomic
def seed_clues() -> int:
    """Idempotent: adds nothing once any clue exists. Returns the number of clues created."""
    hrss, petition_clerk = _user("renshe"), _user("xinfang")
    zhujian, jiaotong = _user("zhujian"), _user("jiaotong")
    if Clue.objects.exists() or None in (hrss, petition_clerk, zhujian, jiaotong):
        return 0
    now = timezone.now()
    created = []
    for stage, channel, days, name, phone, workers, amount, employer, street, facts in SCENARIOS:
        received = now - dt.timedelta(days=days)
        clock = _Clock(received, now)
        clue = clock.run(
            "registered", clue_register, user=hrss, channel=channel, received_at=received,
            complainant_name=name, complainant_phone=phone, workers_affected=workers, amount_owed=amount,
            street=_unit(street), employer_name=employer, description=facts,
        )  # fmt: skip
        created.append(clue)
        if stage == "registered":
            _backdate(clue, clock)
            continue
        target = jiaotong.unit if stage == "reassigned" else zhujian.unit
        first = zhujian.unit if stage == "reassigned" else target
        clock.run("dispatched", _dispatch, hrss, clue, first)
        if stage == "returned":
            clock.run(
                "acknowledged", clue_return, user=zhujian, clue=clue, reason="经核实不属工程建设领域，请改派"
            )
        elif stage == "reassigned":
            clock.run(
                "dispatched", clue_reassign, user=hrss, clue=clue, unit=target, person="何科长",
                phone="13803915566", reason="属交通运输领域，改派区交通运输局",
            )  # fmt: skip
        elif stage != "dispatched":
            clock.run("acknowledged", clue_acknowledge, user=zhujian, clue=clue, note="已签收，安排专人核查")
            if stage in ("in_progress", "result_submitted", "closed"):
                clock.run(
                    "progress", clue_note_progress, user=zhujian, clue=clue,
                    note="已约谈施工总承包单位，核对考勤和工资表",
                )  # fmt: skip
            if stage in ("result_submitted", "closed"):
                clock.run(
                    "result", clue_submit_result, user=zhujian, clue=clue, result_type=ResultType.WAGES_PAID,
                    amount_paid=amount, workers_paid=workers, evidence="工资代发银行流水及农民工签字确认表",
                )  # fmt: skip
            if stage == "closed":
                clock.run(
                    "closed", clue_confirm_closure, user=hrss, clue=clue, note="经回访核实，工资已足额支付"
                )
        _backdate(clue, clock)

    # Part 2: the same dispute called in again a day later — linked as a repeat of the platform clue.
    original = created[0]
    received = min(original.received_at + dt.timedelta(hours=2), now)
    clock = _Clock(received, now)
    repeat = clock.run(
        "registered", clue_register, user=hrss, channel=Channel.HOTLINE, received_at=received,
        complainant_name="刘振华", complainant_phone="13703912201", workers_affected=8, amount_owed="46500.00",
        street=original.street, employer_name=original.employer_name, description="再次来电催问工资发放进度",
    )  # fmt: skip
    clock.run("registered", clue_link_repeat, user=hrss, clue=repeat, original=original, note="同一欠薪事项")
    _backdate(repeat, clock)
    created.append(repeat)

    # P6 second half: a 信访局转办 petition on a late-pushed (or never-pushed) project flags its unit.
    late = Project.objects.filter(status=ProjectStatus.PUSHED, is_late=True).order_by("pk").first()
    if late is None:
        late = (
            Project.objects.filter(status=ProjectStatus.DRAFT, push_deadline__lt=timezone.localdate())
            .order_by("pk")
            .first()
        )
    if late is not None:
        received = now - dt.timedelta(days=1.5)
        clock = _Clock(received, now)
        petition = clock.run(
            "registered", clue_register, user=petition_clerk, channel=Channel.PETITION_BUREAU,
            received_at=received, complainant_name="杜长海", complainant_phone="13462911234",
            workers_affected=26, amount_owed="312000.00", project=late, employer_name="河南豫北建工集团有限公司",
            description=f"农民工到区信访局集体上访，反映{late.name}拖欠工资",
        )  # fmt: skip
        clock.run("dispatched", _dispatch, hrss, petition, late.unit)
        _backdate(petition, clock)
        created.append(petition)

    # Issue 8: the letters due by now, as the first beat would write them (the worker renders their PDFs), and the
    # latest Friday review (周调度), so a new user sees both on first start.
    clue_process_deadlines(now)
    weekly_review_build(now=now)
    return len(created)
