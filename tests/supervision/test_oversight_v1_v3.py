"""V1–V3 daily supervision (supervision.oversight): assignments and the periodic inspection clock (V1), joint
inspections, rectification orders, refusals and their penalties (V2), key monitoring, declarations and
delayed-payment reports (V3); the three sweeps; the pages and the API, scoped.

The clock: Tuesday 2026-09-15 10:00 Asia/Shanghai unless a test moves it; sweeps are called with `now` as beat
would call them then."""

import datetime as dt
import io
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from openpyxl import load_workbook
from rest_framework.routers import DefaultRouter
from rest_framework.test import APIClient

from clues.models import KeyMonitoring
from common.models import ActionLog, Notification, PolicyParameter, User
from common.sweeps import sweep_run
from supervision import api_oversight, oversight
from supervision.models import (
    BlacklistEntry,
    DelayedPaymentReport,
    Inspection,
    MonitoringDeclaration,
    PenaltyRecord,
    ProjectSupervisor,
    RectificationOrder,
)
from tests.clues.conftest import register as register_clue
from tests.clues.test_concurrency_c4_pg import _Thread, needs_postgresql
from tests.factories import create_project
from tests.helpers import at

# The API under a path of this module's own (the coordinator adds the same router lines to /api/).
_router = DefaultRouter()
_router.register("project-supervisors", api_oversight.ProjectSupervisorViewSet, basename="project-supervisor")
_router.register("inspections", api_oversight.InspectionViewSet, basename="inspection")
_router.register(
    "rectification-orders", api_oversight.RectificationOrderViewSet, basename="rectification-order"
)
_router.register("key-monitorings", api_oversight.KeyMonitoringViewSet, basename="key-monitoring")
_router.register("delay-reports", api_oversight.DelayReportViewSet, basename="delay-report")
urlpatterns = [path("api-oversight/", include(_router.urls)), path("", include("zhongzhan_wages.urls"))]

ALL_OK = {field: True for field in oversight.CHECKLIST_FIELDS}


@pytest.fixture
def now(time_machine):
    time_machine.move_to(at(2026, 9, 15), tick=False)
    return at(2026, 9, 15)


@pytest.fixture
def project(zhujian, units, now):
    """A pushed (under construction) project of 区住房城乡建设局."""
    return create_project(user=zhujian, street=units["李封街道办事处"], push=True, serial=1)


@pytest.fixture
def other_project(jiaotong, units, now):
    """A pushed project of 区交通运输局."""
    return create_project(user=jiaotong, street=units["王封街道办事处"], push=True, serial=2)


def _assign(user, project, **kw):
    values = dict(
        leader_name="李卫东",
        leader_title="副局长",
        responsible_person="赵晓峰",
        responsible_phone="13903911101",
    )
    values.update(kw)
    return oversight.supervisor_assign(user=user, project=project, **values)


def _inspect(user, project, *, failed=("allocation_ok",), kind="joint", units=(), day=None, **kw):
    checklist = dict(ALL_OK) | {field: False for field in failed}
    return oversight.inspection_record(
        user=user,
        project=project,
        kind=kind,
        inspected_on=day or dt.date(2026, 9, 15),
        inspectors="区人社局 张华、区住建局 王建国",
        units=units,
        checklist=checklist,
        findings="人工费用未按月拨付" if failed else "",
        **kw,
    )


def _order(user, inspection, *, deadline=dt.date(2026, 9, 25), **kw):
    return oversight.rectification_order_issue(
        user=user, inspection=inspection, content="按月足额拨付人工费用", deadline=deadline, **kw
    )


def _client(user) -> Client:
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(user)
    return c


def _events(prefix: str) -> list[str]:
    return list(Notification.objects.filter(event__startswith=prefix).values_list("event", flat=True))


# ------------------------------------------------------------------------------------------------------ V1


@pytest.mark.django_db
def test_v1_a_clerk_assigning_another_units_project_is_refused_and_nothing_saved(jiaotong, project):
    with pytest.raises(PermissionDenied) as e:
        _assign(jiaotong, project)
    assert "只能为本单位的在建项目分派" in str(e.value)
    assert not ProjectSupervisor.objects.exists()
    assert not ActionLog.objects.filter(action__startswith="oversight.").exists()


