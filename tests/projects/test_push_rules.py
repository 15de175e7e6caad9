"""P1/P2/P6: push deadlines on the Chinese working-day calendar, lateness in working days."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from projects.models import ProjectStatus
from projects.services import project_push
from tests.factories import create_project
from tests.helpers import at


@pytest.mark.django_db
def test_p1_deadline_across_national_day_2026_counts_the_tiaoxiu_saturday(zhujian, units):
    # Trigger Tue 2026-09-29. Working days after it: 09-30, (10-01..10-07 holiday), 10-08, 10-09,
    # 10-10 (调休 Saturday, a working day), 10-12 → the 5th is Monday 2026-10-12.
    with time_machine.travel(at(2026, 10, 20)):
        project = create_project(
            user=zhujian, street=units["李封街道办事处"], trigger_date=dt.date(2026, 9, 29)
        )
    assert project.push_deadline == dt.date(2026, 10, 12)
    assert project.status == ProjectStatus.DRAFT


@pytest.mark.django_db
def test_p1_push_on_deadline_day_2359_is_on_time(zhujian, units):
    with time_machine.travel(at(2026, 10, 20)):
        project = create_project(
            user=zhujian, street=units["李封街道办事处"], trigger_date=dt.date(2026, 9, 29)
        )
    project = project_push(user=zhujian, project=project, at=at(2026, 10, 12, 23, 59))
    assert (project.is_late, project.late_working_days) == (False, 0)


@pytest.mark.django_db
def test_p6_push_the_next_day_at_0000_is_late_by_one_working_day(zhujian, units):
    with time_machine.travel(at(2026, 10, 20)):
        project = create_project(
            user=zhujian, street=units["李封街道办事处"], trigger_date=dt.date(2026, 9, 29)
        )
    project = project_push(user=zhujian, project=project, at=at(2026, 10, 13, 0, 0))
    assert (project.is_late, project.late_working_days) == (True, 1)


@pytest.mark.django_db
def test_p2_street_self_project_deadline_is_the_planned_start(street_clerk, units):
    with time_machine.travel(at(2026, 11, 2)):
        project = create_project(
            user=street_clerk,
            street=units["李封街道办事处"],
            trigger_type="street_self",
            trigger_date=dt.date(2026, 11, 1),
            contract_signed_on=dt.date(2026, 11, 1),
            planned_start_on=dt.date(2026, 11, 20),
        )
    assert project.push_deadline == dt.date(2026, 11, 20)


@pytest.mark.django_db
def test_p1_trigger_date_in_the_future_is_refused_and_nothing_saved(zhujian, units):
    from projects.models import Project

    with pytest.raises(ValidationError) as e:
        create_project(
            user=zhujian,
            street=units["李封街道办事处"],
            trigger_date=timezone.localdate() + dt.timedelta(days=1),
        )
    assert e.value.message_dict["trigger_date"] == ["依据发生日期不能晚于今天"]
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_a_project_reloads_its_protected_status_from_the_database(zhujian, units):
    with time_machine.travel(at(2026, 10, 20)):
        project = create_project(
            user=zhujian, street=units["李封街道办事处"], trigger_date=dt.date(2026, 9, 29)
        )
        stale = type(project).objects.get(pk=project.pk)
        project_push(user=zhujian, project=project)
    stale.refresh_from_db()
    assert stale.status == ProjectStatus.PUSHED


# --- the rule checks, called through the service (issue 5 A8) -------------------------------------------


def _refused(**kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as e:
        create_project(**kwargs)
    return e.value.message_dict


@pytest.fixture
def sept(time_machine):
    time_machine.move_to(at(2026, 9, 4), tick=False)


@pytest.mark.django_db
def test_every_rule_check_is_named_after_its_spec_rule_and_cites_it():
    import re

    from projects import services

    assert len(services.RULE_CHECKS) >= 15
    for check in services.RULE_CHECKS:
        rule = re.match(r"_check_(p\d)_", check.__name__)
        assert rule, check.__name__
        assert rule.group(1).upper() in check.__doc__, check.__name__


@pytest.mark.django_db
def test_p2_a_streets_own_project_lies_in_that_street(street_clerk, units, sept):
    errors = _refused(
        user=street_clerk,
        street=units["王封街道办事处"],  # 李封's clerk, a project in 王封
        trigger_type="street_self",
        trigger_date=dt.date(2026, 9, 1),
        planned_start_on=dt.date(2026, 10, 15),
    )
    assert errors == {"street": ["街道自主实施项目的所在街道应为本街道"]}
    project = create_project(
        user=street_clerk,
        street=units["李封街道办事处"],
        trigger_type="street_self",
        trigger_date=dt.date(2026, 9, 1),
        planned_start_on=dt.date(2026, 10, 15),
    )
    assert project.street == street_clerk.unit


@pytest.mark.django_db
def test_p2_enterprise_construction_reported_by_a_street_may_lie_in_another_street(street_clerk, units, sept):
    # Only the street's *own* projects are tied to it; enterprise work it learns of is recorded where it is.
    project = create_project(
        user=street_clerk, street=units["王封街道办事处"], trigger_type="street_enterprise"
    )
    assert project.street.name == "王封街道办事处"


@pytest.mark.django_db
def test_p1_a_unit_not_bound_to_push_is_refused_at_the_unit(dispatcher, units, sept):
    errors = _refused(user=dispatcher, unit=units["区信访局"], street=units["李封街道办事处"])
    assert errors["unit"][0].startswith("区信访局不在须向人社局推送项目的单位之列")


@pytest.mark.django_db
def test_p1_each_unit_pushes_on_its_own_triggers(zhujian, units, sept):
    errors = _refused(user=zhujian, street=units["李封街道办事处"], trigger_type="gov_approval")
    assert errors == {
        "trigger_type": ["区住房城乡建设局的推送依据应为“行业主管部门收到审批、资金落实、施工许可信息”"]
    }


@pytest.mark.django_db
def test_p3_a_push_requires_every_column_and_names_each(zhujian, units, sept):
    errors = _refused(
        user=zhujian,
        street=units["李封街道办事处"],
        push=True,
        contract_total_wan=None,
        owner_manager_phone="",
    )
    assert errors == {
        "contract_total_wan": ["推送前请填写合同总额"],
        "owner_manager_phone": ["推送前请填写建设单位联系方式"],
    }


@pytest.mark.django_db
def test_p3_a_known_uscc_keeps_its_registered_name(zhujian, units, sept):
    from tests.factories import make_uscc

    create_project(user=zhujian, street=units["李封街道办事处"], serial=1)
    errors = _refused(
        user=zhujian,
        street=units["李封街道办事处"],
        serial=2,
        contractor_uscc=make_uscc(1001),
        contractor_name="别名公司",
    )
    assert errors == {
        "contractor_name": [
            "该信用代码已登记为“河南测试建设工程有限公司1”，企业名称以登记为准；如企业已更名，请联系区人社局更正"
        ]
    }


@pytest.mark.django_db
def test_p3_owner_and_contractor_are_two_enterprises(zhujian, units, sept):
    from tests.factories import make_uscc

    errors = _refused(user=zhujian, street=units["李封街道办事处"], contractor_uscc=make_uscc(1))
    assert errors["contractor_uscc"] == ["施工总承包单位不能与建设单位为同一企业"]


@pytest.mark.django_db
def test_p3_dates_in_order_and_the_contract_signed_by_today(zhujian, units, sept):
    errors = _refused(
        user=zhujian,
        street=units["李封街道办事处"],
        contract_signed_on=dt.date(2026, 9, 5),
        planned_start_on=dt.date(2026, 9, 2),
    )
    assert errors == {
        "contract_signed_on": ["合同签订日期不能晚于今天"],
        "planned_start_on": ["计划开工日期不能早于合同签订日期"],
    }


@pytest.mark.django_db
def test_p6_a_clerk_cannot_postpone_a_deadline_but_hrss_may(zhujian, dispatcher, units, sept):
    from projects.services import project_update
    from tests.factories import project_data

    project = create_project(user=zhujian, street=units["李封街道办事处"], trigger_date=dt.date(2026, 9, 1))
    later = project_data(
        street=units["李封街道办事处"], bidder_unit=zhujian.unit, trigger_date=dt.date(2026, 9, 3)
    )
    with pytest.raises(ValidationError) as e:
        project_update(user=zhujian, project=project, data=later)
    assert e.value.message_dict["trigger_date"] == [
        "修改后推送截止日期将从2026-09-08推后到2026-09-10：截止日期只能提前不能推后，如确属填报错误，请联系区人社局更正"
    ]
    assert project_update(user=dispatcher, project=project, data=later).push_deadline == dt.date(2026, 9, 10)


@pytest.mark.django_db
def test_p6_a_pushed_projects_trigger_stays(zhujian, dispatcher, units, sept):
    from projects.services import project_update
    from tests.factories import project_data

    project = create_project(user=zhujian, street=units["李封街道办事处"], push=True)
    moved = project_data(
        street=units["李封街道办事处"], bidder_unit=zhujian.unit, trigger_date=dt.date(2026, 8, 31)
    )
    with pytest.raises(ValidationError) as e:
        project_update(user=dispatcher, project=project, data=moved)
    assert e.value.message_dict == {"trigger_date": ["项目已推送，推送依据及其日期决定是否逾期，不能再修改"]}


# --- P1 reads its period from the policy table (issue 5 A3) -----------------------------------------------


@pytest.mark.django_db
def test_p1_the_deadline_follows_the_policy_parameter(zhujian, units, sept):
    from common.models import PolicyParameter

    # Tue 09-01: 5 working days → Tue 09-08; with the parameter at 3 → Fri 09-04.
    assert create_project(user=zhujian, street=units["李封街道办事处"], serial=1).push_deadline == dt.date(
        2026, 9, 8
    )
    PolicyParameter.objects.filter(code="P1.push_working_days").update(value=3)
    assert create_project(user=zhujian, street=units["李封街道办事处"], serial=2).push_deadline == dt.date(
        2026, 9, 4
    )


# --- django-fsm-2 as shipped (issue 5 A7) ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_stale_copy_cannot_write_an_old_status_back(zhujian, units, sept):
    from django.db import transaction
    from django_fsm import ConcurrentTransition

    project = create_project(user=zhujian, street=units["李封街道办事处"])
    stale = type(project).objects.get(pk=project.pk)
    project_push(user=zhujian, project=project)
    stale.remarks = "旧页面上的修改"
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()  # would reset status to draft and erase the push facts
    assert type(project).objects.get(pk=project.pk).status == ProjectStatus.PUSHED
