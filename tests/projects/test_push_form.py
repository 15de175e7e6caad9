"""P1–P3, P6 through the clerk's web form: create, edit and push, with bad input refused at the field."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from projects.models import Enterprise, Project, ProjectStatus
from tests.factories import make_uscc, project_fields
from tests.helpers import at

CJK = re.compile(r"[\u4e00-\u9fff]")


def form_data(units, *, bidder="区住房城乡建设局", push=True, serial=1, **overrides) -> dict:
    """What a clerk types into the form: a complete, valid 附件1 record (trigger Tue 2026-09-01)."""
    data = project_fields(units, serial=serial, bidder=bidder)
    if push:
        data["push"] = "1"
    else:
        data["save"] = "1"
    data.update(overrides)
    return data


@pytest.fixture
def clerk_client(client, zhujian, time_machine):
    time_machine.move_to(at(2026, 9, 4), tick=False)
    client.force_login(zhujian)
    return client


# --- the happy path ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_p1_clerk_pushes_through_the_form_and_the_project_is_in_the_ledger(clerk_client, zhujian, units):
    response = clerk_client.post(reverse("projects:create"), form_data(units))
    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == project.get_absolute_url()
    # Tue 09-01 + 5 working days = Tue 09-08; pushed Fri 09-04: on time.
    assert project.status == ProjectStatus.PUSHED
    assert project.push_deadline == dt.date(2026, 9, 8)
    assert (project.is_late, project.late_working_days) == (False, 0)
    assert project.pushed_by == zhujian
    assert project.pushed_at == at(2026, 9, 4)
    assert project.unit == units["区住房城乡建设局"]
    assert project.contract_total_wan == Decimal("1234.56")
    assert project.contractor.uscc == make_uscc(1001)

    detail = clerk_client.get(response["Location"]).content.decode()
    assert "已按时推送至人社局" in detail
    assert "2026-09-08" in detail
    ledger = clerk_client.get(reverse("projects:ledger")).content.decode()
    assert "测试项目1" in ledger and "按时" in ledger


@pytest.mark.django_db
def test_p1_saving_a_draft_stores_the_deadline_and_tells_the_clerk(clerk_client, units):
    response = clerk_client.post(reverse("projects:create"), form_data(units, push=False), follow=True)
    project = Project.objects.get()
    assert project.status == ProjectStatus.DRAFT
    assert project.pushed_at is None
    assert project.push_deadline == dt.date(2026, 9, 8)
    assert "请最迟于 2026-09-08（含当日）推送" in response.content.decode()


@pytest.mark.django_db
def test_p1_a_draft_may_leave_the_enterprises_blank(clerk_client, units):
    data = form_data(units, push=False, contractor_name="", contractor_uscc="", contract_total_wan="")
    clerk_client.post(reverse("projects:create"), data)
    project = Project.objects.get()
    assert project.contractor is None
    assert project.contract_total_wan is None


# --- P1 / P2 / P6 edges at the push button --------------------------------------------------------


def _draft(client, units, **overrides) -> Project:
    client.post(reverse("projects:create"), form_data(units, push=False, **overrides))
    return Project.objects.get(name=overrides.get("name", "测试项目1"))


@pytest.mark.django_db
def test_p1_push_button_on_deadline_day_2359_across_national_day_is_on_time(
    client, zhujian, units, time_machine
):
    # Trigger Tue 09-29 → deadline Mon 10-12 (10-10 调休 Saturday counts).
    time_machine.move_to(at(2026, 9, 29, 16), tick=False)
    client.force_login(zhujian)
    project = _draft(client, units, trigger_date="2026-09-29", contract_signed_on="2026-09-29")
    assert project.push_deadline == dt.date(2026, 10, 12)
    time_machine.move_to(at(2026, 10, 12, 23, 59))
    client.force_login(zhujian)  # the 30-minute session ended meanwhile
    response = client.post(reverse("projects:push", args=[project.pk]), follow=True)
    project = Project.objects.get(pk=project.pk)
    assert project.status == ProjectStatus.PUSHED
    assert (project.is_late, project.late_working_days) == (False, 0)
    assert "已按时推送至人社局" in response.content.decode()


@pytest.mark.django_db
def test_p6_push_button_the_next_day_at_0000_is_late_by_one_working_day(client, zhujian, units, time_machine):
    time_machine.move_to(at(2026, 9, 29, 16), tick=False)
    client.force_login(zhujian)
    project = _draft(client, units, trigger_date="2026-09-29", contract_signed_on="2026-09-29")
    time_machine.move_to(at(2026, 10, 13, 0, 0))
    client.force_login(zhujian)  # the 30-minute session ended meanwhile
    response = client.post(reverse("projects:push", args=[project.pk]), follow=True)
    project = Project.objects.get(pk=project.pk)
    assert (project.is_late, project.late_working_days) == (True, 1)
    assert "本次逾期 1 个工作日" in response.content.decode()


@pytest.mark.django_db
def test_p6_a_push_during_the_holiday_after_a_missed_deadline_is_late_by_one_working_day(
    client, zhujian, units, time_machine
):
    # Trigger Tue 09-22 → 09-23, 09-24, [Mid-Autumn 09-25..27], 09-28, 09-29, 09-30: deadline Wed 09-30.
    # Pushed Sat 10-03 (National Day): HRSS receives it Thu 10-08, the first working day after the deadline.
    time_machine.move_to(at(2026, 9, 22, 16), tick=False)
    client.force_login(zhujian)
    project = _draft(client, units, trigger_date="2026-09-22", contract_signed_on="2026-09-22")
    assert project.push_deadline == dt.date(2026, 9, 30)
    time_machine.move_to(at(2026, 10, 3, 10))
    client.force_login(zhujian)  # the 30-minute session ended meanwhile
    client.post(reverse("projects:push", args=[project.pk]))
    project = Project.objects.get(pk=project.pk)
    assert (project.is_late, project.late_working_days) == (True, 1)


def _street_form(units, **overrides):
    values = dict(
        bidder="李封街道办事处",
        trigger_type="street_self",
        trigger_date="2026-11-02",
        contract_signed_on="2026-11-02",
        planned_start_on="2026-11-20",  # a Friday
        funding_type="special_bond",
    )
    values.update(overrides)
    return form_data(units, push=False, **values)


@pytest.mark.django_db
def test_p2_street_pushes_on_the_planned_start_day_and_is_on_time(client, street_clerk, units, time_machine):
    time_machine.move_to(at(2026, 11, 3), tick=False)
    client.force_login(street_clerk)
    client.post(reverse("projects:create"), _street_form(units))
    project = Project.objects.get()
    assert project.push_deadline == dt.date(2026, 11, 20)
    time_machine.move_to(at(2026, 11, 20, 23, 59))
    client.force_login(street_clerk)  # the 30-minute session ended meanwhile
    client.post(reverse("projects:push", args=[project.pk]))
    project = Project.objects.get(pk=project.pk)
    assert (project.status, project.is_late) == (ProjectStatus.PUSHED, False)


@pytest.mark.django_db
def test_p2_street_pushing_the_saturday_after_the_planned_start_is_one_working_day_late(
    client, street_clerk, units, time_machine
):
    time_machine.move_to(at(2026, 11, 3), tick=False)
    client.force_login(street_clerk)
    client.post(reverse("projects:create"), _street_form(units))
    project = Project.objects.get()
    time_machine.move_to(at(2026, 11, 21, 0, 0))  # Saturday: counts from Monday 11-23
    client.force_login(street_clerk)  # the 30-minute session ended meanwhile
    client.post(reverse("projects:push", args=[project.pk]))
    project = Project.objects.get(pk=project.pk)
    assert (project.is_late, project.late_working_days) == (True, 1)


@pytest.mark.django_db
def test_p2_street_self_project_without_a_planned_start_is_refused(client, street_clerk, units, time_machine):
    time_machine.move_to(at(2026, 11, 3), tick=False)
    client.force_login(street_clerk)
    response = client.post(reverse("projects:create"), _street_form(units, planned_start_on=""))
    assert response.status_code == 200
    assert "开工前推送" in response.context["form"].errors["planned_start_on"][0]
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_p2_street_planned_start_before_the_trigger_date_is_refused(
    client, street_clerk, units, time_machine
):
    time_machine.move_to(at(2026, 11, 3), tick=False)
    client.force_login(street_clerk)
    data = _street_form(units, contract_signed_on="2026-10-20", planned_start_on="2026-10-25")
    response = client.post(reverse("projects:create"), data)
    assert response.context["form"].errors["planned_start_on"] == [
        "计划开工日期不能早于依据发生日期（立项日期）"
    ]
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_p2_street_clerk_is_offered_only_the_street_triggers(client, street_clerk, units, time_machine):
    time_machine.move_to(at(2026, 11, 3), tick=False)
    client.force_login(street_clerk)
    choices = [
        c[0] for c in client.get(reverse("projects:create")).context["form"].fields["trigger_type"].choices
    ]
    assert set(choices) == {"", "street_self", "street_enterprise"}


# --- bad input: a Chinese message at the field, nothing saved ----------------------------------

BAD_INPUT = [
    ("contractor_uscc", {"contractor_uscc": "91410803MA00010010"}, "统一社会信用代码无效"),
    ("owner_uscc", {"owner_uscc": "12345"}, "统一社会信用代码无效"),
    ("contractor_manager_phone", {"contractor_manager_phone": "1380391000"}, "联系电话格式不正确"),
    ("owner_manager_phone", {"owner_manager_phone": "abc-123"}, "联系电话格式不正确"),
    ("unit_leader_phone", {"unit_leader_phone": "12345678901"}, "联系电话格式不正确"),
    ("contract_total_wan", {"contract_total_wan": "0"}, "合同总额必须大于0"),
    ("contract_total_wan", {"contract_total_wan": "0.00"}, "合同总额必须大于0"),
    ("contract_total_wan", {"contract_total_wan": "-5"}, "合同总额必须大于0"),
    ("contract_total_wan", {"contract_total_wan": "100.123"}, "合同总额最多保留两位小数"),
    ("contract_total_wan", {"contract_total_wan": "一百万"}, "请输入数字金额"),
    ("trigger_date", {"trigger_date": "2026-09-05"}, "依据发生日期不能晚于今天"),
    ("contract_signed_on", {"contract_signed_on": "2026-09-05"}, "合同签订日期不能晚于今天"),
    (
        "planned_start_on",
        {"contract_signed_on": "2026-09-02", "planned_start_on": "2026-09-01"},
        "计划开工日期不能早于合同签订日期",
    ),
    ("contractor_name", {"contractor_name": "", "contractor_uscc": ""}, "推送前请填写施工总承包单位名称"),
    ("contractor_uscc", {"contractor_uscc": ""}, "推送前请填写施工总承包单位统一社会信用代码"),
    ("contract_total_wan", {"contract_total_wan": ""}, "推送前请填写合同总额"),
    ("contractor_uscc", {"contractor_uscc": make_uscc(1)}, "施工总承包单位不能与建设单位为同一企业"),
    ("trigger_type", {"trigger_type": "street_self"}, "street_self"),
    ("name", {"name": ""}, ""),
    ("street", {"street": "999999"}, ""),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "bad", "message"), BAD_INPUT, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD_INPUT)]
)
def test_p3_bad_input_gets_a_chinese_message_at_the_field_and_nothing_is_saved(
    clerk_client, units, field, bad, message
):
    enterprises_before = Enterprise.objects.count()
    response = clerk_client.post(reverse("projects:create"), form_data(units, **bad))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in errors[field][0]
    assert CJK.search(errors[field][0]), errors[field][0]
    body = response.content.decode()
    assert errors[field][0].replace("“", "&ldquo;") in body or errors[field][0] in body
    assert "未保存任何数据" in body
    assert Project.objects.count() == 0
    assert Enterprise.objects.count() == enterprises_before


@pytest.mark.django_db
def test_p3_every_bad_field_is_reported_at_once(clerk_client, units):
    data = form_data(
        units,
        owner_uscc="bad",
        contractor_manager_phone="123",
        contract_total_wan="-1",
        trigger_date="2027-01-01",
    )
    errors = clerk_client.post(reverse("projects:create"), data).context["form"].errors
    assert {"owner_uscc", "contractor_manager_phone", "contract_total_wan", "trigger_date"} <= set(errors)
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_p1_a_non_street_unit_cannot_use_a_street_trigger_even_via_hrss(
    client, dispatcher, units, time_machine
):
    # HRSS may register for any unit, so its form offers every trigger: the service still refuses the pair.
    time_machine.move_to(at(2026, 9, 4), tick=False)
    client.force_login(dispatcher)
    data = form_data(units, unit=units["区住房城乡建设局"].pk, trigger_type="street_self")
    response = client.post(reverse("projects:create"), data)
    assert response.context["form"].errors["trigger_type"] == [
        "区住房城乡建设局的推送依据应为“行业主管部门收到审批、资金落实、施工许可信息”"
    ]
    assert Project.objects.count() == 0
    assert Enterprise.objects.count() == 0


@pytest.mark.django_db
def test_p1_a_street_cannot_use_an_industry_trigger_via_hrss(client, dispatcher, units, time_machine):
    time_machine.move_to(at(2026, 9, 4), tick=False)
    client.force_login(dispatcher)
    data = form_data(units, unit=units["李封街道办事处"].pk, trigger_type="industry_info")
    response = client.post(reverse("projects:create"), data)
    assert response.context["form"].errors["trigger_type"] == [
        "李封街道办事处的推送依据应为“街道自主实施项目（开工前推送）”、“辖区内企业施工项目（街道掌握）”"
    ]
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_p3_a_duplicate_project_name_in_the_same_unit_is_refused(clerk_client, units):
    clerk_client.post(reverse("projects:create"), form_data(units))
    response = clerk_client.post(
        reverse("projects:create"), form_data(units, contractor_uscc=make_uscc(2000))
    )
    assert response.context["form"].errors["name"] == ["本单位已登记同名项目，请勿重复推送"]
    assert Project.objects.count() == 1
    assert Enterprise.objects.count() == 2


@pytest.mark.django_db
def test_p3_push_button_on_an_incomplete_draft_refuses_and_sends_to_the_edit_page(clerk_client, units):
    clerk_client.post(
        reverse("projects:create"), form_data(units, push=False, contractor_name="", contractor_uscc="")
    )
    project = Project.objects.get()
    response = clerk_client.post(reverse("projects:push", args=[project.pk]), follow=True)
    project = Project.objects.get(pk=project.pk)
    assert project.status == ProjectStatus.DRAFT
    assert response.redirect_chain[-1][0] == reverse("projects:edit", args=[project.pk])
    assert "无法推送" in response.content.decode()
    assert "推送前请填写施工总承包单位名称" in response.content.decode()


# --- enterprises are one record per USCC (P3) ------------------------------------------------------


@pytest.mark.django_db
def test_p3_two_projects_naming_the_same_uscc_share_one_enterprise(clerk_client, units):
    shared = make_uscc(4242)
    clerk_client.post(reverse("projects:create"), form_data(units, serial=1, contractor_uscc=shared))
    # Typed in lower case, with a stray space: still the same enterprise.
    clerk_client.post(
        reverse("projects:create"),
        form_data(
            units,
            serial=2,
            contractor_uscc=f" {shared.lower()} ",
            contractor_name="河南测试建设工程有限公司1",
        ),
    )
    first, second = Project.objects.order_by("id")
    assert first.contractor_id == second.contractor_id
    assert first.owner_id == second.owner_id
    assert Enterprise.objects.count() == 2  # one owner, one contractor


@pytest.mark.django_db
def test_p3_a_known_uscc_under_another_name_is_refused_at_the_name_not_silently_dropped(clerk_client, units):
    shared = make_uscc(4242)
    clerk_client.post(reverse("projects:create"), form_data(units, serial=1, contractor_uscc=shared))
    response = clerk_client.post(
        reverse("projects:create"),
        form_data(units, serial=2, contractor_uscc=shared, contractor_name="另一个写法的公司名"),
    )
    assert response.context["form"].errors["contractor_name"] == [
        "该信用代码已登记为“河南测试建设工程有限公司1”，企业名称以登记为准；如企业已更名，请联系区人社局更正"
    ]
    assert Project.objects.count() == 1
    assert Enterprise.objects.get(uscc=shared).name == "河南测试建设工程有限公司1"


# --- a clerk acts for their own unit only -----------------------------------------------------------


@pytest.mark.django_db
def test_p3_clerk_posting_another_units_id_still_creates_for_their_own_unit(clerk_client, units):
    form = clerk_client.get(reverse("projects:create")).context["form"]
    assert "unit" not in form.fields
    clerk_client.post(reverse("projects:create"), form_data(units, unit=units["区交通运输局"].pk))
    project = Project.objects.get()
    assert project.unit == units["区住房城乡建设局"]


@pytest.mark.django_db
def test_p3_hrss_registers_for_the_unit_it_chooses(client, dispatcher, units, time_machine):
    time_machine.move_to(at(2026, 9, 4), tick=False)
    client.force_login(dispatcher)
    client.post(reverse("projects:create"), form_data(units, unit=units["区交通运输局"].pk))
    assert Project.objects.get().unit == units["区交通运输局"]


# --- editing -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_p6_editing_a_pushed_project_cannot_change_its_trigger_date(clerk_client, units):
    clerk_client.post(reverse("projects:create"), form_data(units))
    project = Project.objects.get()
    form = clerk_client.get(reverse("projects:edit", args=[project.pk])).context["form"]
    assert form.fields["trigger_date"].disabled and form.fields["trigger_type"].disabled

    data = form_data(
        units, push=False, trigger_date="2026-08-01", trigger_type="gov_approval", remarks="补充说明"
    )
    response = clerk_client.post(reverse("projects:edit", args=[project.pk]), data)
    assert response.status_code == 302
    project = Project.objects.get(pk=project.pk)
    assert project.trigger_date == dt.date(2026, 9, 1)
    assert project.trigger_type == "industry_info"
    assert project.push_deadline == dt.date(2026, 9, 8)
    assert project.is_late is False
    assert project.remarks == "补充说明"


@pytest.mark.django_db
def test_p6_a_clerk_may_correct_a_draft_trigger_so_the_deadline_comes_earlier(clerk_client, units):
    clerk_client.post(reverse("projects:create"), form_data(units, push=False, trigger_date="2026-09-03"))
    project = Project.objects.get()
    assert project.push_deadline == dt.date(2026, 9, 10)
    clerk_client.post(
        reverse("projects:edit", args=[project.pk]),
        form_data(units, push=False, trigger_date="2026-09-01", contract_signed_on="2026-09-01"),
    )
    assert Project.objects.get(pk=project.pk).push_deadline == dt.date(2026, 9, 8)


@pytest.mark.django_db
def test_p6_a_clerk_cannot_move_a_draft_deadline_later_by_editing_the_trigger(clerk_client, units):
    clerk_client.post(reverse("projects:create"), form_data(units, push=False))
    project = Project.objects.get()
    response = clerk_client.post(
        reverse("projects:edit", args=[project.pk]),
        form_data(units, push=False, trigger_date="2026-09-03", contract_signed_on="2026-09-03"),
    )
    errors = response.context["form"].errors["trigger_date"]
    assert "截止日期只能提前不能推后" in errors[0]
    project = Project.objects.get(pk=project.pk)
    assert (project.trigger_date, project.push_deadline) == (dt.date(2026, 9, 1), dt.date(2026, 9, 8))


@pytest.mark.django_db
def test_p6_hrss_may_correct_a_trigger_so_the_deadline_moves_later(clerk_client, dispatcher, units):
    clerk_client.post(reverse("projects:create"), form_data(units, push=False))
    project = Project.objects.get()
    clerk_client.force_login(dispatcher)
    response = clerk_client.post(
        reverse("projects:edit", args=[project.pk]),
        form_data(units, push=False, trigger_date="2026-09-03", contract_signed_on="2026-09-03"),
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).push_deadline == dt.date(2026, 9, 10)


@pytest.mark.django_db
def test_p3_editing_a_pushed_project_still_requires_every_push_field(clerk_client, units):
    clerk_client.post(reverse("projects:create"), form_data(units))
    project = Project.objects.get()
    response = clerk_client.post(
        reverse("projects:edit", args=[project.pk]), form_data(units, push=False, contract_total_wan="")
    )
    assert response.context["form"].errors["contract_total_wan"] == ["推送前请填写合同总额"]
    project = Project.objects.get(pk=project.pk)
    assert project.contract_total_wan == Decimal("1234.56")


@pytest.mark.django_db
def test_p1_the_edit_form_of_a_draft_can_push_it(clerk_client, units):
    clerk_client.post(reverse("projects:create"), form_data(units, push=False))
    project = Project.objects.get()
    clerk_client.post(reverse("projects:edit", args=[project.pk]), form_data(units, push=True))
    project = Project.objects.get(pk=project.pk)
    assert project.status == ProjectStatus.PUSHED
    assert project.is_late is False


@pytest.mark.django_db
def test_p1_a_pushed_project_cannot_be_pushed_twice(clerk_client, units):
    clerk_client.post(reverse("projects:create"), form_data(units))
    project = Project.objects.get()
    first_pushed_at = project.pushed_at
    response = clerk_client.post(reverse("projects:push", args=[project.pk]), follow=True)
    project = Project.objects.get(pk=project.pk)
    assert project.pushed_at == first_pushed_at
    assert "不能重复推送" in response.content.decode()


@pytest.mark.django_db
def test_p3_hrss_editing_a_draft_is_not_offered_a_unit_change_it_would_silently_drop(
    client, dispatcher, units, time_machine
):
    # project_update never moves a project to another unit, so the edit form must not pretend it can.
    time_machine.move_to(at(2026, 9, 4), tick=False)
    client.force_login(dispatcher)
    client.post(reverse("projects:create"), form_data(units, push=False, unit=units["区住房城乡建设局"].pk))
    project = Project.objects.get()
    form = client.get(reverse("projects:edit", args=[project.pk])).context["form"]
    assert form.fields["unit"].disabled
    data = form_data(units, push=False, unit=units["区交通运输局"].pk, remarks="人社局补充")
    client.post(reverse("projects:edit", args=[project.pk]), data)
    project = Project.objects.get(pk=project.pk)
    assert (project.unit, project.remarks) == (units["区住房城乡建设局"], "人社局补充")


# --- dates are Beijing dates; accepted spellings are normalised ---------------------------------------


@pytest.mark.django_db
def test_p1_a_trigger_dated_today_is_accepted_just_after_midnight_beijing_time(
    client, zhujian, units, time_machine
):
    # 00:30 in Shanghai is still the previous day in UTC: "today" must be the Beijing date.
    time_machine.move_to(at(2026, 9, 4, 0, 30), tick=False)
    client.force_login(zhujian)
    response = client.post(
        reverse("projects:create"),
        form_data(units, trigger_date="2026-09-04", contract_signed_on="2026-09-04"),
    )
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.push_deadline == dt.date(2026, 9, 11)
    assert project.is_late is False


@pytest.mark.django_db
def test_p6_a_push_at_0030_beijing_time_after_the_deadline_is_late(client, zhujian, units, time_machine):
    # 00:30 in Shanghai the day after the deadline is still the deadline day in UTC: it must count as late.
    time_machine.move_to(at(2026, 9, 1, 9), tick=False)
    client.force_login(zhujian)
    project = _draft(client, units)
    time_machine.move_to(at(2026, 9, 9, 0, 30))  # deadline Tue 09-08; 09-08 16:30 UTC
    client.force_login(zhujian)
    client.post(reverse("projects:push", args=[project.pk]))
    project = Project.objects.get(pk=project.pk)
    assert (project.is_late, project.late_working_days) == (True, 1)


@pytest.mark.django_db
def test_p3_accepted_phone_and_uscc_spellings_are_stored_normalised(clerk_client, units):
    data = form_data(
        units,
        contractor_manager_phone="+86 138 0391 0002",
        owner_manager_phone="（0391）2958033",
        contractor_uscc=make_uscc(1001).lower(),
    )
    response = clerk_client.post(reverse("projects:create"), data)
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.contractor_manager_phone == "13803910002"
    assert project.owner_manager_phone == "03912958033"
    assert project.contractor.uscc == make_uscc(1001)


@pytest.mark.django_db
def test_p3_a_push_names_every_missing_column_together_with_format_errors(clerk_client, units):
    data = form_data(units, owner_uscc="91410803MA0000001X", contractor_name="", contractor_uscc="")
    data.pop("contract_total_wan")
    response = clerk_client.post(reverse("projects:create"), data)
    errors = response.context["form"].errors
    assert errors["owner_uscc"] == ["统一社会信用代码无效：应为18位，且校验位正确"]
    assert errors["contractor_name"] == ["推送前请填写施工总承包单位名称"]
    assert errors["contract_total_wan"] == ["推送前请填写合同总额"]
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_p3_saving_a_draft_does_not_require_the_push_columns(clerk_client, units):
    data = form_data(units, push=False, contractor_name="", contractor_uscc="")
    response = clerk_client.post(reverse("projects:create"), data)
    assert response.status_code == 302
    assert Project.objects.get().status == ProjectStatus.DRAFT


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["1,234.56", "1，234.56", "1234.56万", "1234.56万元", " 1234.56 "])
def test_p3_contract_total_accepts_what_clerks_type(clerk_client, units, typed):
    response = clerk_client.post(reverse("projects:create"), form_data(units, contract_total_wan=typed))
    assert response.status_code == 302
    assert Project.objects.get().contract_total_wan == Decimal("1234.56")


@pytest.mark.django_db
def test_p3_a_full_width_uscc_typed_with_the_ime_on_is_accepted(clerk_client, units):
    full_width = make_uscc(77).translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    response = clerk_client.post(reverse("projects:create"), form_data(units, contractor_uscc=full_width))
    assert response.status_code == 302
    assert Project.objects.get().contractor.uscc == make_uscc(77)


@pytest.mark.django_db
def test_p1_an_industry_authority_is_offered_only_its_own_trigger(clerk_client, units):
    form = clerk_client.get(reverse("projects:create")).context["form"]
    assert [c[0] for c in form.fields["trigger_type"].choices] == ["", "industry_info"]


@pytest.mark.django_db
def test_p3_the_form_offers_the_units_last_leader_and_phone(clerk_client, units):
    clerk_client.post(reverse("projects:create"), form_data(units, unit_leader_name="钱科长"))
    form = clerk_client.get(reverse("projects:create")).context["form"]
    assert (form.initial["unit_leader_name"], form.initial["unit_leader_phone"]) == ("钱科长", "0391-2958100")


@pytest.mark.django_db
def test_p6_a_late_push_is_reported_as_a_warning_not_a_success(client, zhujian, units, time_machine):
    time_machine.move_to(at(2026, 9, 9), tick=False)  # deadline Tue 09-08 passed
    client.force_login(zhujian)
    response = client.post(reverse("projects:create"), form_data(units), follow=True)
    [message] = list(response.context["messages"])
    assert message.level_tag == "warning"
    assert "逾期 1 个工作日" in message.message


@pytest.mark.django_db
def test_p3_an_incomplete_draft_offers_completion_not_a_push_button(clerk_client, units):
    clerk_client.post(
        reverse("projects:create"), form_data(units, push=False, contractor_name="", contractor_uscc="")
    )
    project = Project.objects.get()
    page = clerk_client.get(reverse("projects:detail", args=[project.pk]))
    assert page.context["missing_for_push"] == ["施工总承包单位名称", "施工总承包单位统一社会信用代码"]
    assert reverse("projects:push", args=[project.pk]) not in page.content.decode()


@pytest.mark.django_db
def test_p3_a_format_error_does_not_hide_the_rules_other_fields_break(clerk_client, units):
    # 合同总额 is not a number (the form's format check); the trigger date lies in the future and a push
    # lacks the contractor (the service's rules): all named in the same round, each at its field.
    data = form_data(units, contract_total_wan="一百万", trigger_date="2026-09-05", contractor_name="")
    errors = clerk_client.post(reverse("projects:create"), data).context["form"].errors
    assert errors["contract_total_wan"] == ["请输入数字金额（单位：万元）"]
    assert errors["trigger_date"] == ["依据发生日期不能晚于今天"]
    assert errors["contractor_name"] == ["推送前请填写施工总承包单位名称"]
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_p3_the_form_checks_formats_only_and_leaves_the_rules_to_the_service(zhujian, units, time_machine):
    from projects.forms import ProjectForm

    time_machine.move_to(at(2026, 9, 4), tick=False)
    data = form_data(units, trigger_date="2027-01-01", contract_total_wan="-5", contractor_uscc="坏代码")
    form = ProjectForm(data, user=zhujian)
    assert form.is_valid(), form.errors  # the rules live in projects.services.project_validate


@pytest.mark.django_db
def test_b11_a_nul_character_in_a_text_field_is_refused_in_chinese(clerk_client, units):
    errors = (
        clerk_client.post(reverse("projects:create"), form_data(units, name="体育馆\x00工程"))
        .context["form"]
        .errors
    )
    assert errors["name"] == ["含有不允许的字符（空字符），请删除后重新填写"]
    assert Project.objects.count() == 0