@pytest.mark.django_db
def test_v1_a_leader_assigns_nothing_and_hrss_assigns_any_units_project(leader, dispatcher, project):
    with pytest.raises(PermissionDenied):
        _assign(leader, project)
    supervisor = _assign(dispatcher, project)
    assert supervisor.next_inspection_due_on == dt.date(2026, 10, 15)  # 09-15 + V1.inspection_days (30)
    assert (
        ActionLog.objects.filter(action="oversight.supervisor_assigned", object_id=str(project.pk)).count()
        == 1
    )


@pytest.mark.django_db
def test_v1_a_draft_project_cannot_be_assigned_and_bad_input_is_refused_at_its_field(zhujian, units, now):
    draft = create_project(user=zhujian, street=units["李封街道办事处"], push=False, serial=3)
    with pytest.raises(ValidationError) as e:
        _assign(zhujian, draft)
    assert "推送后" in e.value.message_dict["__all__"][0]
    pushed = create_project(user=zhujian, street=units["李封街道办事处"], push=True, serial=4)
    with pytest.raises(ValidationError) as e:
        _assign(zhujian, pushed, leader_name=" ", responsible_phone="12")
    assert e.value.message_dict["leader_name"] == ["请填写包保领导"]
    assert "联系电话格式不正确" in e.value.message_dict["responsible_phone"][0]
    assert not ProjectSupervisor.objects.exists()


@pytest.mark.django_db
def test_v1_inspection_due_at_day_30_is_not_overdue_at_day_31_it_is_told_once(zhujian, project):
    _assign(zhujian, project)  # 2026-09-15: due 10-15
    assert oversight.inspections_sweep(at(2026, 10, 15, 23, 59)) == {"inspection_overdue": 0}
    assert oversight.inspections_waiting(at(2026, 10, 15, 23, 59)) == 0
    assert oversight.inspections_sweep(at(2026, 10, 16, 0, 1)) == {"inspection_overdue": 1}
    assert oversight.inspections_sweep(at(2026, 10, 16, 0, 16)) == {"inspection_overdue": 0}
    supervisor = ProjectSupervisor.objects.get()
    assert supervisor.overdue_notified_on == dt.date(2026, 10, 15)
    told = Notification.objects.get(event__startswith="oversight.inspection_overdue:")
    assert told.recipient == zhujian and "逾期未巡查" in told.title


@pytest.mark.django_db
def test_v1_each_inspection_moves_the_due_date_on_and_a_new_due_date_is_told_again(
    zhujian, project, time_machine
):
    _assign(zhujian, project)
    oversight.inspections_sweep(at(2026, 10, 16))  # told for 10-15
    time_machine.move_to(at(2026, 10, 17), tick=False)
    _inspect(zhujian, project, kind="routine", failed=(), day=dt.date(2026, 10, 17))
    assert ProjectSupervisor.objects.get().next_inspection_due_on == dt.date(2026, 11, 16)
    # A backdated inspection never moves the due date earlier.
    _inspect(zhujian, project, kind="routine", failed=(), day=dt.date(2026, 9, 20))
    assert ProjectSupervisor.objects.get().next_inspection_due_on == dt.date(2026, 11, 16)
    assert oversight.inspections_sweep(at(2026, 11, 16, 12)) == {"inspection_overdue": 0}
    assert oversight.inspections_sweep(at(2026, 11, 17, 9)) == {"inspection_overdue": 1}
    assert sorted(_events("oversight.inspection_overdue:")) == [
        f"oversight.inspection_overdue:{ProjectSupervisor.objects.get().pk}:2026-10-15",
        f"oversight.inspection_overdue:{ProjectSupervisor.objects.get().pk}:2026-11-16",
    ]


@pytest.mark.django_db
def test_v1_the_inspection_period_is_the_policy_parameter(zhujian, project):
    PolicyParameter.objects.filter(code="V1.inspection_days").update(value=Decimal(14))
    assert _assign(zhujian, project).next_inspection_due_on == dt.date(2026, 9, 29)


