"""Unit scoping (issue 2, part 3): a clerk sees and changes only their own unit's projects — pages and export.

Two industry units (住建, 交通) each have a project; forged ids of the other unit's records get 404.
HRSS (dispatcher) and leaders see the whole district; a leader never writes (403).
"""

import datetime as dt
import io

import pytest
from django.urls import reverse

from projects.models import Project, ProjectStatus
from tests.factories import create_project, make_uscc
from tests.helpers import SHANGHAI

NOW = dt.datetime(2026, 9, 4, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def two_units(zhujian, jiaotong, units, time_machine):
    """住建's project (pushed) and 交通's draft, with enterprises no one else names."""
    time_machine.move_to(NOW, tick=False)
    street = units["李封街道办事处"]
    zj = create_project(
        user=zhujian,
        street=street,
        push=True,
        serial=1,
        name="住建局保密项目",
        owner_uscc=make_uscc(11),
        owner_name="住建建设单位有限公司",
        contractor_uscc=make_uscc(12),
        contractor_name="住建施工有限公司",
    )
    jt = create_project(
        user=jiaotong,
        street=street,
        serial=2,
        name="交通局道路项目",
        owner_uscc=make_uscc(21),
        owner_name="交通建设单位有限公司",
        contractor_uscc=make_uscc(22),
        contractor_name="交通施工有限公司",
    )
    return zj, jt


def as_user(client, user):
    client.force_login(user)
    return client


def ledger_names(response) -> set[str]:
    return {p.name for p in response.context["page"].object_list}


# --- a clerk and the other unit's records ----------------------------------------------------------


@pytest.mark.django_db
def test_it_lists_only_the_clerks_own_unit_in_the_ledger(client, two_units, jiaotong):
    response = as_user(client, jiaotong).get(reverse("projects:ledger"))
    assert ledger_names(response) == {"交通局道路项目"}
    assert "住建局保密项目" not in response.content.decode()


@pytest.mark.django_db
def test_it_ignores_a_forged_unit_filter_and_search_for_another_units_enterprise(client, two_units, jiaotong):
    zj, _ = two_units
    client = as_user(client, jiaotong)
    assert ledger_names(client.get(reverse("projects:ledger"), {"unit": zj.unit_id})) == {"交通局道路项目"}
    assert ledger_names(client.get(reverse("projects:ledger"), {"q": make_uscc(12)})) == set()
    assert ledger_names(client.get(reverse("projects:ledger"), {"q": "住建"})) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["projects:detail", "projects:edit"])
def test_it_answers_404_to_a_forged_project_id_of_another_unit(client, two_units, jiaotong, view):
    zj, jt = two_units
    client = as_user(client, jiaotong)
    assert client.get(reverse(view, args=[zj.pk])).status_code == 404
    assert client.get(reverse(view, args=[jt.pk])).status_code == 200


@pytest.mark.django_db
def test_it_answers_404_to_a_forged_edit_post_and_changes_nothing(client, two_units, jiaotong, units):
    zj, _ = two_units
    response = as_user(client, jiaotong).post(
        reverse("projects:edit", args=[zj.pk]), {"name": "被篡改", "remarks": "x", "save": "1"}
    )
    assert response.status_code == 404
    assert Project.objects.get(pk=zj.pk).name == "住建局保密项目"


@pytest.mark.django_db
def test_it_answers_404_to_a_forged_push_of_another_units_draft(client, two_units, zhujian):
    _, jt = two_units
    response = as_user(client, zhujian).post(reverse("projects:push", args=[jt.pk]))
    assert response.status_code == 404
    assert Project.objects.get(pk=jt.pk).status == ProjectStatus.DRAFT


@pytest.mark.django_db
def test_it_answers_404_to_another_units_enterprise(client, two_units, jiaotong):
    zj, jt = two_units
    client = as_user(client, jiaotong)
    assert client.get(reverse("projects:enterprise", args=[zj.contractor_id])).status_code == 404
    assert client.get(reverse("projects:enterprise", args=[zj.owner_id])).status_code == 404
    assert client.get(reverse("projects:enterprise", args=[jt.contractor_id])).status_code == 200


@pytest.mark.django_db
def test_a_shared_enterprise_page_lists_only_the_viewers_projects(
    client, two_units, jiaotong, zhujian, units
):
    zj, _ = two_units
    # 交通 hires 住建's contractor too: 交通 may now see the enterprise, but not 住建's project on it.
    create_project(
        user=jiaotong,
        street=units["王封街道办事处"],
        serial=3,
        name="交通局桥梁项目",
        owner_uscc=make_uscc(21),
        owner_name="交通建设单位有限公司",
        contractor_uscc=make_uscc(12),
        contractor_name="住建施工有限公司",
    )
    response = as_user(client, jiaotong).get(reverse("projects:enterprise", args=[zj.contractor_id]))
    assert response.status_code == 200
    assert [p.name for p in response.context["projects"]] == ["交通局桥梁项目"]
    assert "住建局保密项目" not in response.content.decode()


