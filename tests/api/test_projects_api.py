"""The project API (P1–P6): unit scoping, push through the same service as the form, errors at their fields."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Enterprise, Project, ProjectStatus
from projects.services import project_push
from tests.api.conftest import at
from tests.factories import create_project, make_uscc, project_fields

NOW = at(2026, 10, 20)  # after National Day 2026 and the 调休 Saturday 10-10


def body(units, serial=1, **overrides) -> dict:
    """A complete 附件1 record as a client sends it (trigger Tue 2026-09-29, before National Day)."""
    values = project_fields(
        units,
        serial=serial,
        name=f"接口项目{serial}",
        trigger_date="2026-09-29",
        contractor_name=f"河南接口建设工程有限公司{serial}",
        contractor_uscc=make_uscc(2000 + serial),
        contract_signed_on="2026-09-29",
        planned_start_on="2026-11-02",
    )
    values.update(overrides)
    return values


# --- unit scoping (issue 2 part 3) ---------------------------------------------------------------------


@pytest.mark.django_db
def test_two_units_cannot_see_each_others_projects_in_the_list(zhujian, jiaotong, api_as, units):
    own = create_project(user=zhujian, street=units["李封街道办事处"], serial=1)
    other = create_project(user=jiaotong, street=units["王封街道办事处"], serial=2)
    ids = {p["id"] for p in api_as(zhujian).get("/api/projects/").json()["results"]}
    assert ids == {own.pk}
    ids = {p["id"] for p in api_as(jiaotong).get("/api/projects/").json()["results"]}
    assert ids == {other.pk}


@pytest.mark.django_db
def test_a_forged_id_of_another_units_project_is_404_for_read_write_and_push(
    zhujian, jiaotong, api_as, units
):
    other = create_project(user=jiaotong, street=units["王封街道办事处"])
    client = api_as(zhujian)
    not_found = {"code": "not_found", "message": "记录不存在或您无权查看"}
    for response in (
        client.get(f"/api/projects/{other.pk}/"),
        client.patch(f"/api/projects/{other.pk}/", {"remarks": "改"}, format="json"),
        client.post(f"/api/projects/{other.pk}/push/"),
    ):
        assert response.status_code == 404
        assert response.json() == not_found
    other = Project.objects.get(pk=other.pk)  # FSM-protected status: refresh_from_db() is refused
    assert (other.remarks, other.status) == ("", ProjectStatus.DRAFT)


@pytest.mark.django_db
def test_hrss_dispatcher_and_leader_see_the_whole_district(
    zhujian, jiaotong, dispatcher, leader, api_as, units
):
    create_project(user=zhujian, street=units["李封街道办事处"], serial=1)
    create_project(user=jiaotong, street=units["王封街道办事处"], serial=2)
    assert api_as(dispatcher).get("/api/projects/").json()["count"] == 2
    assert api_as(leader).get("/api/projects/").json()["count"] == 2


@pytest.mark.django_db
def test_enterprises_are_scoped_to_the_projects_a_unit_can_see(zhujian, jiaotong, api_as, units):
    create_project(user=zhujian, street=units["李封街道办事处"], serial=1)
    create_project(
        user=jiaotong,
        street=units["王封街道办事处"],
        serial=2,
        owner_uscc=make_uscc(3),
        owner_name="交通业主公司",
    )
    seen = {e["name"] for e in api_as(zhujian).get("/api/enterprises/").json()["results"]}
    assert seen == {"焦作市中站区城市建设投资有限公司", "河南测试建设工程有限公司1"}
    hidden = Enterprise.objects.get(uscc=make_uscc(3))
    assert api_as(zhujian).get(f"/api/enterprises/{hidden.pk}/").status_code == 404
    assert api_as(jiaotong).get(f"/api/enterprises/{hidden.pk}/").json()["uscc"] == make_uscc(3)


# --- create and push (P1–P3, P6) -----------------------------------------------------------------------


@pytest.mark.django_db
def test_p1_clerk_create_and_push_via_api_stores_the_same_deadline_and_lateness_as_the_form(
    zhujian, api_as, units, client
):
    # Trigger Tue 2026-09-29 → 5th working day is Mon 10-12 (National Day off, 调休 Sat 10-10 worked).
    with time_machine.travel(NOW, tick=False):
        response = api_as(zhujian).post("/api/projects/", {**body(units, 1), "push": True}, format="json")
        client.force_login(zhujian)
        form = body(units, 2)
        form_response = client.post(reverse("projects:create"), {**form, "push": "1"})
    assert response.status_code == 201, response.json()
    assert form_response.status_code == 302
    data = response.json()
    assert data["push_deadline"] == "2026-10-12"
    assert data["status"] == "pushed" and data["status_display"] == "已推送"
    assert (data["is_late"], data["late_working_days"]) == (True, 6)  # 10-13..10-16, 10-19, 10-20
    api_project = Project.objects.get(pk=data["id"])
    form_project = Project.objects.get(name="接口项目2")
    facts = ("push_deadline", "status", "is_late", "late_working_days", "pushed_at")
    assert [getattr(api_project, f) for f in facts] == [getattr(form_project, f) for f in facts]
    assert api_project.pushed_by == zhujian and api_project.unit == zhujian.unit


@pytest.mark.django_db
def test_p1_create_without_push_saves_a_draft_with_its_deadline(zhujian, api_as, units):
    with time_machine.travel(NOW, tick=False):
        response = api_as(zhujian).post("/api/projects/", body(units), format="json")
    data = response.json()
    assert response.status_code == 201
    assert (data["status"], data["push_deadline"], data["pushed_at"]) == ("draft", "2026-10-12", None)
    assert data["unit"]["name"] == "区住房城乡建设局"


@pytest.mark.django_db
def test_p3_output_carries_labels_nested_names_and_enterprises(zhujian, api_as, units):
    with time_machine.travel(NOW, tick=False):
        pk = api_as(zhujian).post("/api/projects/", {**body(units), "push": True}, format="json").json()["id"]
    data = api_as(zhujian).get(f"/api/projects/{pk}/").json()
    assert data["category"] == "municipal" and data["category_display"] == "市政"
    assert data["funding_type_display"] == "政府投资"
    assert data["street"]["name"] == "李封街道办事处"
    assert data["owner"] == {
        "id": Enterprise.objects.get(uscc=make_uscc(1)).pk,
        "uscc": make_uscc(1),
        "name": "焦作市中站区城市建设投资有限公司",
    }
    assert data["contract_total_wan"] == "1234.56"
    assert data["pushed_by_name"] == zhujian.display_name
    assert data["owner_manager_phone"] == "13903910001"  # the owning unit sees its contacts whole


@pytest.mark.django_db
def test_invalid_uscc_phone_and_amount_are_400_at_their_fields_in_chinese_and_nothing_saved(
    zhujian, api_as, units
):
    bad = body(
        units, owner_uscc="91410803MA00000010", contractor_manager_phone="12345", contract_total_wan="-5"
    )
    with time_machine.travel(NOW, tick=False):
        response = api_as(zhujian).post("/api/projects/", {**bad, "push": True}, format="json")
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "validation_error"
    assert payload["message"] == "提交的数据有误，请按提示修改"
    assert payload["errors"]["owner_uscc"] == ["统一社会信用代码无效：应为18位，且校验位正确"]
    assert payload["errors"]["contractor_manager_phone"] == [
        "联系电话格式不正确：请填写11位手机号或固定电话（如 0391-2958033）"
    ]
    assert payload["errors"]["contract_total_wan"] == ["合同总额必须大于0"]
    assert Project.objects.count() == 0
    assert Enterprise.objects.count() == 0


@pytest.mark.django_db
def test_an_amount_with_three_decimals_or_text_is_400_at_the_amount(zhujian, api_as, units):
    client = api_as(zhujian)
    with time_machine.travel(NOW, tick=False):
        three = client.post("/api/projects/", body(units, contract_total_wan="1.234"), format="json")
        text = client.post("/api/projects/", body(units, contract_total_wan="一百万"), format="json")
    assert three.json()["errors"] == {"contract_total_wan": ["合同总额最多保留两位小数（单位：万元）"]}
    assert text.json()["errors"] == {"contract_total_wan": ["请输入数字金额（单位：万元）"]}
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_p1_a_future_trigger_date_and_a_missing_name_are_refused_in_chinese(zhujian, api_as, units):
    client = api_as(zhujian)
    with time_machine.travel(NOW, tick=False):
        future = client.post("/api/projects/", body(units, trigger_date="2026-10-21"), format="json")
        nameless = body(units)
        del nameless["name"]
        missing = client.post("/api/projects/", nameless, format="json")
    assert future.json()["errors"] == {"trigger_date": ["依据发生日期不能晚于今天"]}
    assert missing.json()["errors"] == {"name": ["该字段是必填项。"]}
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_p3_pushing_without_the_fields_of_annex_1_is_refused_at_each_field(zhujian, api_as, units):
    incomplete = body(units, contractor_name="", contractor_uscc="", contract_total_wan=None)
    with time_machine.travel(NOW, tick=False):
        response = api_as(zhujian).post("/api/projects/", {**incomplete, "push": True}, format="json")
    errors = response.json()["errors"]
    assert response.status_code == 400
    assert errors["contractor_name"] == ["推送前请填写施工总承包单位名称"]
    assert errors["contract_total_wan"] == ["推送前请填写合同总额"]
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_a_clerk_pushing_for_another_unit_is_refused_with_403(zhujian, api_as, units):
    other_unit = units["区交通运输局"]
    with time_machine.travel(NOW, tick=False):
        response = api_as(zhujian).post(
            "/api/projects/", {**body(units), "unit": other_unit.pk, "push": True}, format="json"
        )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert response.json()["message"].startswith("不能代其他单位推送")
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_a_clerk_naming_their_own_unit_is_accepted(zhujian, api_as, units):
    with time_machine.travel(NOW, tick=False):
        response = api_as(zhujian).post(
            "/api/projects/", {**body(units), "unit": zhujian.unit_id}, format="json"
        )
    assert response.status_code == 201
    assert response.json()["unit"]["id"] == zhujian.unit_id


@pytest.mark.django_db
def test_hrss_registers_for_a_unit_it_names_and_must_name_one(dispatcher, api_as, units):
    client = api_as(dispatcher)
    with time_machine.travel(NOW, tick=False):
        unnamed = client.post("/api/projects/", body(units), format="json")
        named = client.post(
            "/api/projects/", {**body(units), "unit": units["区交通运输局"].pk}, format="json"
        )
    assert unnamed.status_code == 400
    assert unnamed.json()["errors"] == {"unit": ["人社局或管理员代为登记时，请选择项目所属单位"]}
    assert named.status_code == 201
    assert named.json()["unit"]["name"] == "区交通运输局"


# --- update and push (P1, P6) --------------------------------------------------------------------------


@pytest.mark.django_db
def test_patch_changes_only_the_fields_sent_through_the_update_service(zhujian, api_as, units):
    with time_machine.travel(NOW, tick=False):
        project = create_project(user=zhujian, street=units["李封街道办事处"])
        response = api_as(zhujian).patch(
            f"/api/projects/{project.pk}/",
            {"remarks": "已核实", "contract_total_wan": "99.50"},
            format="json",
        )
    assert response.status_code == 200, response.json()
    project = Project.objects.get(pk=project.pk)  # FSM-protected status: refresh_from_db() is refused
    assert (project.remarks, project.contract_total_wan) == ("已核实", Decimal("99.50"))
    assert project.contractor.name == "河南测试建设工程有限公司1"
    assert project.history.first().history_change_reason == "project.updated"


@pytest.mark.django_db
def test_put_requires_the_whole_record(zhujian, api_as, units):
    with time_machine.travel(NOW, tick=False):
        project = create_project(user=zhujian, street=units["李封街道办事处"])
        response = api_as(zhujian).put(f"/api/projects/{project.pk}/", {"remarks": "只改备注"}, format="json")
    assert response.status_code == 400
    assert {"name", "street", "trigger_date"} <= set(response.json()["errors"])


@pytest.mark.django_db
def test_the_unit_of_a_project_cannot_be_changed(dispatcher, zhujian, api_as, units):
    with time_machine.travel(NOW, tick=False):
        project = create_project(user=zhujian, street=units["李封街道办事处"])
        response = api_as(dispatcher).patch(
            f"/api/projects/{project.pk}/", {"unit": units["区交通运输局"].pk}, format="json"
        )
    assert response.status_code == 400
    assert response.json()["errors"] == {"unit": ["项目登记后不能更改所属单位"]}


@pytest.mark.django_db
def test_p6_push_endpoint_marks_a_late_push_and_refuses_a_second_push(zhujian, api_as, units):
    client = api_as(zhujian)
    with time_machine.travel(at(2026, 10, 1), tick=False):
        project = create_project(
            user=zhujian, street=units["李封街道办事处"], trigger_date=dt.date(2026, 9, 29)
        )
    with time_machine.travel(at(2026, 10, 13, 9, 0), tick=False):
        first = client.post(f"/api/projects/{project.pk}/push/")
        second = client.post(f"/api/projects/{project.pk}/push/")
    assert first.status_code == 200
    assert (first.json()["is_late"], first.json()["late_working_days"]) == (True, 1)
    assert second.status_code == 400
    assert second.json()["errors"] == {"non_field_errors": ["该项目已推送，不能重复推送"]}


@pytest.mark.django_db
def test_p6_a_pushed_projects_trigger_date_cannot_be_changed(zhujian, api_as, units):
    with time_machine.travel(NOW, tick=False):
        project = create_project(user=zhujian, street=units["李封街道办事处"], push=True)
        response = api_as(zhujian).patch(
            f"/api/projects/{project.pk}/", {"trigger_date": "2026-10-19"}, format="json"
        )
    assert response.status_code == 400
    assert response.json()["errors"]["trigger_date"] == [
        "项目已推送，推送依据及其日期决定是否逾期，不能再修改"
    ]


# --- phones of contacts ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_contact_phones_are_masked_for_a_leader_but_whole_for_hrss(
    zhujian, leader, dispatcher, api_as, units
):
    project = create_project(user=zhujian, street=units["李封街道办事处"])
    seen_by_leader = api_as(leader).get(f"/api/projects/{project.pk}/").json()
    seen_by_hrss = api_as(dispatcher).get(f"/api/projects/{project.pk}/").json()
    assert seen_by_leader["owner_manager_phone"] == "139****0001"
    assert seen_by_leader["unit_leader_phone"] == "0391-***8100"
    assert seen_by_hrss["owner_manager_phone"] == "13903910001"
    assert seen_by_hrss["contractor_manager_phone"] == "13803910002"


# --- filters, search, ordering, query count (P5) --------------------------------------------------------


@pytest.fixture
def ledger(zhujian, jiaotong, units):
    """Five projects at 2026-10-20: on time, late, overdue-unpushed, pending, and one of another category."""
    lifeng, wangfeng = units["李封街道办事处"], units["王封街道办事处"]
    with time_machine.travel(NOW, tick=False):
        on_time = create_project(user=zhujian, street=lifeng, serial=1, trigger_date=dt.date(2026, 9, 1))
        project_push(user=zhujian, project=on_time, at=at(2026, 9, 2))
        late = create_project(
            user=jiaotong, street=wangfeng, serial=2, trigger_date=dt.date(2026, 9, 1), category="transport"
        )
        project_push(user=jiaotong, project=late, at=NOW)
        overdue = create_project(user=jiaotong, street=lifeng, serial=3, trigger_date=dt.date(2026, 9, 29))
        pending = create_project(user=zhujian, street=wangfeng, serial=4, trigger_date=dt.date(2026, 10, 19))
        housing = create_project(
            user=zhujian, street=lifeng, serial=5, trigger_date=dt.date(2026, 10, 16), category="housing"
        )
    return {"on_time": on_time, "late": late, "overdue": overdue, "pending": pending, "housing": housing}


def _names(client, query: str) -> set[str]:
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"/api/projects/?{query}")
    assert response.status_code == 200, response.json()
    return {p["name"] for p in response.json()["results"]}


@pytest.mark.django_db
def test_p5_filters_by_unit_street_category_status_and_timeliness(dispatcher, api_as, units, ledger):
    client = api_as(dispatcher)
    assert _names(client, f"unit={units['区交通运输局'].pk}") == {"测试项目2", "测试项目3"}
    assert _names(client, f"street={units['王封街道办事处'].pk}") == {"测试项目2", "测试项目4"}
    assert _names(client, "category=transport") == {"测试项目2"}
    assert _names(client, "funding_type=government&category=housing") == {"测试项目5"}
    assert _names(client, "status=pushed") == {"测试项目1", "测试项目2"}
    assert _names(client, "timeliness=on_time") == {"测试项目1"}
    assert _names(client, "timeliness=late") == {"测试项目2"}
    assert _names(client, "timeliness=overdue") == {"测试项目3"}
    assert _names(client, "timeliness=pending") == {"测试项目4", "测试项目5"}


@pytest.mark.django_db
def test_p6_each_project_carries_the_timeliness_the_filter_uses(dispatcher, api_as, ledger):
    with time_machine.travel(NOW, tick=False):
        results = api_as(dispatcher).get("/api/projects/").json()["results"]
    shown = {p["name"]: (p["timeliness"], p["timeliness_display"], p["is_overdue"]) for p in results}
    assert shown == {
        "测试项目1": ("on_time", "按时推送", False),
        "测试项目2": ("late", "逾期推送", False),
        "测试项目3": ("overdue", "逾期未推送", True),
        "测试项目4": ("pending", "期限内待推送", False),
        "测试项目5": ("pending", "期限内待推送", False),
    }


@pytest.mark.django_db
def test_p5_filters_by_trigger_date_range_and_searches_name_and_enterprise(dispatcher, api_as, ledger):
    # The same parameters as the ledger page and its export (projects.filters).
    client = api_as(dispatcher)
    assert _names(client, "date_from=2026-09-29&date_to=2026-10-16") == {"测试项目3", "测试项目5"}
    assert _names(client, "q=测试项目4") == {"测试项目4"}
    assert _names(client, "q=建设工程有限公司2") == {"测试项目2"}
    assert _names(client, f"q={make_uscc(1003).lower()}") == {"测试项目3"}


@pytest.mark.django_db
def test_p5_orders_by_push_deadline(dispatcher, api_as, ledger):
    with time_machine.travel(NOW, tick=False):
        results = api_as(dispatcher).get("/api/projects/?ordering=push_deadline").json()["results"]
    deadlines = [p["push_deadline"] for p in results]
    assert deadlines == sorted(deadlines)
    assert results[-1]["name"] == "测试项目4"


@pytest.mark.django_db
def test_p5_a_clerks_unit_filter_cannot_widen_their_scope(zhujian, jiaotong, api_as, units, ledger):
    # As on the ledger page: a clerk is not offered the unit filter, and a forged one changes nothing.
    own = {"测试项目1", "测试项目4", "测试项目5"}
    assert _names(api_as(zhujian), "") == own
    assert _names(api_as(zhujian), f"unit={units['区交通运输局'].pk}") == own


@pytest.mark.django_db
def test_bad_filter_values_are_400_at_the_filter_in_chinese(dispatcher, api_as, ledger):
    client = api_as(dispatcher)
    bad_choice = client.get("/api/projects/?timeliness=sometimes").json()
    reversed_range = client.get("/api/projects/?date_from=2026-10-01&date_to=2026-09-01").json()
    nul = client.get("/api/projects/?q=%00")
    assert bad_choice["code"] == "validation_error" and "timeliness" in bad_choice["errors"]
    assert reversed_range["errors"] == {"date_to": ["结束日期不能早于开始日期"]}
    # B11: Django's own translation of this message is garbled ("不允许是用空字符串。").
    assert nul.status_code == 400
    assert nul.json()["errors"] == {"q": ["搜索内容含有不允许的字符（空字符），请删除后重新搜索"]}


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/projects/")
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_p5_list_query_count_is_the_same_for_3_and_30_projects(
    zhujian, api_as, units, django_assert_max_num_queries
):
    client = api_as(zhujian)
    with time_machine.travel(NOW, tick=False):
        for serial in range(3):
            create_project(user=zhujian, street=units["李封街道办事处"], serial=serial, push=serial % 2 == 0)
        few = _list_queries(client)
        for serial in range(3, 30):
            create_project(user=zhujian, street=units["李封街道办事处"], serial=serial, push=serial % 2 == 0)
        many = _list_queries(client)
        assert few == many
        assert client.get("/api/projects/").json()["count"] == 30
        # token with its user, count, one page; the calendar for the page's 逾期工作日 (two, whatever the size)
        with django_assert_max_num_queries(5):
            client.get("/api/projects/")


@pytest.mark.django_db
def test_p6_the_api_gives_the_working_days_an_unpushed_project_is_overdue_as_the_pages_do(
    api_as, zhujian, units, time_machine
):
    from common.workdays import working_days_late

    time_machine.move_to(at(2026, 11, 2, 10, 0), tick=False)
    street = units["李封街道办事处"]
    drafts = [create_project(user=zhujian, street=street, serial=20 + i, push=False) for i in range(3)]
    client = api_as(zhujian)
    body = client.get("/api/projects/", {"timeliness": "overdue"}).json()
    expected = working_days_late(drafts[0].push_deadline, dt.date(2026, 11, 2))
    assert expected > 0
    assert [r["working_days_late"] for r in body["results"]] == [expected] * 3
    assert client.get(f"/api/projects/{drafts[0].pk}/").json()["working_days_late"] == expected