@pytest.mark.django_db
def test_v1_reassigning_people_keeps_the_due_date(zhujian, project, time_machine):
    _assign(zhujian, project)
    time_machine.move_to(at(2026, 10, 20), tick=False)
    supervisor = _assign(zhujian, project, responsible_person="钱文静")
    assert (supervisor.responsible_person, supervisor.next_inspection_due_on) == (
        "钱文静",
        dt.date(2026, 10, 15),
    )
    assert ActionLog.objects.filter(action="oversight.supervisor_changed").count() == 1


@pytest.mark.django_db
def test_v1_projects_without_an_assignment_are_listed_first(zhujian, units, project):
    second = create_project(user=zhujian, street=units["李封街道办事处"], push=True, serial=5)
    _assign(zhujian, project)
    assert list(oversight.projects_unassigned(zhujian)) == [second]
    rows = list(oversight.assignment_search(zhujian))
    assert [p.pk for p in rows] == [second.pk, project.pk]
    page = _client(zhujian).get("/supervision/oversight/assignments/?state=unassigned")
    assert page.status_code == 200 and "共 1 个项目" in page.content.decode()


# ------------------------------------------------------------------------------------------------------ V2


@pytest.mark.django_db
def test_v2_a_joint_inspection_needs_two_units_and_results_and_findings_for_a_failed_item(
    dispatcher, project
):
    with pytest.raises(ValidationError) as e:
        oversight.inspection_record(
            user=dispatcher,
            project=project,
            kind="joint",
            inspected_on=dt.date(2026, 9, 15),
            inspectors="张华",
            checklist={"allocation_ok": False},
        )
    errors = e.value.message_dict
    assert "两个及以上单位" in errors["units"][0]
    assert errors["findings"] == ["有不合格项时请填写发现的问题"]
    assert not Inspection.objects.exists()
    inspection = _inspect(dispatcher, project, units=[project.unit])
    assert set(inspection.units.values_list("pk", flat=True)) == {dispatcher.unit_id, project.unit_id}
    assert oversight.failed_items(inspection) == ["人工费用拨付"]


@pytest.mark.django_db
def test_v2_an_inspection_in_the_future_is_refused(zhujian, project):
    with pytest.raises(ValidationError) as e:
        _inspect(zhujian, project, kind="routine", day=dt.date(2026, 9, 16))
    assert e.value.message_dict["inspected_on"] == ["巡查日期不能晚于今天"]


@pytest.mark.django_db
def test_v2_a_rectification_deadline_in_the_past_is_refused_today_is_accepted(zhujian, project):
    inspection = _inspect(zhujian, project, kind="routine")
    with pytest.raises(ValidationError) as e:
        _order(zhujian, inspection, deadline=dt.date(2026, 9, 14))
    assert e.value.message_dict["deadline"] == ["整改期限不能早于今天（2026-09-15）"]
    assert not RectificationOrder.objects.exists()
    order = _order(zhujian, inspection, deadline=dt.date(2026, 9, 15))
    assert (order.enterprise, order.unit, order.status) == (project.contractor, project.unit, "open")


@pytest.mark.django_db
def test_v2_an_order_needs_a_failed_item_and_its_project_unit(zhujian, jiaotong, project):
    clean = _inspect(zhujian, project, kind="routine", failed=())
    with pytest.raises(ValidationError) as e:
        _order(zhujian, clean)
    assert e.value.message_dict["__all__"] == ["本次巡查没有不合格项，无需责令整改"]
    failed = _inspect(zhujian, project, kind="routine")
    with pytest.raises(PermissionDenied):
        _order(jiaotong, failed)
    assert not RectificationOrder.objects.exists()


@pytest.mark.django_db
def test_v2_hrss_issuing_an_order_tells_the_supervising_unit(dispatcher, zhujian, project):
    order = _order(dispatcher, _inspect(dispatcher, project, units=[project.unit]))
    told = Notification.objects.get(event=f"oversight.order_issued:{order.pk}")
    assert told.recipient == zhujian


