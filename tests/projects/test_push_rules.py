"""P1/P2/P6: push deadlines on the Chinese working-day calendar, lateness in working days."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from projects.models import ProjectStatus
from projects.services import project_push
from tests.factories import create_project

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(y, m, d, hh=10, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


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
