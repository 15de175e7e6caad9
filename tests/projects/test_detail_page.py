"""The project page as a clerk reads it (issue 5 B8, B9, A3): one way of writing dates, times and money; a
complete draft offers the push itself; the P1 period is the policy parameter's."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.urls import reverse

from common.models import PolicyParameter
from tests.factories import create_project
from tests.helpers import at


def page(client, project) -> str:
    return html.unescape(client.get(reverse("projects:detail", args=[project.pk])).content.decode())


@pytest.fixture
def pushed(zhujian, units, time_machine):
    time_machine.move_to(at(2026, 9, 4, 16, 28), tick=False)
    return create_project(
        user=zhujian, street=units["李封街道办事处"], push=True, contract_total_wan=Decimal("6120.8")
    )


@pytest.mark.django_db
def test_b9_dates_times_and_money_are_written_one_way(client, zhujian, pushed):
    client.force_login(zhujian)
    body = page(client, pushed)
    assert "6,120.80 万元" in body
    assert "2026-09-01" in body  # trigger date
    assert "2026-09-08" in body  # deadline
    assert "2026-09-04 16:28（" in body  # pushed at, and registered at
    assert "年9月" not in body and "2026年" not in body.split("<main")[1]


@pytest.mark.django_db
def test_b9_the_enterprise_page_writes_its_registration_time_the_same_way(client, zhujian, pushed):
    client.force_login(zhujian)
    body = client.get(reverse("projects:enterprise", args=[pushed.contractor_id])).content.decode()
    assert "2026-09-04 16:28" in body
    assert "操作记录" in body and "登记企业" in body


@pytest.mark.django_db
def test_b8_a_complete_draft_offers_the_push_not_completion(client, zhujian, units, time_machine):
    time_machine.move_to(at(2026, 9, 4), tick=False)
    draft = create_project(user=zhujian, street=units["李封街道办事处"])
    client.force_login(zhujian)
    body = page(client, draft)
    assert f'action="{reverse("projects:push", args=[draft.pk])}"' in body
    assert "推送至人社局</button>" in body
    assert "补全并推送" not in body


@pytest.mark.django_db
def test_an_overdue_draft_says_by_how_many_working_days(client, zhujian, units, time_machine):
    time_machine.move_to(at(2026, 9, 4), tick=False)
    draft = create_project(user=zhujian, street=units["李封街道办事处"], contract_total_wan=None)
    time_machine.move_to(at(2026, 9, 14))  # due Tue 09-08: 09-09..09-11, 09-14
    client.force_login(zhujian)
    body = page(client, draft)
    assert "逾期4个工作日" in body
    assert "推送截止日期 2026-09-08 已过（逾期4个工作日），请尽快补全并推送" in body


@pytest.mark.django_db
def test_a3_the_page_states_the_push_period_from_the_policy_parameter(client, zhujian, units, time_machine):
    PolicyParameter.objects.filter(code="P1.push_working_days").update(value=7)
    time_machine.move_to(at(2026, 9, 4), tick=False)
    draft = create_project(user=zhujian, street=units["李封街道办事处"], trigger_date=dt.date(2026, 9, 1))
    client.force_login(zhujian)
    assert "（P1：依据日期后第7个工作日）" in page(client, draft)
    form = client.get(reverse("projects:edit", args=[draft.pk])).content.decode()
    assert "<b>7个工作日</b>" in form


@pytest.mark.django_db
def test_it_pages_the_enterprise_projects_like_the_ledger(client, zhujian, units, time_machine):
    # QA: after a 1,500-row import the builder's page listed every project on one 55,000 px page.
    time_machine.move_to(at(2026, 9, 4), tick=False)
    projects = [create_project(user=zhujian, street=units["李封街道办事处"], serial=n) for n in range(1, 23)]
    client.force_login(zhujian)
    url = reverse("projects:enterprise", args=[projects[0].owner_id])
    first = html.unescape(client.get(url).content.decode())
    assert first.count('href="/projects/') - first.count('href="/projects/enterprises/') >= 20
    assert "共 22 个项目，第 1/2 页" in first and "测试项目22" in first and "测试项目2<" not in first
    second = html.unescape(client.get(url, {"page": 2}).content.decode())
    assert "测试项目2<" in second and "测试项目1<" in second and "测试项目22" not in second


@pytest.mark.django_db
def test_b1_the_ledger_shows_how_many_working_days_an_unpushed_project_is_overdue(
    client, zhujian, units, time_machine
):
    from common.workdays import working_days_late
    from tests.helpers import at

    time_machine.move_to(at(2026, 11, 2, 10, 0), tick=False)
    draft = create_project(user=zhujian, street=units["李封街道办事处"], serial=31, push=False)
    days = working_days_late(draft.push_deadline, dt.date(2026, 11, 2))
    assert days > 0
    client.force_login(zhujian)
    body = client.get(reverse("projects:ledger")).content.decode()
    assert f"逾期未推送{days}个工作日" in body