@pytest.mark.django_db
def test_v2_closing_needs_what_was_done_by_the_orders_unit_or_hrss_once(zhujian, jiaotong, leader, project):
    order = _order(zhujian, _inspect(zhujian, project, kind="routine"))
    with pytest.raises(ValidationError) as e:
        oversight.rectification_order_close(user=zhujian, order=order, note="  ")
    assert e.value.message_dict["note"] == ["请填写整改情况"]
    for other in (jiaotong, leader):
        with pytest.raises(PermissionDenied):
            oversight.rectification_order_close(user=other, order=order, note="已整改")
    order = oversight.rectification_order_close(user=zhujian, order=order, note="已拨付，凭证已提交")
    assert (order.status, order.closed_on, order.closed_note) == (
        "done",
        dt.date(2026, 9, 15),
        "已拨付，凭证已提交",
    )
    with pytest.raises(ValidationError) as e:
        oversight.rectification_order_close(user=zhujian, order=order, note="再次")
    assert "已整改" in e.value.message_dict["__all__"][0]


@pytest.mark.django_db
def test_v2_refusal_records_the_penalty_and_a_negative_fine_saves_nothing(dispatcher, zhujian, project):
    order = _order(zhujian, _inspect(zhujian, project, kind="routine"))
    with pytest.raises(ValidationError) as e:
        oversight.rectification_order_refuse(
            user=zhujian, order=order, note="拒不拨付", measure="罚款", amount="-1"
        )
    assert e.value.message_dict["amount"] == ["罚款金额不能为负数"]
    order.refresh_from_db()
    assert order.status == "open" and not PenaltyRecord.objects.exists()

    outcome = oversight.rectification_order_refuse(
        user=zhujian,
        order=order,
        note="逾期仍未拨付人工费",
        measure="责令改正并处罚款",
        amount="20000",
        basis="《保障农民工工资支付条例》第五十五条",
    )
    assert outcome.order.status == "refused" and outcome.blacklist_entry is None
    penalty = PenaltyRecord.objects.get()
    assert (penalty.order, penalty.enterprise, penalty.amount, penalty.measure) == (
        order,
        project.contractor,
        Decimal("20000.00"),
        "责令改正并处罚款",
    )
    assert not BlacklistEntry.objects.exists()


@pytest.mark.django_db
def test_v2_a_ticked_refusal_proposes_the_enterprise_for_the_blacklist(zhujian, project):
    order = _order(zhujian, _inspect(zhujian, project, kind="routine"))
    outcome = oversight.rectification_order_refuse(
        user=zhujian, order=order, note="拒不整改", measure="约谈", propose_blacklist=True
    )
    entry = BlacklistEntry.objects.get()
    assert outcome.blacklist_entry == entry and outcome.blacklist_new
    assert (entry.status, entry.enterprise, entry.proposed_by_order) == (
        "proposed",
        project.contractor,
        order,
    )
    assert "拒不整改" in entry.details


