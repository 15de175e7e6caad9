"""P4/D2: pushing a project issues the 附件2 notice, numbered per unit and year without gaps."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from common.audit import timeline
from common.models import ActionLog, IssuedDocument
from deposits.models import Notice, NoticeStatus
from deposits.services import notice_issue
from projects.services import project_push
from tests.deposits.notice_helpers import notice_of, pushed_project
from tests.factories import create_project
from tests.helpers import at

pytestmark = pytest.mark.django_db


def test_it_issues_the_notice_when_the_project_is_pushed_p4(zhujian, units):
    project = pushed_project(zhujian, units)

    notice = notice_of(project)
    assert notice.unit == units["区住房城乡建设局"]  # the pushing unit is the "xx局" of the header
    assert notice.contractor == project.contractor
    assert notice.number == "中区住建农保通字〔2026〕第1号"
    assert notice.status == NoticeStatus.ISSUED
    assert notice.document.number == notice.number
    assert notice.document.addressee == project.contractor.name
    assert ActionLog.objects.filter(action="notice.issued", object_id=str(notice.pk)).count() == 1
    assert [e["code"] for e in timeline(notice)] == ["notice.issued"]


def test_it_sets_the_deadline_15_calendar_days_after_issue_d2(zhujian, units):
    notice = notice_of(pushed_project(zhujian, units, when=at(2026, 9, 25, 16, 0)))
    # 15 calendar days, National Day holiday (10-01..10-07) included: not working days.
    assert notice.deadline == dt.date(2026, 10, 10)
    assert notice.deadline_days == 15


def test_it_reads_the_deadline_days_from_the_policy_parameter_d2(zhujian, units, admin_user):
    from decimal import Decimal

    from common.models import PolicyParameter
    from common.policy import policy_parameter_update

    parameter = PolicyParameter.objects.get(code="D2.deposit_deadline_days")
    policy_parameter_update(parameter=parameter, value=Decimal(10), actor=admin_user, note="测试")
    notice = notice_of(pushed_project(zhujian, units))
    assert notice.deadline == dt.date(2026, 9, 13)


def test_it_numbers_per_unit_from_1_and_restarts_each_year_d2(zhujian, jiaotong, units):
    first = notice_of(pushed_project(zhujian, units, serial=1))
    second = notice_of(pushed_project(zhujian, units, serial=2))
    other_unit = notice_of(pushed_project(jiaotong, units, serial=3))
    with time_machine.travel(at(2027, 1, 4), tick=False):
        project = create_project(
            user=zhujian,
            street=units["李封街道办事处"],
            serial=4,
            trigger_date=dt.date(2026, 12, 31),
        )
    next_year = notice_of(pushed_project_at(zhujian, project, at(2027, 1, 4)))

    assert [first.number, second.number] == ["中区住建农保通字〔2026〕第1号", "中区住建农保通字〔2026〕第2号"]
    assert other_unit.number == "中区交通农保通字〔2026〕第1号"
    assert next_year.number == "中区住建农保通字〔2027〕第1号"


def pushed_project_at(user, project, when):
    with time_machine.travel(when, tick=False):
        return project_push(user=user, project=project)


def test_it_never_issues_two_notices_for_one_project_p4(zhujian, units):
    project = pushed_project(zhujian, units)
    with pytest.raises(ValidationError) as raised:
        notice_issue(project=project, actor=zhujian)
    assert "已下发缴纳通知书" in str(raised.value)
    with pytest.raises(ValidationError):
        project_push(user=zhujian, project=project)  # pushing twice is refused too
    assert Notice.objects.filter(project=project).count() == 1
    assert IssuedDocument.objects.filter(kind="deposits.notice").count() == 1


def test_it_issues_later_for_a_project_pushed_before_notices_existed_p4(zhujian, units):
    project = pushed_project(zhujian, units)
    Notice.objects.filter(project=project).update(document=None)
    Notice.objects.filter(project=project).delete()  # as if pushed before this issue

    with time_machine.travel(at(2026, 9, 10), tick=False):
        notice = notice_issue(project=project, actor=zhujian)
    # The sequence is never reused: the deleted record's number stays taken.
    assert notice.number == "中区住建农保通字〔2026〕第2号"
    assert notice.deadline == dt.date(2026, 9, 25)


def test_it_refuses_another_units_clerk_and_a_leader(zhujian, jiaotong, leader, units):
    project = pushed_project(zhujian, units)
    Notice.objects.filter(project=project).delete()
    with pytest.raises(PermissionDenied):
        notice_issue(project=project, actor=jiaotong)
    with pytest.raises(PermissionDenied):
        notice_issue(project=project, actor=leader)
    assert not Notice.objects.filter(project=project).exists()


def test_it_refuses_a_draft(zhujian, units):
    project = create_project(user=zhujian, street=units["李封街道办事处"])
    with pytest.raises(ValidationError, match="推送后"):
        notice_issue(project=project, actor=zhujian)


def test_it_rolls_the_push_back_when_the_notice_cannot_be_issued_p4(zhujian, units, monkeypatch):
    import deposits.services

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(deposits.services, "notice_issue", broken)
    project = create_project(user=zhujian, street=units["李封街道办事处"])
    with pytest.raises(RuntimeError), time_machine.travel(at(2026, 9, 3), tick=False):
        project_push(user=zhujian, project=project)
    project.refresh_from_db()
    assert project.status == "draft"
    assert not ActionLog.objects.filter(action="project.pushed").exists()


def test_hrss_may_issue_for_any_unit(zhujian, dispatcher, units):
    project = pushed_project(zhujian, units)
    Notice.objects.filter(project=project).delete()
    notice = notice_issue(project=project, actor=dispatcher)
    assert notice.unit == units["区住房城乡建设局"]  # still the project's unit
