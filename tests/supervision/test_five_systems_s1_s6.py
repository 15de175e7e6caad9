"""S1–S6 (五制) per pushed project: each rule at its edge, bad input refused with nothing saved, unit scoping, the
sweep "supervision.five_systems" telling once, the list supervision:five_list counting what the checklist says, and
the API. A project signed 2026-09-01, planned to start 2026-10-15, pushed 2026-09-02 unless told."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from rest_framework.routers import DefaultRouter

from common.models import ActionLog, Notification, PolicyParameter
from supervision import five_systems as five
from supervision.api_five_systems import FiveSystemsViewSet
from supervision.models import (
    LabourCostAllocation,
    ProjectCompliance,
    RealNameRecord,
    RightsTraining,
    SubcontractorPayroll,
    WageAccount,
)
from tests.factories import create_project
from tests.helpers import at
from zhongzhan_wages.urls import urlpatterns as site_urlpatterns

# The API under test, mounted beside the site (the coordinator registers it in zhongzhan_wages/api_urls.py).
_router = DefaultRouter()
_router.register("five-systems", FiveSystemsViewSet, basename="five-system")
urlpatterns = [path("api-five/", include(_router.urls)), *site_urlpatterns]

D = dt.date


def item(project, code, today):
    return next(i for i in five.five_systems_checklist(project, today) if i.code == code)


def state(project, code, today) -> str:
    return item(project, code, today).state


@pytest.fixture
def project(zhujian, units, time_machine):
    time_machine.move_to(at(2026, 9, 2, 10), tick=False)
    return create_project(
        user=zhujian,
        street=units["李封街道办事处"],
        push=True,
        contract_signed_on=D(2026, 9, 1),
        planned_start_on=D(2026, 10, 15),
    )


def records_count() -> int:
    return sum(
        m.objects.count()
        for m in (
            LabourCostAllocation,
            SubcontractorPayroll,
            WageAccount,
            RealNameRecord,
            RightsTraining,
        )
    )


# ------------------------------------------------------------------------------------------ month arithmetic


def test_s1_month_arithmetic_clamps_to_the_end_of_the_month():
    assert five.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert five.add_months(D(2028, 1, 31), 1) == D(2028, 2, 29)
    assert five.add_months(D(2026, 3, 31), 1) == D(2026, 4, 30)
    assert five.add_months(D(2026, 10, 20), 1) == D(2026, 11, 20)
    assert five.add_months(D(2026, 12, 15), 1) == D(2027, 1, 15)
    assert five.add_months(D(2026, 3, 31), -1) == D(2026, 2, 28)


# ------------------------------------------------------------------------------------------------------ S1


@pytest.mark.django_db
def test_s1_without_a_startup_allocation_red_from_the_planned_start_day(project):
    assert state(project, "S1", D(2026, 10, 10)) == "green"
    assert state(project, "S1", D(2026, 10, 14)) == "yellow"  # the day before the start: still in time
    red = item(project, "S1", D(2026, 10, 15))
    assert red.state == "red" and "2026-10-15 已到" in red.reason and "首笔人工费" in red.reason


@pytest.mark.django_db
def test_s1_one_month_is_in_time_one_month_and_a_day_is_red(project, zhujian, time_machine):
    time_machine.move_to(at(2026, 10, 20), tick=False)
    five.allocation_record(
        project=project, actor=zhujian, allocated_on=D(2026, 10, 10), amount="50000", is_startup=True
    )
    five.allocation_record(project=project, actor=zhujian, allocated_on=D(2026, 10, 20), amount="80000.50")
    assert state(project, "S1", D(2026, 11, 16)) == "green"
    assert state(project, "S1", D(2026, 11, 20)) == "yellow"  # exactly one month: due today
    red = item(project, "S1", D(2026, 11, 21))  # one month and a day
    assert red.state == "red"
    assert red.reason == "距上次拨付已超过1个月（上次 2026-10-20）"
    assert ProjectCompliance.objects.get(project=project).allocation_due_on == D(2026, 11, 20)


@pytest.mark.django_db
def test_s1_an_allocation_on_january_31_is_due_on_february_28(zhujian, units, time_machine):
    time_machine.move_to(at(2025, 12, 2), tick=False)
    p = create_project(
        user=zhujian,
        street=units["李封街道办事处"],
        push=True,
        trigger_date=D(2025, 12, 1),
        contract_signed_on=D(2025, 12, 1),
        planned_start_on=D(2026, 1, 5),
    )
    time_machine.move_to(at(2026, 1, 31), tick=False)
    five.allocation_record(
        project=p, actor=zhujian, allocated_on=D(2026, 1, 2), amount="1000", is_startup=True
    )
    five.allocation_record(project=p, actor=zhujian, allocated_on=D(2026, 1, 31), amount="1000")
    assert item(p, "S1", D(2026, 2, 28)).due_on == D(2026, 2, 28)
    assert state(p, "S1", D(2026, 2, 28)) != "red"
    assert state(p, "S1", D(2026, 3, 1)) == "red"


@pytest.mark.django_db
def test_s1_the_cycle_counts_from_the_start_when_the_startup_money_came_earlier(
    project, zhujian, time_machine
):
    time_machine.move_to(at(2026, 9, 20), tick=False)
    five.allocation_record(
        project=project, actor=zhujian, allocated_on=D(2026, 9, 20), amount="1000", is_startup=True
    )
    assert item(project, "S1", D(2026, 10, 30)).due_on == D(2026, 11, 15)
    assert state(project, "S1", D(2026, 11, 16)) == "red"


@pytest.mark.django_db
def test_s1_a_startup_allocation_after_the_planned_start_is_refused_at_its_date(
    project, zhujian, time_machine
):
    time_machine.move_to(at(2026, 10, 20), tick=False)
    with pytest.raises(ValidationError) as e:
        five.allocation_record(
            project=project, actor=zhujian, allocated_on=D(2026, 10, 16), amount="1000", is_startup=True
        )
    assert "计划开工日期（2026-10-15）" in e.value.message_dict["allocated_on"][0]
    assert records_count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["-100", "0", "abc", "12.345"])
def test_s1_a_negative_zero_or_malformed_amount_saves_nothing(project, zhujian, amount):
    with pytest.raises(ValidationError) as e:
        five.allocation_record(project=project, actor=zhujian, allocated_on=D(2026, 9, 2), amount=amount)
    assert list(e.value.message_dict) == ["amount"]
    assert records_count() == 0
    assert not ActionLog.objects.filter(action__startswith="five.").exists()
    assert not ProjectCompliance.objects.exists()


@pytest.mark.django_db
def test_s1_dates_in_the_future_or_before_the_contract_are_refused(project, zhujian):
    with pytest.raises(ValidationError) as e:
        five.allocation_record(project=project, actor=zhujian, allocated_on=D(2026, 9, 3), amount="1")
    assert e.value.message_dict["allocated_on"] == ["拨付日期不能晚于今天"]
    with pytest.raises(ValidationError) as e:
        five.allocation_record(project=project, actor=zhujian, allocated_on=D(2026, 8, 31), amount="1")
    assert "不能早于合同签订日期（2026-09-01）" in e.value.message_dict["allocated_on"][0]
    assert records_count() == 0


# ------------------------------------------------------------------------------------------------------ S3


@pytest.mark.django_db
def test_s3_day_30_after_signing_is_in_time_day_31_is_red(project):
    assert item(project, "S3", D(2026, 9, 27)).state == "green"
    day_30 = item(project, "S3", D(2026, 10, 1))
    assert day_30.state == "yellow" and day_30.due_on == D(2026, 10, 1)
    day_31 = item(project, "S3", D(2026, 10, 2))
    assert day_31.state == "red" and "未开立农民工工资专用账户" in day_31.reason and "30日" in day_31.reason


@pytest.mark.django_db
def test_s3_filing_day_30_after_opening_is_in_time_day_31_is_red(project, zhujian, time_machine):
    time_machine.move_to(at(2026, 9, 10), tick=False)
    five.wage_account_save(
        project=project, actor=zhujian, bank_name="中国建设银行焦作中站支行", account_number="41050170880000001",
        opened_on=D(2026, 9, 10),
    )  # fmt: skip
    assert state(project, "S3", D(2026, 10, 10)) == "yellow"
    assert state(project, "S3", D(2026, 10, 11)) == "red"
    assert ProjectCompliance.objects.get(project=project).account_filing_due_on == D(2026, 10, 10)
    time_machine.move_to(at(2026, 10, 12), tick=False)
    five.wage_account_save(
        project=project, actor=zhujian, bank_name="中国建设银行焦作中站支行", account_number="41050170880000001",
        opened_on=D(2026, 9, 10), filed_on=D(2026, 10, 12),
    )  # fmt: skip
    late = item(project, "S3", D(2026, 10, 12))
    assert late.state == "green" and "晚于期限2天" in late.reason
    assert WageAccount.objects.count() == 1


@pytest.mark.django_db
def test_s3_an_account_opened_before_the_contract_is_refused_at_opened_on(project, zhujian):
    with pytest.raises(ValidationError) as e:
        five.wage_account_save(
            project=project, actor=zhujian, bank_name="中国银行", account_number="41050170880000001",
            opened_on=D(2026, 8, 30),
        )  # fmt: skip
    assert "开户日期不能早于合同签订日期（2026-09-01）" in e.value.message_dict["opened_on"][0]
    assert not WageAccount.objects.exists() and not ProjectCompliance.objects.exists()
    with pytest.raises(ValidationError) as e:
        five.wage_account_save(
            project=project, actor=zhujian, bank_name="中国银行", account_number="4105", opened_on=D(2026, 9, 2),
            filed_on=D(2026, 9, 1),
        )  # fmt: skip
    assert set(e.value.message_dict) == {"account_number", "filed_on"}
    assert not WageAccount.objects.exists()


# ------------------------------------------------------------------------------------------------- S2 and S4


@pytest.mark.django_db
def test_s2_october_payroll_is_due_on_november_15_red_on_the_16th(project, zhujian, time_machine):
    assert state(project, "S2", D(2026, 10, 31)) == "green"
    on_15 = item(project, "S2", D(2026, 11, 15))
    assert on_15.state == "yellow" and on_15.due_on == D(2026, 11, 15)
    on_16 = item(project, "S2", D(2026, 11, 16))
    assert on_16.state == "red" and on_16.reason == "未登记 2026-10 工资代发（应于 2026-11-15 前）"
    time_machine.move_to(at(2026, 11, 16), tick=False)
    five.payroll_record(
        project=project, actor=zhujian, month=D(2026, 10, 1), subcontractor_name="焦作市恒信劳务有限公司",
        workers="12", amount="86000", paid_on=D(2026, 11, 16), proof="DF20261116",
    )  # fmt: skip
    assert state(project, "S2", D(2026, 11, 16)) == "green"


@pytest.mark.django_db
def test_s2_a_recorded_payroll_unpaid_after_its_pay_day_is_red(project, zhujian, time_machine):
    time_machine.move_to(at(2026, 11, 5), tick=False)
    five.payroll_record(
        project=project,
        actor=zhujian,
        month=D(2026, 10, 1),
        subcontractor_name="甲劳务",
        workers=5,
        amount="9000",
    )
    assert state(project, "S2", D(2026, 11, 15)) == "yellow"
    red = item(project, "S2", D(2026, 11, 16))
    assert red.state == "red" and "甲劳务 2026-10 工资逾期未代发" in red.reason


@pytest.mark.django_db
def test_s2_the_pay_day_is_a_policy_parameter(project):
    PolicyParameter.objects.filter(code="S2.pay_day").update(value=Decimal(10))
    assert state(project, "S2", D(2026, 11, 10)) == "yellow"
    assert state(project, "S2", D(2026, 11, 11)) == "red"


@pytest.mark.django_db
def test_s2_bad_payroll_input_saves_nothing(project, zhujian, time_machine):
    time_machine.move_to(at(2026, 11, 5), tick=False)
    with pytest.raises(ValidationError) as e:
        five.payroll_record(
            project=project, actor=zhujian, month=D(2026, 12, 1), subcontractor_name="", workers="-3",
            amount="-1", paid_on=D(2026, 11, 6), bank_confirmed_on=D(2026, 11, 1),
        )  # fmt: skip
    assert {"month", "subcontractor_name", "workers", "amount", "paid_on"} <= set(e.value.message_dict)
    assert records_count() == 0
    five.payroll_record(
        project=project,
        actor=zhujian,
        month=D(2026, 10, 9),
        subcontractor_name="甲劳务",
        workers=5,
        amount="9000",
    )
    with pytest.raises(ValidationError) as e:  # once per month and subcontractor
        five.payroll_record(
            project=project,
            actor=zhujian,
            month=D(2026, 10, 1),
            subcontractor_name="甲劳务",
            workers=5,
            amount="1",
        )
    assert "已登记" in e.value.message_dict["subcontractor_name"][0]
    assert SubcontractorPayroll.objects.get().month == D(2026, 10, 1)


@pytest.mark.django_db
def test_s4_bank_confirmation_due_5_days_after_payment_and_withheld_cards_red(project, zhujian, time_machine):
    time_machine.move_to(at(2026, 11, 10), tick=False)
    payroll = five.payroll_record(
        project=project, actor=zhujian, month=D(2026, 10, 1), subcontractor_name="甲劳务", workers=5,
        amount="9000", paid_on=D(2026, 11, 10), proof="DF1",
    )  # fmt: skip
    assert state(project, "S4", D(2026, 11, 14)) == "yellow"
    assert item(project, "S4", D(2026, 11, 15)).due_on == D(2026, 11, 15)
    assert state(project, "S4", D(2026, 11, 16)) == "red"
    five.payroll_update(
        payroll=payroll, actor=zhujian, paid_on=D(2026, 11, 10), proof="DF1", bank_confirmed_on=D(2026, 11, 10),
        wage_cards_withheld=True,
    )  # fmt: skip
    withheld = item(project, "S4", D(2026, 11, 10))
    assert withheld.state == "red" and "扣押农民工工资卡" in withheld.reason
    five.payroll_update(
        payroll=payroll, actor=zhujian, paid_on=D(2026, 11, 10), proof="DF1", bank_confirmed_on=D(2026, 11, 10),
        wage_cards_withheld=False,
    )  # fmt: skip
    assert state(project, "S4", D(2026, 11, 30)) == "green"
    with pytest.raises(ValidationError) as e:
        five.payroll_update(
            payroll=payroll, actor=zhujian, paid_on=D(2026, 11, 10), proof="", bank_confirmed_on=D(2026, 11, 9),
            wage_cards_withheld=False,
        )  # fmt: skip
    assert set(e.value.message_dict) == {"proof", "bank_confirmed_on"}
    payroll.refresh_from_db()
    assert payroll.proof == "DF1"


# ------------------------------------------------------------------------------------------------- S5 and S6


@pytest.mark.django_db
def test_s5_fewer_registered_than_contracted_or_no_manager_is_red(project, zhujian):
    assert state(project, "S5", D(2026, 10, 1)) == "green"  # before the start: in time
    assert state(project, "S5", D(2026, 10, 15)) == "red"  # started, nothing recorded
    five.real_name_save(
        project=project, actor=zhujian, labour_contracts=40, registered_workers=38, labour_manager_name="郭晓燕",
        attendance_ledger=True, wage_ledger=True,
    )  # fmt: skip
    red = item(project, "S5", D(2026, 9, 2))
    assert red.state == "red" and "2人未登记" in red.reason
    five.real_name_save(
        project=project, actor=zhujian, labour_contracts=40, registered_workers=40, labour_manager_name="",
        attendance_ledger=True, wage_ledger=True,
    )  # fmt: skip
    no_manager = item(project, "S5", D(2026, 10, 15))
    assert no_manager.state == "red" and "劳资专管员" in no_manager.reason
    five.real_name_save(
        project=project, actor=zhujian, labour_contracts=40, registered_workers=40, labour_manager_name="郭晓燕",
        attendance_ledger=True, wage_ledger=True,
    )  # fmt: skip
    assert state(project, "S5", D(2026, 10, 15)) == "green"
    with pytest.raises(ValidationError) as e:
        five.real_name_save(
            project=project,
            actor=zhujian,
            labour_contracts=-1,
            registered_workers="x",
            labour_manager_name="郭",
        )
    assert set(e.value.message_dict) == {"labour_contracts", "registered_workers"}
    assert RealNameRecord.objects.get().labour_contracts == 40


@pytest.mark.django_db
def test_s6_training_day_30_after_the_start_in_time_day_31_red(project, zhujian, time_machine):
    assert item(project, "S6", D(2026, 11, 14)).state == "yellow"
    assert item(project, "S6", D(2026, 11, 14)).due_on == D(2026, 11, 14)
    assert state(project, "S6", D(2026, 11, 15)) == "red"
    PolicyParameter.objects.filter(code="S6.training_days").update(value=Decimal(40))
    assert state(project, "S6", D(2026, 11, 15)) == "green"
    time_machine.move_to(at(2026, 10, 20), tick=False)
    with pytest.raises(ValidationError) as e:
        five.training_record(project=project, actor=zhujian, held_on=D(2026, 10, 18), attendees=0)
    assert list(e.value.message_dict) == ["attendees"]
    five.training_record(
        project=project, actor=zhujian, held_on=D(2026, 10, 18), attendees=45, trainer="区劳动保障维权中心"
    )
    assert state(project, "S6", D(2027, 3, 1)) == "green"


# ----------------------------------------------------------------------------------------------------- access


@pytest.mark.django_db
def test_a_clerk_of_another_unit_and_a_leader_are_refused(project, jiaotong, leader, dispatcher, client):
    with pytest.raises(PermissionDenied):
        five.allocation_record(project=project, actor=jiaotong, allocated_on=D(2026, 9, 2), amount="1")
    with pytest.raises(PermissionDenied, match="只读"):
        five.training_record(project=project, actor=leader, held_on=D(2026, 9, 2), attendees=3)
    assert records_count() == 0
    url = reverse("supervision:five_record", args=[project.pk, "allocation"])
    client.force_login(jiaotong)
    assert client.get(reverse("supervision:five_project", args=[project.pk])).status_code == 404
    data = {"allocation-allocated_on": "2026-09-02", "allocation-amount": "100"}
    assert client.post(url, data).status_code == 404
    client.force_login(leader)
    assert client.post(url, data).status_code == 403
    assert records_count() == 0
    # HRSS records for any unit.
    five.allocation_record(project=project, actor=dispatcher, allocated_on=D(2026, 9, 2), amount="1")
    assert LabourCostAllocation.objects.count() == 1


@pytest.mark.django_db
def test_the_page_form_refuses_bad_input_at_its_field_and_saves_a_good_one(project, zhujian, client):
    client.force_login(zhujian)
    url = reverse("supervision:five_record", args=[project.pk, "account"])
    bad = {
        "account-bank_name": "中国银行",
        "account-account_number": "41050170880000001",
        "account-opened_on": "2026-08-30",
    }
    body = html.unescape(client.post(url, bad).content.decode())
    assert "开户日期不能早于合同签订日期（2026-09-01）" in body and "未保存任何数据" in body
    assert not WageAccount.objects.exists()
    good = {**bad, "account-opened_on": "2026-09-02"}
    response = client.post(url, good)
    assert response.status_code == 302 and response["Location"].endswith("#s3")
    assert WageAccount.objects.get().opened_on == D(2026, 9, 2)
    assert ActionLog.objects.filter(action="five.account_saved").count() == 1


@pytest.mark.django_db
def test_the_project_page_panel_shows_the_checklist_with_form_links_only_for_writers(
    project, zhujian, leader, client, time_machine, monkeypatch
):
    from common import panels

    # This part's panel alone (the other parts' panels have their own tests).
    mine = [(o, r) for o, r in panels._PANELS["projects.Project"] if r is five.five_systems_panel]
    monkeypatch.setitem(panels._PANELS, "projects.Project", mine)
    time_machine.move_to(at(2026, 10, 2), tick=False)
    form_page = reverse("supervision:five_project", args=[project.pk])
    client.force_login(zhujian)
    body = html.unescape(client.get(reverse("projects:detail", args=[project.pk])).content.decode())
    assert "五金五制清单" in body and "未开立农民工工资专用账户" in body
    assert f'href="{form_page}#s3">去处理' in body
    client.force_login(leader)
    body = html.unescape(client.get(reverse("projects:detail", args=[project.pk])).content.decode())
    assert "未开立农民工工资专用账户" in body
    assert "去处理" not in body and f'href="{form_page}#s3">查看记录' in body
    page = html.unescape(client.get(form_page).content.decode())
    assert "领导账号只读" in page and "<form" not in page.split("<main")[1].split("操作记录")[0].replace(
        'action="/logout/"', ""
    )


# ------------------------------------------------------------------------------------------------- the sweep


@pytest.mark.django_db
def test_the_sweep_creates_missing_rows_and_tells_the_unit_once_per_item_turning_red(project, zhujian):
    assert not ProjectCompliance.objects.exists()  # the push's recompute runs after commit (not in this test)
    assert five.five_systems_sweep(at(2026, 10, 1, 0, 5)) == {"created": 1, "recomputed": 0, "notified": 0}
    row = ProjectCompliance.objects.get(project=project)
    assert (row.red_items, row.yellow_items, row.next_due_on) == (0, 1, D(2026, 10, 2))
    assert five.five_systems_waiting(at(2026, 10, 1, 23, 59)) == 0
    assert five.five_systems_waiting(at(2026, 10, 2, 0, 0)) == 1
    counts = five.five_systems_sweep(at(2026, 10, 2, 0, 5))
    assert counts == {"created": 0, "recomputed": 1, "notified": 1}
    told = Notification.objects.get(kind="supervision.five_red")
    assert told.event == f"five:{project.pk}:S3:2026-10-01" and told.recipient == zhujian
    assert "S3" in told.title and "未开立农民工工资专用账户" in told.body
    assert five.five_systems_sweep(at(2026, 10, 2, 0, 20)) == {"created": 0, "recomputed": 0, "notified": 0}
    row.refresh_from_db()
    row.next_due_on = D(2026, 10, 2)  # even if the row were found again, nobody is told twice
    row.save()
    assert five.five_systems_sweep(at(2026, 10, 2, 0, 35))["notified"] == 0
    assert Notification.objects.filter(kind="supervision.five_red").count() == 1


@pytest.mark.django_db
def test_a_write_leaves_a_red_it_did_not_tell_to_the_sweep(project, zhujian, time_machine):
    time_machine.move_to(at(2026, 10, 3), tick=False)
    five.training_record(project=project, actor=zhujian, held_on=D(2026, 10, 3), attendees=10)
    assert not Notification.objects.exists()  # a write tells nobody…
    assert ProjectCompliance.objects.get(project=project).next_due_on == D(2026, 10, 2)  # …the sweep will
    assert five.five_systems_sweep(at(2026, 10, 3, 10))["notified"] == 1
    assert ProjectCompliance.objects.get(project=project).next_due_on == D(2026, 10, 11)  # S1's yellow day


@pytest.mark.django_db
def test_the_sweep_is_registered_with_its_name(project):
    from common.sweeps import sweep_run

    run = sweep_run("supervision.five_systems", now=at(2026, 10, 2))
    assert run.ok and run.counts == {"created": 1, "notified": 1}


@pytest.mark.django_db
def test_the_push_recompute_runs_after_commit(
    zhujian, units, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(at(2026, 9, 2), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        p = create_project(user=zhujian, street=units["李封街道办事处"], push=True, serial=7)
    assert ProjectCompliance.objects.get(project=p).account_open_due_on == D(2026, 10, 1)


# ---------------------------------------------------------------------------------------------------- the list


def _worst(project, today) -> str:
    states = {i.state for i in five.five_systems_checklist(project, today)}
    return "red" if "red" in states else "yellow" if "yellow" in states else "green"


@pytest.fixture
def several(zhujian, jiaotong, units, time_machine):
    """Projects in every state on 2026-10-14: all green, yellow (S1/S5 due today), red (no account by day 31)."""
    time_machine.move_to(at(2026, 9, 2), tick=False)
    street = units["李封街道办事处"]
    made = []
    for serial, (user, signed, start) in enumerate(
        [
            (zhujian, D(2026, 9, 1), D(2026, 11, 30)),  # green
            (zhujian, D(2026, 9, 1), D(2026, 10, 15)),  # yellow: start-up allocation due 10-14
            (zhujian, D(2026, 8, 20), D(2026, 11, 30)),  # red: no account by 09-19
            (jiaotong, D(2026, 9, 1), D(2026, 11, 30)),  # green, another unit
        ]
    ):
        made.append(
            create_project(
                user=user, street=street, push=True, serial=serial, trigger_date=D(2026, 9, 1),
                contract_signed_on=signed, planned_start_on=start,
            )
        )  # fmt: skip
    time_machine.move_to(at(2026, 9, 10), tick=False)
    for p in (made[0], made[1], made[3]):
        actor = zhujian if p.unit_id == zhujian.unit_id else jiaotong
        five.wage_account_save(
            project=p, actor=actor, bank_name="中国银行", account_number="41050170880000001",
            opened_on=D(2026, 9, 5), filed_on=D(2026, 9, 8),
        )  # fmt: skip
    time_machine.move_to(at(2026, 10, 14, 9), tick=False)
    five.five_systems_sweep(at(2026, 10, 14, 0, 5))
    return made


@pytest.mark.django_db
def test_the_list_filter_counts_equal_what_the_checklist_says(several, dispatcher, zhujian, client):
    today = D(2026, 10, 14)
    expected = {s: sum(1 for p in several if _worst(p, today) == s) for s in ("red", "yellow", "green")}
    assert expected == {"red": 1, "yellow": 1, "green": 2}
    client.force_login(dispatcher)
    for s, n in expected.items():
        response = client.get(reverse("supervision:five_list"), {"state": s})
        assert response.context["page"].paginator.count == n
        assert response.context["counts"][s] == n
        assert all(_worst(p, today) == s for p in response.context["rows"])
    unit = several[0].unit_id
    response = client.get(reverse("supervision:five_list"), {"state": "green", "unit": unit})
    assert [p.pk for p in response.context["rows"]] == [several[0].pk]
    client.force_login(zhujian)  # a clerk: their own unit's only
    response = client.get(reverse("supervision:five_list"))
    assert {p.pk for p in response.context["rows"]} == {p.pk for p in several[:3]}


@pytest.mark.django_db
def test_the_list_exports_excel(several, dispatcher, client):
    import io

    from openpyxl import load_workbook

    client.force_login(dispatcher)
    response = client.get(reverse("supervision:five_export"), {"state": "red"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert len(rows) == 3  # title, header, the one red project
    assert rows[2][0] == several[2].name and rows[2][5] == "逾期或缺失"
    assert any("未开立农民工工资专用账户" in str(cell) for cell in rows[2])


@pytest.mark.django_db
def test_the_list_query_count_is_constant_in_the_number_of_projects(
    dispatcher, zhujian, units, client, time_machine
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("supervision:five_list")).status_code == 200
        return len(captured)

    client.force_login(dispatcher)
    time_machine.move_to(at(2026, 9, 2), tick=False)

    def add(serials):
        for serial in serials:
            p = create_project(user=zhujian, street=units["李封街道办事处"], push=True, serial=serial)
            five.training_record(project=p, actor=zhujian, held_on=D(2026, 9, 2), attendees=3)

    add(range(3))
    few = queries()
    add(range(3, 18))
    assert queries() == few


# ------------------------------------------------------------------------------------------------------- API


@pytest.fixture
def api(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_api_lists_states_and_writes_through_the_services(
    project, zhujian, jiaotong, leader, api, time_machine
):
    time_machine.move_to(at(2026, 10, 2), tick=False)
    client = api(zhujian)
    base = f"/api-five/five-systems/{project.pk}"
    bad = client.post(
        f"{base}/allocations/",
        {"allocated_on": "2026-10-01", "amount": "-5"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["errors"]["amount"] == ["拨付金额必须大于0"]
    before = client.put(
        f"{base}/account/", {"bank_name": "中国银行", "account_number": "41050170880000001", "opened_on": "2026-08-01"},
        content_type="application/json",
    )  # fmt: skip
    assert before.status_code == 400 and "opened_on" in before.json()["errors"]
    assert records_count() == 0
    ok = client.post(
        f"{base}/payrolls/", {"month": "2026-09-01", "subcontractor_name": "甲劳务", "workers": "4", "amount": "8000"},
        content_type="application/json",
    )  # fmt: skip
    assert ok.status_code == 201
    patched = client.patch(
        f"{base}/payrolls/{ok.json()['id']}/",
        {"paid_on": "2026-10-01", "proof": "DF1"},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["paid_on"] == "2026-10-01"
    detail = client.get(f"{base}/").json()
    s3 = next(i for i in detail["checklist"] if i["code"] == "S3")
    assert s3["state"] == "red" and detail["state"] == "red" and detail["red_items"] == 1
    assert client.get("/api-five/five-systems/", {"state": "red"}).json()["count"] == 1
    assert client.get("/api-five/five-systems/", {"state": "green"}).json()["count"] == 0
    assert client.get("/api-five/five-systems/", {"state": "purple"}).status_code == 400
    other = api(jiaotong)
    assert other.get(f"{base}/").status_code == 404
    assert other.post(f"{base}/trainings/", {"held_on": "2026-10-01", "attendees": "3"}).status_code == 404
    boss = api(leader)
    assert boss.get(f"{base}/checklist/").status_code == 200
    assert boss.post(f"{base}/trainings/", {"held_on": "2026-10-01", "attendees": "3"}).status_code == 403
    assert RightsTraining.objects.count() == 0


@pytest.mark.django_db
def test_writes_are_atomic_with_their_log_and_state(project, zhujian, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("recompute failed")

    monkeypatch.setattr(five, "compliance_recompute", boom)
    with pytest.raises(RuntimeError), transaction.atomic():
        five.training_record(project=project, actor=zhujian, held_on=D(2026, 9, 2), attendees=3)
    assert records_count() == 0 and not ActionLog.objects.filter(action__startswith="five.").exists()