@pytest.mark.django_db
def test_v2_an_overdue_order_is_told_to_its_unit_and_hrss_once_even_when_swept_twice(
    dispatcher, zhujian, project
):
    order = _order(zhujian, _inspect(zhujian, project, kind="routine"), deadline=dt.date(2026, 9, 25))
    assert oversight.rectifications_sweep(at(2026, 9, 25, 23, 59)) == {"order_overdue": 0}
    assert sweep_run("supervision.rectifications", now=at(2026, 9, 26, 0, 5)).counts == {"order_overdue": 1}
    assert sweep_run("supervision.rectifications", now=at(2026, 9, 26, 0, 20)).counts == {}
    recipients = set(
        Notification.objects.filter(event=f"oversight.order_overdue:{order.pk}").values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {zhujian.pk, dispatcher.pk}
    order.refresh_from_db()
    assert order.overdue_notified_on == dt.date(2026, 9, 26)
    # A closed order is never told.
    closed = _order(zhujian, _inspect(zhujian, project, kind="routine"), deadline=dt.date(2026, 9, 20))
    oversight.rectification_order_close(user=zhujian, order=closed, note="已整改")
    assert oversight.rectifications_sweep(at(2026, 9, 27)) == {"order_overdue": 0}


# ------------------------------------------------------------------------------------------------------ V3


@pytest.fixture
def monitoring(dispatcher, units, now):
    clue = register_clue(dispatcher, units, employer_name="焦作某某劳务有限公司")
    return KeyMonitoring.objects.create(
        employer_name="焦作某某劳务有限公司", clue=clue, since=dt.date(2026, 9, 15)
    )


@pytest.mark.django_db
def test_v3_removal_is_hrss_s_and_needs_a_reason(dispatcher, zhujian, monitoring):
    with pytest.raises(PermissionDenied):
        oversight.monitoring_remove(user=zhujian, monitoring=monitoring, reason="已整改")
    with pytest.raises(ValidationError) as e:
        oversight.monitoring_remove(user=dispatcher, monitoring=monitoring, reason="  ")
    assert e.value.message_dict["reason"] == ["请填写解除重点监控的理由"]
    monitoring.refresh_from_db()
    assert monitoring.is_active and monitoring.removed_on is None
    oversight.monitoring_remove(user=dispatcher, monitoring=monitoring, reason="连续按时申报，无欠薪")
    monitoring.refresh_from_db()
    assert (
        monitoring.is_active,
        monitoring.removed_on,
        monitoring.removal_reason,
        monitoring.removed_by,
    ) == (
        False,
        dt.date(2026, 9, 15),
        "连续按时申报，无欠薪",
        dispatcher,
    )


@pytest.mark.django_db
def test_v3_declaration_due_edges_and_the_sweep_tells_hrss_once(dispatcher, monitoring, time_machine):
    # The sweep initialises the due date: since 09-15 + 1 month = 10-15.
    assert oversight.declarations_sweep(at(2026, 9, 15, 12)) == {"initialised": 1, "declaration_overdue": 0}
    monitoring.refresh_from_db()
    assert monitoring.declaration_due_on == dt.date(2026, 10, 15)
    assert oversight.declarations_sweep(at(2026, 10, 15, 23, 59))["declaration_overdue"] == 0
    assert oversight.declarations_sweep(at(2026, 10, 16, 0, 1))["declaration_overdue"] == 1
    assert oversight.declarations_sweep(at(2026, 10, 16, 0, 16))["declaration_overdue"] == 0
    assert (
        Notification.objects.get(event__startswith="oversight.declaration_overdue:").recipient == dispatcher
    )
    # Declaring October: the next period (November) is due by its last day.
    time_machine.move_to(at(2026, 10, 20), tick=False)
    oversight.monitoring_declare(
        user=dispatcher, monitoring=monitoring, period=dt.date(2026, 10, 1), workers=18, wages_paid="156800"
    )
    monitoring.refresh_from_db()
    assert monitoring.declaration_due_on == dt.date(2026, 11, 30)
    assert oversight.declarations_sweep(at(2026, 11, 30, 23, 59))["declaration_overdue"] == 0
    assert oversight.declarations_sweep(at(2026, 12, 1, 0, 1))["declaration_overdue"] == 1
    assert len(_events("oversight.declaration_overdue:")) == 2


@pytest.mark.django_db
def test_v3_one_declaration_per_month_not_in_the_future_amounts_not_negative(dispatcher, monitoring):
    with pytest.raises(ValidationError) as e:
        oversight.monitoring_declare(
            user=dispatcher, monitoring=monitoring, period=dt.date(2026, 10, 1), workers=1, wages_paid="-5"
        )
    assert e.value.message_dict == {
        "period": ["申报月份不能晚于本月"],
        "wages_paid": ["当期发放工资不能为负数"],
    }
    oversight.monitoring_declare(
        user=dispatcher, monitoring=monitoring, period=dt.date(2026, 9, 1), workers=1, wages_paid="100"
    )
    with pytest.raises(ValidationError) as e:
        oversight.monitoring_declare(
            user=dispatcher, monitoring=monitoring, period=dt.date(2026, 9, 10), workers=1, wages_paid="100"
        )
    assert e.value.message_dict == {"period": ["2026年09月已申报"]}
    assert MonitoringDeclaration.objects.count() == 1


@pytest.mark.django_db
def test_v3_a_delay_report_is_filed_in_advance(dispatcher, zhujian, project):
    values = dict(
        enterprise=project.contractor, reason="工程款未到账", workers=20, amount="100000", project=project
    )
    with pytest.raises(ValidationError) as e:
        oversight.delay_report_file(
            user=dispatcher, normal_pay_day=dt.date(2026, 9, 14), pay_by=dt.date(2026, 9, 30), **values
        )
    assert "原定支付日前" in e.value.message_dict["normal_pay_day"][0]
    with pytest.raises(ValidationError) as e:
        oversight.delay_report_file(
            user=dispatcher, normal_pay_day=dt.date(2026, 9, 20), pay_by=dt.date(2026, 9, 19), **values
        )
    assert e.value.message_dict == {"pay_by": ["承诺支付日不能早于原定支付日"]}
    assert not DelayedPaymentReport.objects.exists()
    # Due today is still in advance; a clerk of the project's unit may file it, and HRSS is told.
    report = oversight.delay_report_file(
        user=zhujian, normal_pay_day=dt.date(2026, 9, 15), pay_by=dt.date(2026, 9, 30), **values
    )
    assert report.reported_on == dt.date(2026, 9, 15)
    assert Notification.objects.get(event=f"oversight.delay_reported:{report.pk}").recipient == dispatcher


@pytest.mark.django_db
def test_the_three_sweeps_are_registered_and_each_tells_once_when_run_twice(
    dispatcher, zhujian, project, monitoring
):
    _assign(zhujian, project)
    _order(zhujian, _inspect(zhujian, project, kind="routine"), deadline=dt.date(2026, 9, 20))
    later = at(2026, 11, 1)
    for name in ("supervision.inspections", "supervision.rectifications", "supervision.declarations"):
        first = sweep_run(name, now=later)
        again = sweep_run(name, now=later)
        assert first.ok and again.ok and sum(first.counts.values()) >= 1, name
        assert again.counts == {} and again.waiting == 0, name
    assert Notification.objects.filter(event__startswith="oversight.").values("event").distinct().count() == 3


# -------------------------------------------------------------------------------------------- pages, scope


@pytest.fixture
def orders(dispatcher, zhujian, jiaotong, project, other_project, time_machine):
    """住建: open overdue, open in time, done, refused; 交通: open overdue. Seen on 2026-09-30."""
    mine = _inspect(zhujian, project, kind="routine", failed=("allocation_ok", "real_name_ok"))
    theirs = _inspect(jiaotong, other_project, kind="routine")
    made = {
        "overdue": _order(zhujian, mine, deadline=dt.date(2026, 9, 20)),
        "open": _order(zhujian, mine, deadline=dt.date(2026, 10, 30)),
        "done": _order(zhujian, mine),
        "refused": _order(zhujian, mine),
        "other": _order(jiaotong, theirs, deadline=dt.date(2026, 9, 20)),
    }
    oversight.rectification_order_close(user=zhujian, order=made["done"], note="已整改")
    oversight.rectification_order_refuse(user=zhujian, order=made["refused"], note="拒不整改", measure="罚款")
    time_machine.move_to(at(2026, 9, 30), tick=False)
    return made


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, expected",
    [
        ("", 5),
        ("?status=open", 3),
        ("?status=done", 1),
        ("?status=refused", 1),
        ("?overdue=1", 2),
        ("?overdue=1&unit={zhujian}", 1),
        ("?status=open&unit={jiaotong}", 1),
    ],
)
def test_the_order_list_counts_what_its_filters_select(dispatcher, units, orders, query, expected):
    query = query.format(zhujian=units["区住房城乡建设局"].pk, jiaotong=units["区交通运输局"].pk)
    page = _client(dispatcher).get("/supervision/oversight/orders/" + query)
    assert page.status_code == 200
    assert f"共 {expected} 件" in page.content.decode()


