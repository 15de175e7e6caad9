"""Audit (issue 2 part 8, issue 5 A1): every write of a project or an enterprise is in the action log with
its dotted code, actor and time (common.audit.log_action, inside the service's transaction), and the record's
page shows the timeline: each action with the field diffs django-simple-history kept (label, old → new)."""

import html
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from common.audit import timeline
from common.models import ActionLog, Unit
from projects.models import Enterprise, Project
from projects.services import project_create, project_push
from tests.factories import create_project, make_uscc, project_data
from tests.helpers import at
from tests.projects.test_push_form import form_data


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
    entries = response.context["timeline"]
    latest = entries[0]
    assert latest["action"] == "修改项目"
    assert latest["who"].full_name == "张华"
    assert latest["when"] == at(2026, 9, 7, 15, 30)
    changes = {label: (old, new) for label, old, new in latest["changes"]}
    assert changes == {
        "合同总额（万元）": ("1,234.56", "2,000.00"),
        "所在街道": ("李封街道办事处", "王封街道办事处"),
        "备注": ("（空）", "人社局核实后更正合同额"),
    }

    body = page_text(response)
    assert "操作记录" in body
    assert "2026-09-07 15:30" in body and "张华" in body
    assert "<del>1,234.56</del> → 2,000.00" in body
    assert "<del>李封街道办事处</del> → 王封街道办事处" in body


@pytest.mark.django_db
def test_it_keeps_the_creation_and_the_push_as_separate_entries(client, edited_project):
    entries = client.get(reverse("projects:detail", args=[edited_project.pk])).context["timeline"]
    assert [e["action"] for e in entries] == ["修改项目", "推送至人社局", "登记项目"]
    assert [e["code"] for e in entries] == ["project.updated", "project.pushed", "project.created"]
    pushed, created = entries[1], entries[2]
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
    latest = client.get(reverse("projects:detail", args=[project.pk])).context["timeline"][0]
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
    entries = page.context["timeline"]
    # The admin's rename went through no service: its diff row shows as simple-history's own "修改".
    assert [e["action"] for e in entries] == ["修改", "登记企业"]
    assert entries[0]["who"] == admin_user
    assert ("企业名称", "河南测试建设工程有限公司1", "河南测试建设工程集团有限公司") in entries[0]["changes"]
    assert entries[1]["who"].full_name == "王建国"  # registered with the first push
    assert entries[1]["code"] == "enterprise.registered"
    assert ("统一社会信用代码", "", make_uscc(1001)) in entries[1]["changes"]
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

    entries = timeline(unit)
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
    entries = client.get(reverse("projects:detail", args=[project.pk])).context["timeline"]
    assert entries[0]["action"] == "修改项目"
    assert entries[0]["changes"] == []
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


@pytest.mark.django_db
def test_it_masks_contact_phones_in_the_timeline_for_another_unit(
    client, zhujian, jiaotong, dispatcher, units
):
    project = create_project(user=zhujian, street=units["李封街道办事处"], owner_manager_phone="13903910001")
    client.force_login(dispatcher)
    entries = client.get(reverse("projects:detail", args=[project.pk])).context["timeline"]
    created = {label: new for label, _, new in entries[-1]["changes"]}
    assert created["建设单位联系方式"] == "13903910001"  # HRSS acts on it: whole

    # A leader reads everything and sees personal data masked, in the timeline as on the page.
    from tests.factories import UserFactory

    leader = UserFactory(username="lingdao_x", unit=None, role="leader")
    client.force_login(leader)
    entries = client.get(reverse("projects:detail", args=[project.pk])).context["timeline"]
    created = {label: new for label, _, new in entries[-1]["changes"]}
    assert created["建设单位联系方式"] == "139****0001"


# --- the action log (issue 5 A1) -------------------------------------------------------------------


def _codes(obj) -> list[str]:
    return list(
        ActionLog.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )


@pytest.mark.django_db
def test_it_logs_every_project_write_with_its_code_and_actor(zhujian, dispatcher, units, time_machine):
    time_machine.move_to(at(2026, 9, 4), tick=False)
    project = create_project(user=zhujian, street=units["李封街道办事处"])
    project = project_push(user=zhujian, project=project)
    from projects.services import project_update

    project_update(
        user=dispatcher,
        project=project,
        data=project_data(street=units["李封街道办事处"], bidder_unit=zhujian.unit, remarks="核实"),
    )
    assert _codes(project) == ["project.created", "project.pushed", "project.updated"]
    actors = list(
        ActionLog.objects.filter(object_id=str(project.pk), action__startswith="project.")
        .order_by("id")
        .values_list("actor__username", flat=True)
    )
    assert actors == [zhujian.username, zhujian.username, dispatcher.username]
    # Each entry is linked to the diff row its save wrote, and that row carries the code and the actor.
    for log in ActionLog.objects.filter(object_id=str(project.pk), action__startswith="project."):
        row = project.history.get(history_id=log.history_id)
        assert (row.history_change_reason, row.history_user_id) == (log.action, log.actor_id)


@pytest.mark.django_db
def test_it_logs_an_enterprise_once_when_it_is_first_registered(zhujian, units, time_machine):
    time_machine.move_to(at(2026, 9, 4), tick=False)
    create_project(user=zhujian, street=units["李封街道办事处"], serial=1)
    create_project(user=zhujian, street=units["李封街道办事处"], serial=2)  # the same owner again
    owner = Enterprise.objects.get(uscc=make_uscc(1))
    assert _codes(owner) == ["enterprise.registered"]
    assert ActionLog.objects.filter(action="enterprise.registered").count() == 3  # one owner, two contractors


@pytest.mark.django_db
def test_it_logs_an_import_as_imported_then_pushed(zhujian, units, time_machine):
    # The ledger import (projects.services.project_ledger_import) registers each row this way.
    time_machine.move_to(at(2026, 9, 4), tick=False)
    data = project_data(street=units["李封街道办事处"], bidder_unit=zhujian.unit)
    project = project_create(user=zhujian, unit=zhujian.unit, data=data, push=True, action="project.imported")
    assert _codes(project) == ["project.imported", "project.pushed"]
    assert [e["action"] for e in timeline(project)] == ["推送至人社局", "台账导入"]
