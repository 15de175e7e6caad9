"""V5 联席会议: any unit requests, HRSS convenes and records the decisions and the tasks; each task's deadline is
tracked like the clues' (overdue the day after it is due, swept once), shown in the unit's 待办, and done only
by its own unit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import include, path, reverse
from rest_framework.routers import DefaultRouter
from rest_framework.test import APIClient

from common.models import Notification
from common.sweeps import sweep_run
from supervision import meetings
from supervision.api_meetings import JointMeetingViewSet, MeetingTaskViewSet
from supervision.meetings import TaskData
from supervision.models import JointMeeting, MeetingTask
from tests.helpers import at
from zhongzhan_wages.urls import urlpatterns as site_urlpatterns

router = DefaultRouter()
router.register("meetings", JointMeetingViewSet, basename="meeting")
router.register("meeting-tasks", MeetingTaskViewSet, basename="meeting-task")
urlpatterns = [path("api-v5/", include(router.urls)), *site_urlpatterns]

pytestmark = pytest.mark.urls(__name__)

MEETING_DAY = dt.date(2026, 10, 12)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(at(2026, 10, 12, 9), tick=False)
    return time_machine


@pytest.fixture
def held(clock, zhujian, jiaotong, dispatcher, units):
    """住建局 requested; HRSS held it on 10-12 with a task for 住建 (due 10-15) and one for 交通 (due 10-20)."""
    meeting = meetings.meeting_request(
        user=zhujian, subject="宏达市政欠薪协调", reason="四十人工资拖欠两个月"
    )
    meetings.meeting_record_held(
        user=dispatcher,
        meeting=meeting,
        meeting_date=MEETING_DAY,
        attendees="人社、住建、交通",
        decisions="先行垫付，限期整改",
        tasks=[
            TaskData(
                unit=units["区住房城乡建设局"], content="督促补足保证金", deadline=dt.date(2026, 10, 15)
            ),
            TaskData(unit=units["区交通运输局"], content="核实拨付进度", deadline=dt.date(2026, 10, 20)),
        ],
    )
    meeting.refresh_from_db()
    return meeting


def task_of(meeting, unit_name):
    return meeting.tasks.get(unit__name=unit_name)


# --- the lifecycle -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_v5_a_clerk_requests_and_hrss_is_told(clock, zhujian, dispatcher):
    meeting = meetings.meeting_request(user=zhujian, subject="议题", reason="事由")
    assert (meeting.status, meeting.requested_by_unit_id) == ("requested", zhujian.unit_id)
    told = Notification.objects.filter(event=f"supervision.meeting_requested:{meeting.pk}")
    assert list(told.values_list("recipient", flat=True)) == [dispatcher.pk]
    with pytest.raises(ValidationError) as refused:
        meetings.meeting_request(user=zhujian, subject="", reason="")
    assert set(refused.value.message_dict) == {"subject", "reason"}


@pytest.mark.django_db
def test_v5_hrss_schedules_then_declines_with_a_reason(clock, zhujian, dispatcher):
    meeting = meetings.meeting_request(user=zhujian, subject="议题", reason="事由")
    with pytest.raises(ValidationError) as refused:
        meetings.meeting_schedule(
            user=dispatcher, meeting=meeting, meeting_date=dt.date(2026, 10, 11), attendees="x"
        )
    assert "不能早于今天" in refused.value.message_dict["meeting_date"][0]
    meetings.meeting_schedule(
        user=dispatcher, meeting=meeting, meeting_date=dt.date(2026, 10, 16), attendees="人社、住建"
    )
    meeting.refresh_from_db()
    assert (meeting.status, meeting.meeting_date) == ("scheduled", dt.date(2026, 10, 16))
    with pytest.raises(ValidationError) as refused:
        meetings.meeting_decline(user=dispatcher, meeting=meeting, reason="")
    assert refused.value.message_dict["reason"] == ["请填写不予召开的理由"]
    meetings.meeting_decline(user=dispatcher, meeting=meeting, reason="已由街道协调解决")
    meeting.refresh_from_db()
    assert meeting.status == "declined"


@pytest.mark.django_db
def test_v5_a_task_deadline_before_the_meeting_is_refused_and_nothing_is_saved(
    clock, zhujian, dispatcher, units
):
    meeting = meetings.meeting_request(user=zhujian, subject="议题", reason="事由")
    with pytest.raises(ValidationError) as refused:
        meetings.meeting_record_held(
            user=dispatcher,
            meeting=meeting,
            meeting_date=MEETING_DAY,
            attendees="人社、住建",
            decisions="限期整改",
            tasks=[
                TaskData(
                    unit=units["区住房城乡建设局"], content="a", deadline=MEETING_DAY
                ),  # same day: allowed
                TaskData(
                    unit=units["区交通运输局"], content="b", deadline=MEETING_DAY - dt.timedelta(days=1)
                ),
            ],
        )
    assert refused.value.message_dict["tasks"] == ["第2项任务：完成期限不能早于会议日期（2026年10月12日）"]
    meeting.refresh_from_db()
    assert meeting.status == "requested" and not MeetingTask.objects.exists()


@pytest.mark.django_db
def test_v5_meeting_page_refuses_a_task_before_the_meeting(client, clock, zhujian, dispatcher, units):
    meeting = meetings.meeting_request(user=zhujian, subject="议题", reason="事由")
    client.force_login(dispatcher)
    data = {
        "held-meeting_date": "2026-10-12",
        "held-attendees": "人社、住建",
        "held-decisions": "限期整改",
        "tasks-TOTAL_FORMS": "2",
        "tasks-INITIAL_FORMS": "0",
        "tasks-0-unit": units["区交通运输局"].pk,
        "tasks-0-content": "核实",
        "tasks-0-deadline": "2026-10-11",
        "tasks-1-unit": "",
        "tasks-1-content": "",
        "tasks-1-deadline": "",
    }
    page = client.post(reverse("supervision:meeting_act", args=[meeting.pk, "held"]), data)
    assert page.status_code == 400
    assert "完成期限不能早于会议日期" in page.content.decode()
    assert not MeetingTask.objects.exists()
    data["tasks-0-deadline"] = "2026-10-19"
    done = client.post(reverse("supervision:meeting_act", args=[meeting.pk, "held"]), data)
    assert done.status_code == 302
    assert list(MeetingTask.objects.values_list("unit__name", "deadline")) == [
        ("区交通运输局", dt.date(2026, 10, 19))
    ]


# --- overdue: the edge and the sweep -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_v5_due_today_is_not_overdue_yesterday_is(clock, held):
    task = task_of(held, "区住房城乡建设局")  # due 10-15
    assert not MeetingTask.objects.filter(meetings.overdue_q(dt.date(2026, 10, 15)), pk=task.pk).exists()
    assert MeetingTask.objects.filter(meetings.overdue_q(dt.date(2026, 10, 16)), pk=task.pk).exists()
    todo = list(meetings.meeting_tasks_todo(task.unit_id, today=dt.date(2026, 10, 15)))
    assert [(t.pk, t.is_overdue) for t in todo] == [(task.pk, False)]
    todo = list(meetings.meeting_tasks_todo(task.unit_id, today=dt.date(2026, 10, 16)))
    assert [(t.pk, t.is_overdue) for t in todo] == [(task.pk, True)]


@pytest.mark.django_db
def test_v5_task_list_overdue_filter_follows_the_edge(client, clock, held, dispatcher, units):
    url = reverse("supervision:meeting_task_list")
    clock.move_to(at(2026, 10, 15, 23, 59), tick=False)
    client.force_login(dispatcher)
    assert client.get(url, {"overdue": "1"}).context["page"].paginator.count == 0
    clock.move_to(at(2026, 10, 16, 0, 1), tick=False)
    page = client.get(url, {"overdue": "1", "unit": units["区住房城乡建设局"].pk, "done": "0"})
    assert [t.content for t in page.context["page"].object_list] == ["督促补足保证金"]
    assert (
        client.get(url, {"overdue": "1", "unit": units["区交通运输局"].pk}).context["page"].paginator.count
        == 0
    )
    assert client.get(url, {"done": "1"}).context["page"].paginator.count == 0


@pytest.mark.django_db
def test_v5_sweep_notifies_the_unit_and_hrss_once_when_run_twice(clock, held, zhujian, dispatcher, jiaotong):
    task = task_of(held, "区住房城乡建设局")
    event = f"supervision.meeting_task_overdue:{task.pk}:2026-10-15"
    assert sweep_run("supervision.meeting_tasks", now=at(2026, 10, 15, 23, 59)).counts == {}  # due today
    assert not Notification.objects.filter(event=event).exists()
    first = sweep_run("supervision.meeting_tasks", now=at(2026, 10, 16, 0, 5))
    second = sweep_run("supervision.meeting_tasks", now=at(2026, 10, 16, 0, 20))
    assert (first.counts, second.counts, second.waiting) == ({"overdue": 1}, {}, 0)
    told = set(Notification.objects.filter(event=event).values_list("recipient", flat=True))
    assert told == {zhujian.pk, dispatcher.pk}  # the task's unit and HRSS, not 交通
    task.refresh_from_db()
    assert task.overdue_notified_on == dt.date(2026, 10, 16)


@pytest.mark.django_db
def test_v5_a_task_done_before_its_deadline_is_never_swept(clock, held, zhujian):
    task = task_of(held, "区住房城乡建设局")
    meetings.meeting_task_done(user=zhujian, task=task, note="已补足保证金")
    assert meetings.meeting_tasks_waiting(at(2026, 10, 30)) == 1  # only 交通's task
    sweep_run("supervision.meeting_tasks", now=at(2026, 10, 30))
    assert not Notification.objects.filter(
        event__startswith=f"supervision.meeting_task_overdue:{task.pk}:"
    ).exists()


# --- who may -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_v5_a_clerk_cannot_mark_another_units_task_done(client, clock, held, zhujian, jiaotong):
    other = task_of(held, "区交通运输局")
    with pytest.raises(PermissionDenied):
        meetings.meeting_task_done(user=zhujian, task=other, note="代为办结")
    client.force_login(zhujian)
    page = client.post(
        reverse("supervision:meeting_task_done", args=[other.pk]), {f"done-{other.pk}-note": "x"}
    )
    assert page.status_code == 404  # another unit's task is not even visible
    api = APIClient()
    api.force_authenticate(zhujian)
    assert (
        api.post(f"/api-v5/meeting-tasks/{other.pk}/done/", {"note": "x"}, format="json").status_code == 404
    )
    other.refresh_from_db()
    assert other.done_on is None
    own = task_of(held, "区住房城乡建设局")
    done = client.post(
        reverse("supervision:meeting_task_done", args=[own.pk]),
        {f"done-{own.pk}-note": "已补足", f"done-{own.pk}-done_on": "2026-10-12"},
    )
    assert done.status_code == 302
    own.refresh_from_db()
    assert (own.done_on, own.done_note) == (dt.date(2026, 10, 12), "已补足")


@pytest.mark.django_db
def test_v5_hrss_cannot_complete_a_units_task_on_its_behalf(clock, held, dispatcher):
    with pytest.raises(PermissionDenied):
        meetings.meeting_task_done(user=dispatcher, task=task_of(held, "区交通运输局"), note="x")


@pytest.mark.django_db
def test_v5_only_hrss_convenes(clock, zhujian, jiaotong):
    meeting = meetings.meeting_request(user=zhujian, subject="议题", reason="事由")
    with pytest.raises(PermissionDenied):
        meetings.meeting_schedule(
            user=zhujian, meeting=meeting, meeting_date=dt.date(2026, 10, 20), attendees="x"
        )
    with pytest.raises(PermissionDenied):
        meetings.meeting_decline(user=jiaotong, meeting=meeting, reason="x")


@pytest.mark.django_db
def test_v5_leaders_cannot_write(client, clock, held, leader):
    task = task_of(held, "区住房城乡建设局")
    with pytest.raises(PermissionDenied):
        meetings.meeting_request(user=leader, subject="议题", reason="事由")
    with pytest.raises(PermissionDenied):
        meetings.meeting_task_done(user=leader, task=task, note="x")
    client.force_login(leader)
    assert client.get(reverse("supervision:meeting_create")).status_code == 403
    assert client.post(reverse("supervision:meeting_task_done", args=[task.pk]), {}).status_code == 403
    assert client.post(reverse("supervision:meeting_act", args=[held.pk, "task"]), {}).status_code == 403
    api = APIClient()
    api.force_authenticate(leader)
    assert api.post("/api-v5/meetings/", {"subject": "a", "reason": "b"}, format="json").status_code == 403
    assert client.get(reverse("supervision:meeting_detail", args=[held.pk])).status_code == 200  # reads
    assert JointMeeting.objects.count() == 1


@pytest.mark.django_db
def test_v5_a_clerk_sees_own_units_meetings_and_tasks_only(client, clock, held, jiaotong, street_clerk):
    client.force_login(street_clerk)
    assert client.get(reverse("supervision:meeting_detail", args=[held.pk])).status_code == 404
    assert client.get(reverse("supervision:meeting_task_list")).context["page"].paginator.count == 0
    client.force_login(jiaotong)  # has a task at the meeting
    assert client.get(reverse("supervision:meeting_detail", args=[held.pk])).status_code == 200
    tasks = client.get(reverse("supervision:meeting_task_list")).context["page"].object_list
    assert [t.unit.name for t in tasks] == ["区交通运输局"]


# --- the API -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_v5_api_request_hold_and_list_overdue(clock, zhujian, dispatcher, units):
    api = APIClient()
    api.force_authenticate(zhujian)
    made = api.post("/api-v5/meetings/", {"subject": "议题", "reason": "事由"}, format="json")
    assert made.status_code == 201
    pk = made.json()["id"]
    api.force_authenticate(dispatcher)
    bad = api.post(
        f"/api-v5/meetings/{pk}/held/",
        {
            "meeting_date": "2026-10-12",
            "attendees": "人社",
            "decisions": "决定",
            "tasks": [{"unit": units["区住房城乡建设局"].pk, "content": "x", "deadline": "2026-10-01"}],
        },
        format="json",
    )
    assert bad.status_code == 400 and "完成期限不能早于会议日期" in bad.json()["errors"]["tasks"][0]
    ok = api.post(
        f"/api-v5/meetings/{pk}/held/",
        {
            "meeting_date": "2026-10-12",
            "attendees": "人社",
            "decisions": "决定",
            "tasks": [{"unit": units["区住房城乡建设局"].pk, "content": "x", "deadline": "2026-10-13"}],
        },
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "held" and len(ok.json()["tasks"]) == 1
    clock.move_to(at(2026, 10, 14), tick=False)
    overdue = api.get("/api-v5/meeting-tasks/", {"overdue": "1"}).json()
    assert [(t["content"], t["is_overdue"]) for t in overdue["results"]] == [("x", True)]


@pytest.mark.django_db
def test_v5_home_todo_partial_lists_the_units_open_tasks_soonest_first(
    rf, clock, held, zhujian, dispatcher, units
):
    from django.template.loader import render_to_string

    sooner = meetings.meeting_task_add(
        user=dispatcher,
        meeting=held,
        unit=units["区住房城乡建设局"],
        content="报送整改台账",
        deadline=MEETING_DAY,
    )
    today = dt.date(2026, 10, 13)
    todo = list(meetings.meeting_tasks_todo(zhujian.unit_id, today=today))
    assert [(t.content, t.is_overdue) for t in todo] == [(sooner.content, True), ("督促补足保证金", False)]
    html = render_to_string(
        "supervision/meetings/_todo.html", {"meeting_tasks_todo": todo, "today": today}, request=rf.get("/")
    )
    assert "报送整改台账" in html and "已逾期" in html
    assert "核实拨付进度" not in html  # 交通's task is not 住建's


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="两个巡检同时认领需要 PostgreSQL（SQLite 上 select_for_update 不起作用）",
)
@pytest.mark.django_db(transaction=True)
def test_v5_two_sweeps_at_once_tell_each_overdue_task_once_on_postgresql(units, time_machine):
    """Two beats at the same moment: SKIP LOCKED splits the due tasks, the unique event key guards the rest."""
    import threading

    from tests.clues.test_concurrency_c4_pg import _Thread
    from tests.factories import UserFactory

    time_machine.move_to(at(2026, 10, 12, 9), tick=True)
    hrss = UserFactory(username="renshe_mt", unit=units["区人力资源社会保障局"], role="dispatcher")
    clerk = UserFactory(username="zhujian_mt", unit=units["区住房城乡建设局"], role="clerk")
    meeting = meetings.meeting_request(user=clerk, subject="议题", reason="事由")
    meetings.meeting_record_held(
        user=hrss,
        meeting=meeting,
        meeting_date=MEETING_DAY,
        attendees="人社、住建",
        decisions="限期整改",
        tasks=[TaskData(unit=clerk.unit, content=f"任务{n}", deadline=MEETING_DAY) for n in range(10)],
    )
    barrier = threading.Barrier(2)

    def sweep():
        barrier.wait(10)
        return meetings.meeting_tasks_sweep(at(2026, 10, 13, 0, 5))

    threads = [_Thread(sweep), _Thread(sweep)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [t.error for t in threads] == [None, None]
    assert sum(t.result["overdue"] for t in threads) == 10
    told = Notification.objects.filter(kind="supervision.meeting_task_overdue")
    assert told.count() == 20  # each of 10 tasks: the unit's clerk and HRSS, once
    assert not MeetingTask.objects.filter(overdue_notified_on__isnull=True).exists()