@pytest.mark.django_db
def test_a_clerk_sees_only_own_unit_orders(jiaotong, orders):
    c = _client(jiaotong)
    page = c.get("/supervision/oversight/orders/")
    assert "共 1 件" in page.content.decode()
    assert list(oversight.order_search(jiaotong)) == [orders["other"]]
    assert c.get(f"/supervision/oversight/orders/{orders['overdue'].pk}/").status_code == 404
    # The dashboard's ?unit= link of another unit finds nothing for this clerk.
    assert (
        "共 0 件"
        in c.get(f"/supervision/oversight/orders/?unit={orders['overdue'].unit_id}").content.decode()
    )


@pytest.mark.django_db
def test_the_order_export_lists_the_filtered_orders(dispatcher, orders):
    response = _client(dispatcher).get("/supervision/oversight/orders/export/?overdue=1")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 2 and all(row[8] == "是" for row in rows)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_the_lists_query_counts_do_not_grow_with_their_rows(dispatcher, zhujian, units, project, monitoring):
    c = _client(dispatcher)
    urls = [
        "/supervision/oversight/assignments/",
        "/supervision/oversight/inspections/",
        "/supervision/oversight/orders/",
        "/supervision/oversight/monitoring/",
        "/supervision/oversight/delays/",
    ]

    def add(serial):
        p = create_project(user=zhujian, street=units["李封街道办事处"], push=True, serial=serial)
        _assign(zhujian, p)
        _order(zhujian, _inspect(zhujian, p, kind="routine"))
        oversight.delay_report_file(
            user=dispatcher,
            enterprise=p.contractor,
            project=p,
            reason="困难",
            workers=3,
            amount="1000",
            normal_pay_day=dt.date(2026, 9, 20),
            pay_by=dt.date(2026, 9, 25),
        )
        clue = register_clue(dispatcher, units, employer_name=f"劳务公司{serial}")
        KeyMonitoring.objects.create(employer_name=f"劳务公司{serial}", clue=clue, since=dt.date(2026, 9, 1))

    add(10)
    before = [_queries(c, url) for url in urls]
    for serial in range(11, 15):
        add(serial)
    assert [_queries(c, url) for url in urls] == before