@pytest.mark.django_db
def test_a_clerk_cannot_push_for_another_unit_through_the_service(two_units, jiaotong):
    from django.core.exceptions import PermissionDenied

    from projects.services import project_push

    zj, _ = two_units
    draft = create_project(user=zj.created_by, street=zj.street, serial=9, name="住建局草稿")
    with pytest.raises(PermissionDenied):
        project_push(user=jiaotong, project=draft)
    assert Project.objects.get(pk=draft.pk).status == ProjectStatus.DRAFT


def _export_names(client) -> set[str]:
    from openpyxl import load_workbook

    try:
        response = client.get(reverse("projects:export"))
    except NotImplementedError:
        pytest.skip(
            "projects.ledger_excel.export_ledger not implemented yet (Excel helper owns ledger_excel)"
        )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheet = workbook.worksheets[0]
    return {str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None}


@pytest.mark.django_db
def test_it_exports_only_the_clerks_own_unit(client, two_units, jiaotong):
    cells = _export_names(as_user(client, jiaotong))
    assert "交通局道路项目" in cells
    assert "住建局保密项目" not in cells
    assert "住建施工有限公司" not in cells


@pytest.mark.django_db
def test_it_exports_the_whole_district_to_hrss(client, two_units, dispatcher):
    cells = _export_names(as_user(client, dispatcher))
    assert {"交通局道路项目", "住建局保密项目"} <= cells


# --- HRSS and leaders ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["dispatcher", "leader", "admin_user"])
def test_hrss_leaders_and_admins_see_every_unit(client, two_units, request, who):
    zj, jt = two_units
    client = as_user(client, request.getfixturevalue(who))
    assert ledger_names(client.get(reverse("projects:ledger"))) == {"住建局保密项目", "交通局道路项目"}
    for project in (zj, jt):
        assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 200
        assert client.get(reverse("projects:enterprise", args=[project.contractor_id])).status_code == 200


@pytest.mark.django_db
def test_hrss_filters_the_ledger_by_unit(client, two_units, dispatcher):
    zj, _ = two_units
    response = as_user(client, dispatcher).get(reverse("projects:ledger"), {"unit": zj.unit_id})
    assert ledger_names(response) == {"住建局保密项目"}


@pytest.mark.django_db
def test_a_leader_cannot_create_edit_or_push(client, two_units, leader, units):
    zj, jt = two_units
    client = as_user(client, leader)
    projects_before = Project.objects.count()
    assert client.get(reverse("projects:create")).status_code == 403
    assert client.post(reverse("projects:create"), {"name": "领导登记"}).status_code == 403
    assert client.get(reverse("projects:edit", args=[zj.pk])).status_code == 403
    assert client.post(reverse("projects:edit", args=[jt.pk]), {"name": "改名"}).status_code == 403
    assert client.post(reverse("projects:push", args=[jt.pk])).status_code == 403
    assert client.get(reverse("projects:import")).status_code == 403
    assert Project.objects.count() == projects_before
    jt = Project.objects.get(pk=jt.pk)
    assert (jt.name, jt.status) == ("交通局道路项目", ProjectStatus.DRAFT)


@pytest.mark.django_db
def test_a_leader_is_not_offered_write_buttons(client, two_units, leader):
    _, jt = two_units
    client = as_user(client, leader)
    detail = client.get(reverse("projects:detail", args=[jt.pk]))
    assert detail.context["can_edit"] is False
    assert reverse("projects:edit", args=[jt.pk]) not in detail.content.decode()
    assert reverse("projects:create") not in client.get(reverse("projects:ledger")).content.decode()


@pytest.mark.django_db
def test_the_403_page_is_in_chinese(client, two_units, leader):
    body = as_user(client, leader).get(reverse("projects:create")).content.decode()
    assert "只读" in body or "权限" in body


@pytest.mark.django_db
def test_the_404_page_is_in_chinese(client, two_units, jiaotong, settings):
    settings.DEBUG = False
    zj, _ = two_units
    body = as_user(client, jiaotong).get(reverse("projects:detail", args=[zj.pk])).content.decode()
    assert "住建局保密项目" not in body
    assert any(text in body for text in ("不存在", "找不到", "未找到"))


@pytest.mark.django_db
def test_p5_a_bad_filter_is_dropped_at_its_field_while_the_others_still_apply(client, zhujian, units):
    create_project(user=zhujian, street=units["李封街道办事处"], serial=1, name="体育馆工程")
    create_project(user=zhujian, street=units["李封街道办事处"], serial=2, name="道路工程")
    client.force_login(zhujian)
    response = client.get(
        reverse("projects:ledger"), {"q": "体育", "date_from": "2026-08-01", "date_to": "2026-07-01"}
    )
    assert [p.name for p in response.context["page"].object_list] == ["体育馆工程"]
    assert response.context["form"].errors["date_to"] == ["结束日期不能早于开始日期"]


@pytest.mark.django_db
def test_p5_export_with_a_bad_filter_is_refused_not_widened(client, zhujian, units):
    client.force_login(zhujian)
    response = client.get(reverse("projects:export"), {"date_from": "2026-10-01", "date_to": "2026-09-01"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("projects:ledger"))
