"""Audit (issue 2, part 8): every create/change of a project, enterprise and unit keeps who, when and what
changed, and the record's page shows it (field label, old → new)."""

import datetime as dt
import html
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from common.history import history_entries
from common.models import Unit
from projects.models import Enterprise, Project
from tests.factories import create_project, make_uscc
from tests.projects.test_push_form import form_data

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(y, m, d, hh=10, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def edited_project(client, zhujian, dispatcher, units, time_machine):
    """住建 pushes on 09-04 10:00; HRSS corrects amount, street and remarks on 09-07 15:30."""
    zhujian.full_name, dispatcher.full_name = "王建国", "张华"
    zhujian.save(), dispatcher.save()
    time_machine.move_to(at(2026, 9, 4, 10, 0), tick=False)
    client.force_login(zhujian)
    client.post(reverse("projects:create"), form_data(units))
    project = Project.objects.get()

    time_machine.move_to(at(2026, 9, 7, 15, 30))
    client.force_login(dispatcher)
    data = form_data(
        units,
        push=False,
        unit=project.unit_id,
        contract_total_wan="2000",
        street=units["王封街道办事处"].pk,
        remarks="人社局核实后更正合同额",
    )
    response = client.post(reverse("projects:edit", args=[project.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    return Project.objects.get(pk=project.pk)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.django_db
def test_it_shows_who_changed_what_and_when_on_the_project_page(client, edited_project):
    response = client.get(reverse("projects:detail", args=[edited_project.pk]))
    history = response.context["history"]
    latest = history[0]
    assert latest["action"] == "修改项目"
    assert latest["who"].full_name == "张华"
    assert latest["when"] == at(2026, 9, 7, 15, 30)
    changes = {label: (old, new) for label, old, new in latest["changes"]}
    assert changes == {
        "合同总额（万元）": ("1234.56", "2000.00"),
        "所在街道": ("李封街道办事处", "王封街道办事处"),
        "备注": ("（空）", "人社局核实后更正合同额"),
    }

    body = page_text(response)
    assert "变更记录" in body
    assert "2026-09-07 15:30:00" in body and "张华" in body
    assert "<del>1234.56</del> → 2000.00" in body
    assert "<del>李封街道办事处</del> → 王封街道办事处" in body


@pytest.mark.django_db
def test_it_keeps_the_creation_and_the_push_as_separate_entries(client, edited_project):
    history = client.get(reverse("projects:detail", args=[edited_project.pk])).context["history"]
    assert [h["action"] for h in history] == ["修改项目", "推送至人社局", "登记项目"]
    pushed, created = history[1], history[2]
    assert pushed["who"].full_name == created["who"].full_name == "王建国"
    assert created["when"] == pushed["when"] == at(2026, 9, 4, 10, 0)
    assert ("推送状态", "待推送", "已推送") in pushed["changes"]
    created_labels = {label for label, _, _ in created["changes"]}
    assert {"项目名称", "所属行业部门", "依据发生日期", "推送截止日期", "施工总承包单位"} <= created_labels
    # A creation has no "before": every value is shown as new.
    assert all(old == "" for _, old, _ in created["changes"])


@pytest.mark.django_db
def test_it_records_a_clerks_own_edit_by_name(client, zhujian, units, time_machine):
    zhujian.full_name = "王建国"
    zhujian.save()
    time_machine.move_to(at(2026, 9, 4), tick=False)
    client.force_login(zhujian)
    client.post(reverse("projects:create"), form_data(units, push=False))
    project = Project.objects.get()
    client.post(
        reverse("projects:edit", args=[project.pk]),
        form_data(units, push=False, contractor_manager_name="郑经理"),
    )
    latest = client.get(reverse("projects:detail", args=[project.pk])).context["history"][0]
    assert latest["who"] == zhujian
    assert latest["changes"] == [("项目经理", "吴经理", "郑经理")]


@pytest.mark.django_db
def test_it_shows_an_enterprise_history_on_its_page(client, edited_project, admin_user, time_machine):
    contractor = edited_project.contractor
    time_machine.move_to(at(2026, 9, 8, 9, 0))
    client.force_login(admin_user)
    admin_user.full_name = "系统管理员"
    admin_user.save()
    response = client.post(
        reverse("admin:projects_enterprise_change", args=[contractor.pk]),
        {"uscc": contractor.uscc, "name": "河南测试建设工程集团有限公司", "_save": "1"},
    )
    assert response.status_code == 302
    page = client.get(reverse("projects:enterprise", args=[contractor.pk]))
    history = page.context["history"]
    assert [h["action"] for h in history] == ["修改", "新建"]
    assert history[0]["who"] == admin_user
    assert ("企业名称", "河南测试建设工程有限公司1", "河南测试建设工程集团有限公司") in history[0]["changes"]
    assert history[1]["who"].full_name == "王建国"  # created with the first push
    assert ("统一社会信用代码", "", make_uscc(1001)) in history[1]["changes"]
    body = page_text(page)
    assert "<del>河南测试建设工程有限公司1</del> → 河南测试建设工程集团有限公司" in body


@pytest.mark.django_db
def test_seed_gives_every_fixture_unit_a_starting_history_record():
    # loaddata saves raw and simple-history skips raw saves: seed_demo records the starting state.
    call_command("seed_demo", stdout=io.StringIO())
    assert Unit.objects.count() > 0
    assert set(Unit.history.values_list("id", flat=True)) == set(Unit.objects.values_list("id", flat=True))


@pytest.mark.django_db
def test_it_records_unit_changes_made_in_the_admin_with_old_and_new_values(client):
    from tests.factories import UserFactory

    # Units as `make run` loads them (not the `units` fixture): seed_demo on an empty database.
    call_command("seed_demo", stdout=io.StringIO())
    admin_user = UserFactory(username="admin_t", unit=None, role="admin", is_staff=True, is_superuser=True)
    unit = Unit.objects.get(name="区交通运输局")
    client.force_login(admin_user)
    data = {
        "name": unit.name,
        "short_name": unit.short_name,
        "unit_type": unit.unit_type,
        "leader_name": "新任局长",
        "phone": "0391-2958999",
        "email": unit.email,
        "address": unit.address,
        "sort_order": unit.sort_order,
        "is_active": "on",
        "_save": "1",
    }
    if unit.pushes_projects:
        data["pushes_projects"] = "on"
    old_phone = unit.phone
    response = client.post(reverse("admin:common_unit_change", args=[unit.pk]), data)
    assert response.status_code == 302
    record = Unit.history.filter(id=unit.pk).order_by("-history_date", "-history_id").first()
    assert record.history_type == "~"
    assert record.history_user == admin_user
    delta = record.diff_against(record.prev_record)
    assert {(c.field, c.old, c.new) for c in delta.changes} == {
        ("leader_name", unit.leader_name, "新任局长"),
        ("phone", old_phone, "0391-2958999"),
    }

    entries = history_entries(unit)
    assert ("联系电话", old_phone or "（空）", "0391-2958999") in entries[0]["changes"]
    history_page = client.get(reverse("admin:common_unit_history", args=[unit.pk]))
    assert history_page.status_code == 200
    body = history_page.content.decode()
    assert admin_user.username in body
    assert "0391-2958999" in body


@pytest.mark.django_db
def test_it_lists_no_change_when_nothing_changed(client, zhujian, units, time_machine):
    time_machine.move_to(at(2026, 9, 4), tick=False)
    client.force_login(zhujian)
    client.post(reverse("projects:create"), form_data(units, push=False))
    project = Project.objects.get()
    client.post(reverse("projects:edit", args=[project.pk]), form_data(units, push=False))
    history = client.get(reverse("projects:detail", args=[project.pk])).context["history"]
    assert history[0]["action"] == "修改项目"
    assert history[0]["changes"] == []
    assert Enterprise.objects.count() == 2


@pytest.mark.django_db
def test_contact_phones_on_the_project_page_and_its_history_are_masked_for_leaders(
    client, zhujian, leader, units
):
    project = create_project(
        user=zhujian, street=units["李封街道办事处"], contractor_manager_phone="13803910002"
    )
    client.force_login(leader)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "138****0002" in page
    assert "13803910002" not in page

    client.force_login(zhujian)
    own = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "13803910002" in own