@pytest.mark.django_db
def test_the_pages_assign_inspect_order_and_show_the_refusal_in_chinese(zhujian, project):
    c = _client(zhujian)
    response = c.post(
        f"/supervision/oversight/projects/{project.pk}/assign/",
        {"leader_name": "李卫东", "responsible_person": "赵晓峰", "responsible_phone": "13903911101"},
    )
    assert response.status_code == 302 and ProjectSupervisor.objects.get().leader_name == "李卫东"
    form = {"kind": "routine", "inspected_on": "2026-09-15", "inspectors": "赵晓峰", "findings": "未设告示牌"}
    form |= {field: "1" for field in oversight.CHECKLIST_FIELDS} | {"notice_board_ok": "0"}
    response = c.post(f"/supervision/oversight/projects/{project.pk}/inspections/new/", form)
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and inspection.notice_board_ok is False
    response = c.post(
        f"/supervision/oversight/inspections/{inspection.pk}/orders/new/",
        {"enterprise": project.contractor_id, "content": "设置告示牌", "deadline": "2026-09-01"},
    )
    assert response.status_code == 400
    assert "整改期限不能早于今天" in response.content.decode() and not RectificationOrder.objects.exists()
    page = c.get(project.get_absolute_url()).content.decode()
    assert "包保责任与巡查" in page and "李卫东" in page


@pytest.mark.django_db
def test_a_clerk_cannot_open_another_units_assignment_page(jiaotong, project):
    assert _client(jiaotong).get(f"/supervision/oversight/projects/{project.pk}/assign/").status_code == 404


@pytest.mark.django_db
def test_the_monitoring_list_filters_overdue_declarations(dispatcher, monitoring, time_machine):
    oversight.declarations_sweep(at(2026, 9, 15, 12))
    c = _client(dispatcher)
    assert "共 0 家" in c.get("/supervision/oversight/monitoring/?overdue=1").content.decode()
    time_machine.move_to(at(2026, 10, 16), tick=False)
    c = _client(dispatcher)  # a new login: the session idled out over the month
    assert "共 1 家" in c.get("/supervision/oversight/monitoring/?overdue=1").content.decode()
    response = c.post(f"/supervision/oversight/monitoring/{monitoring.pk}/remove/", {"remove-reason": ""})
    assert response.status_code == 400 and "请填写解除重点监控的理由" in response.content.decode()
    assert KeyMonitoring.objects.get().is_active


# ---------------------------------------------------------------------------------------------------- API


