"""Demo projects so a first look at the ledger and the dashboards shows every state (P1, P2, P6)."""

import datetime as dt
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone
from stdnum.cn import uscc

from common.models import ActionLog, Unit, User
from common.workdays import add_working_days
from projects.models import Enterprise, Project
from projects.services import ProjectData, project_create, project_push


def demo_uscc(serial: int) -> str:
    base = f"91410803MA{serial:07d}"
    return base + uscc.calc_check_digit(base)


OWNERS = [
    ("焦作市中站区城市建设投资有限公司", 1),
    ("焦作经开区发展投资集团有限公司", 2),
    ("中站区李封街道经济发展服务中心", 3),
]
CONTRACTORS = [
    ("河南中豫建设工程有限公司", 11),
    ("焦作市路桥工程有限公司", 12),
    ("河南宏达市政工程有限公司", 13),
]

# name, unit, street, category, funding, trigger, days ago, state, amount(万元), owner, contractor
DEMO_PROJECTS = [
    (
        "中站区老旧小区改造（一期）",
        "区住房城乡建设局",
        "李封街道办事处",
        "housing",
        "special_bond",
        "industry_info",
        40,
        "on_time",
        "2860.50",
        0,
        0,
    ),
    (
        "王封片区雨污分流管网工程",
        "区住房城乡建设局",
        "王封街道办事处",
        "pipeline",
        "government",
        "industry_info",
        30,
        "late",
        "1520.00",
        0,
        2,
    ),
    (
        "府城遗址公园配套道路",
        "区住房城乡建设局",
        "府城街道办事处",
        "municipal",
        "ultra_long_bond",
        "industry_info",
        14,
        "overdue",
        "980.00",
        0,
        1,
    ),
    (
        "中站区第二实验学校综合楼",
        "区住房城乡建设局",
        "冯封街道办事处",
        "housing",
        "government",
        "industry_info",
        1,
        "pending",
        "4350.00",
        0,
        0,
    ),
    (
        "S233龙洞段改建工程",
        "区交通运输局",
        "龙洞街道办事处",
        "transport",
        "central_budget",
        "industry_info",
        25,
        "on_time",
        "6120.80",
        0,
        1,
    ),
    (
        "月山至丹河农村公路提升",
        "区交通运输局",
        "月山街道办事处",
        "transport",
        "government",
        "industry_info",
        20,
        "late",
        "735.20",
        0,
        1,
    ),
    (
        "朱村桥梁加固工程",
        "区交通运输局",
        "朱村街道办事处",
        "transport",
        "special_bond",
        "industry_info",
        12,
        "overdue",
        "310.00",
        0,
        2,
    ),
    (
        "李封街道办公楼内部装修",
        "李封街道办事处",
        "李封街道办事处",
        "decoration",
        "government",
        "street_self",
        10,
        "on_time",
        "86.40",
        2,
        2,
    ),
    (
        "李封村道路硬化工程",
        "李封街道办事处",
        "李封街道办事处",
        "municipal",
        "government",
        "street_self",
        8,
        "overdue",
        "45.00",
        2,
        1,
    ),
]


def _high_water() -> tuple[int, int, int, int]:
    """The newest ids of the rows a seeding step may write, so that exactly that step's rows are moved."""

    def top(qs, field: str = "pk") -> int:
        return qs.aggregate(top=Max(field))["top"] or 0

    return (
        top(ActionLog.objects),
        top(Enterprise.objects),
        top(Project.history, "history_id"),
        top(Enterprise.history, "history_id"),
    )


def _backdate(
    mark: tuple[int, int, int, int], when: dt.datetime, project: Project, *, registered: bool
) -> None:
    """The services stamp the real time; the demo's story happened earlier. Move what the last step wrote
    (the project's stamps, enterprises it registered, their diff rows and action-log entries: every row newer
    than `mark`) to `when`, so 登记, 推送时间 and the timeline read in the order they happened."""
    logs, enterprises, project_rows, enterprise_rows = mark
    ActionLog.objects.filter(pk__gt=logs).update(created_at=when)
    Enterprise.objects.filter(pk__gt=enterprises).update(created_at=when, updated_at=when)
    Project.history.filter(history_id__gt=project_rows).update(history_date=when)
    Enterprise.history.filter(history_id__gt=enterprise_rows).update(history_date=when)
    stamps = {"created_at": when, "updated_at": when} if registered else {"updated_at": when}
    Project.objects.filter(pk=project.pk).update(**stamps)


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def seed_projects() -> int:
    """The demo ledger as if each project had been registered on its trigger day (09:00) and pushed on its
    push day (10:30): every timestamp is in the past and in order (登记 ≤ 推送时间)."""
    now = timezone.now()
    today = timezone.localdate()
    units = {u.name: u for u in Unit.objects.all()}
    created = 0
    for (
        name,
        unit_name,
        street,
        category,
        funding,
        trigger,
        days_ago,
        state,
        amount,
        owner,
        contractor,
    ) in sorted(DEMO_PROJECTS, key=lambda row: -row[6]):  # oldest first: enterprises registered in order
        unit = units[unit_name]
        if Project.objects.filter(unit=unit, name=name).exists():
            continue
        clerk = User.objects.filter(unit=unit).first() or User.objects.get(username="admin")
        trigger_date = today - dt.timedelta(days=days_ago)
        planned_start = (
            trigger_date + dt.timedelta(days=5)
            if state == "overdue"
            else trigger_date + dt.timedelta(days=20)
        )
        data = ProjectData(
            name=name,
            street=units[street],
            category=category,
            funding_type=funding,
            trigger_type=trigger,
            trigger_date=trigger_date,
            bidder_unit=unit,
            unit_leader_name="周主任",
            unit_leader_phone="0391-2958100",
            owner_name=OWNERS[owner][0],
            owner_uscc=demo_uscc(OWNERS[owner][1]),
            owner_manager_name="孙工",
            owner_manager_phone="13903910001",
            contractor_name=CONTRACTORS[contractor][0],
            contractor_uscc=demo_uscc(CONTRACTORS[contractor][1]),
            contractor_manager_name="吴经理",
            contractor_manager_phone="13803910002",
            contract_total_wan=Decimal(amount),
            contract_signed_on=trigger_date,
            planned_start_on=planned_start,
            remarks="演示数据",
        )
        registered_at = min(_local(trigger_date, 9), now)
        pushed_at = None
        mark = _high_water()
        project = project_create(user=clerk, unit=unit, data=data, push=False)
        if state in ("on_time", "late"):
            deadline = project.push_deadline
            pushed_on = (
                deadline - dt.timedelta(days=1) if state == "on_time" else add_working_days(deadline, 3)
            )
            pushed_on = min(max(pushed_on, trigger_date), today)
            pushed_at = min(_local(pushed_on, 10, 30), now)
            registered_at = min(registered_at, pushed_at)
        _backdate(mark, registered_at, project, registered=True)
        if pushed_at is not None:
            mark = _high_water()
            project_push(user=clerk, project=project, at=pushed_at)
            _backdate(mark, pushed_at, project, registered=False)
        created += 1
    return created