@pytest.fixture
def api_as():
    def make(user) -> APIClient:
        client = APIClient(HTTP_HOST="127.0.0.1")
        client.force_authenticate(user)
        return client

    return make


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_api_is_scoped_and_refuses_in_chinese(api_as, dispatcher, zhujian, jiaotong, orders):
    listed = api_as(jiaotong).get("/api-oversight/rectification-orders/")
    assert [o["id"] for o in listed.json()["results"]] == [orders["other"].pk]
    overdue = api_as(dispatcher).get("/api-oversight/rectification-orders/", {"overdue": "1"})
    assert overdue.json()["count"] == 2
    assert (
        api_as(jiaotong).get(f"/api-oversight/rectification-orders/{orders['open'].pk}/").status_code == 404
    )
    inspection = orders["open"].inspection
    refused = api_as(zhujian).post(
        "/api-oversight/rectification-orders/",
        {"inspection": inspection.pk, "content": "整改", "deadline": "2026-09-01"},
        format="json",
    )
    assert refused.status_code == 400 and "整改期限不能早于今天" in refused.json()["errors"]["deadline"][0]
    done = api_as(zhujian).post(
        f"/api-oversight/rectification-orders/{orders['open'].pk}/refuse/",
        {"note": "拒不整改", "measure": "罚款", "amount": "5000"},
        format="json",
    )
    assert done.status_code == 200 and done.json()["status"] == "refused"
    assert done.json()["penalties"][0]["amount"] == "5000.00"
    other = api_as(jiaotong).post(
        "/api-oversight/project-supervisors/",
        {
            "project": orders["open"].project_id,
            "leader_name": "甲",
            "responsible_person": "乙",
            "responsible_phone": "13903911101",
        },
        format="json",
    )
    assert (
        other.status_code == 400 and not ProjectSupervisor.objects.exists()
    )  # not visible to 交通: 400 at project
    assigned = api_as(zhujian).post(
        "/api-oversight/project-supervisors/",
        {
            "project": orders["open"].project_id,
            "leader_name": "甲",
            "responsible_person": "乙",
            "responsible_phone": "13903911101",
        },
        format="json",
    )
    assert assigned.status_code == 201 and assigned.json()["next_inspection_due_on"] == "2026-10-30"


# ------------------------------------------------------------------------------------- PostgreSQL: two sweeps


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_rectification_sweeps_at_once_tell_each_order_once(units, zhujian, dispatcher, time_machine):
    time_machine.move_to(at(2026, 9, 15, 9), tick=True)
    project = create_project(user=zhujian, street=units["李封街道办事处"], push=True, serial=1)
    inspection = _inspect(zhujian, project, kind="routine")
    orders = [_order(zhujian, inspection, deadline=dt.date(2026, 9, 20)) for _ in range(8)]
    barrier = threading.Barrier(2)

    def sweep():
        barrier.wait(10)
        return oversight.rectifications_sweep(at(2026, 9, 22))

    threads = [_Thread(sweep), _Thread(sweep)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [t.error for t in threads] == [None, None]
    assert sum(t.result["order_overdue"] for t in threads) == 8
    for order in orders:
        told = Notification.objects.filter(event=f"oversight.order_overdue:{order.pk}")
        assert sorted(told.values_list("recipient", flat=True)) == sorted([zhujian.pk, dispatcher.pk])
    assert ActionLog.objects.filter(action="oversight.order_overdue_notified").count() == 8


# ------------------------------------------------------------------------------------------------ demo data


@pytest.mark.django_db
def test_the_demo_shows_each_v1_v3_state(time_machine):
    from django.core.management import call_command

    time_machine.move_to(at(2026, 12, 1, 9), tick=False)
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    today = dt.date(2026, 12, 1)
    assert ProjectSupervisor.objects.count() >= 3
    assert oversight.projects_unassigned(User.objects.get(username="renshe")).count() == 1
    joint = Inspection.objects.get(kind="joint")
    assert oversight.failed_items(joint)
    assert RectificationOrder.objects.filter(oversight.order_overdue_q(today), inspection=joint).count() == 1
    assert RectificationOrder.objects.filter(status="done", inspection=joint).count() == 1
    assert KeyMonitoring.objects.filter(oversight.monitoring_overdue_q(today)).count() == 1
    assert DelayedPaymentReport.objects.count() == 1
    assert ProjectSupervisor.objects.filter(next_inspection_due_on__lt=today).count() >= 1
    assert not ActionLog.objects.filter(
        action__startswith="oversight.", created_at__gt=at(2026, 12, 1, 9)
    ).exists()
