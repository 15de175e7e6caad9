"""P6 accountability per unit and the home page per role (待办, issue 2 parts 7 and 10), with time travel.

The district, as built by the `district` fixture (trigger Tue 2026-09-29 → deadline Mon 2026-10-12):
  住建 A pushed 10-12 23:59 (on time)   住建 B pushed 10-13 09:00 (late 1)   住建 C draft, deadline 10-12
  住建 D draft, trigger 10-16 → deadline 10-23   住建 F draft, trigger 10-14 → deadline 10-21
  交通 E draft, deadline 10-12
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import ProjectStatus
from projects.services import project_push
from tests.factories import create_project
from tests.helpers import at


@pytest.fixture
def district(zhujian, jiaotong, units, time_machine):
    street = units["李封街道办事处"]
    time_machine.move_to(at(2026, 9, 29, 16), tick=False)
    made = {}
    for key, user, serial in [("A", zhujian, 1), ("B", zhujian, 2), ("C", zhujian, 3), ("E", jiaotong, 5)]:
        made[key] = create_project(
            user=user, street=street, serial=serial, name=f"项目{key}", trigger_date=dt.date(2026, 9, 29)
        )
    time_machine.move_to(at(2026, 10, 12, 23, 59))
    made["A"] = project_push(user=zhujian, project=made["A"])
    time_machine.move_to(at(2026, 10, 13, 9, 0))
    made["B"] = project_push(user=zhujian, project=made["B"])
    time_machine.move_to(at(2026, 10, 16, 16))
    made["F"] = create_project(
        user=zhujian, street=street, serial=6, name="项目F", trigger_date=dt.date(2026, 10, 14)
    )
    made["D"] = create_project(
        user=zhujian, street=street, serial=4, name="项目D", trigger_date=dt.date(2026, 10, 16)
    )
    assert [made[k].push_deadline for k in "ABCDEF"] == [
        dt.date(2026, 10, 12),
        dt.date(2026, 10, 12),
        dt.date(2026, 10, 12),
        dt.date(2026, 10, 23),
        dt.date(2026, 10, 12),
        dt.date(2026, 10, 21),
    ]
    assert (made["A"].is_late, made["B"].is_late, made["B"].late_working_days) == (False, True, 1)
    return made


def visit(client, user, time_machine, when, url):
    time_machine.move_to(when)
    client.force_login(user)
    return client.get(url)


def rows_by_unit(response) -> dict[str, tuple]:
    return {
        row.name: (row.total, row.on_time, row.late, row.overdue_unpushed, row.pending)
        for row in response.context["rows"]
    }


# --- P6 accountability ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_p6_counts_on_time_late_overdue_and_pending_per_unit(client, district, dispatcher, time_machine):
    response = visit(
        client, dispatcher, time_machine, at(2026, 10, 20), reverse("supervision:accountability")
    )
    assert response.status_code == 200
    rows = rows_by_unit(response)
    assert rows["区住房城乡建设局"] == (5, 1, 1, 1, 2)
    assert rows["区交通运输局"] == (1, 0, 0, 1, 0)
    # A unit bound to push that registered nothing still appears, with zeros.
    assert rows["李封街道办事处"] == (0, 0, 0, 0, 0)
    # HRSS receives pushes and is not itself accountable; units not bound to push and without projects stay out.
    assert "区人力资源社会保障局" not in rows
    assert "区信访局" not in rows
    assert {p.name for p in response.context["overdue"]} == {"项目C", "项目E"}


@pytest.mark.django_db
def test_p6_units_with_overdue_projects_come_first(client, district, leader, time_machine):
    response = visit(client, leader, time_machine, at(2026, 10, 20), reverse("supervision:accountability"))
    names = [row.name for row in response.context["rows"]]
    assert names[:2] == ["区住房城乡建设局", "区交通运输局"]


@pytest.mark.django_db
def test_p6_not_overdue_on_the_deadline_day_at_2359(client, district, dispatcher, time_machine):
    # 10-12 23:59: A has just been pushed; C and E are due today, not yet overdue.
    response = visit(
        client, dispatcher, time_machine, at(2026, 10, 12, 23, 59), reverse("supervision:accountability")
    )
    rows = rows_by_unit(response)
    assert rows["区交通运输局"] == (1, 0, 0, 0, 1)
    assert list(response.context["overdue"]) == []
    assert "没有逾期未推送的项目" in response.content.decode()


@pytest.mark.django_db
def test_p6_overdue_from_the_first_minute_of_the_day_after_the_deadline(
    client, district, dispatcher, time_machine
):
    response = visit(
        client, dispatcher, time_machine, at(2026, 10, 13, 0, 0), reverse("supervision:accountability")
    )
    rows = rows_by_unit(response)
    assert rows["区交通运输局"] == (1, 0, 0, 1, 0)
    assert {p.name for p in response.context["overdue"]} == {"项目C", "项目E"}
    body = response.content.decode()
    assert "项目E" in body and "2026-10-12" in body


@pytest.mark.django_db
def test_p6_a_late_push_moves_a_project_from_overdue_to_late(
    client, district, jiaotong, dispatcher, time_machine
):
    time_machine.move_to(at(2026, 10, 20))
    project_push(user=jiaotong, project=district["E"])
    response = visit(
        client, dispatcher, time_machine, at(2026, 10, 20, 11), reverse("supervision:accountability")
    )
    # 10-12 → pushed Tue 10-20: 10-13..10-16, 10-19, 10-20 = 6 working days late.
    assert rows_by_unit(response)["区交通运输局"] == (1, 0, 1, 0, 0)
    assert "项目E" not in {p.name for p in response.context["overdue"]}


@pytest.mark.django_db
def test_p6_clerks_get_403_on_the_accountability_page(client, district, zhujian, street_clerk, time_machine):
    for user in (zhujian, street_clerk):
        response = visit(client, user, time_machine, at(2026, 10, 20), reverse("supervision:accountability"))
        assert response.status_code == 403
        assert "推送时效统计仅对人社局和领导开放" in response.content.decode()


@pytest.mark.django_db
def test_p6_the_accountability_link_is_offered_only_to_those_who_may_open_it(
    client, district, zhujian, leader, time_machine
):
    url = reverse("supervision:accountability")
    assert url not in visit(client, zhujian, time_machine, at(2026, 10, 20), reverse("home")).content.decode()
    leader_home = visit(client, leader, time_machine, at(2026, 10, 20, 11), reverse("supervision:dashboard"))
    assert url in leader_home.content.decode()


# --- home (待办) ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_clerk_home_lists_their_units_drafts_soonest_deadline_first(client, district, zhujian, time_machine):
    response = visit(client, zhujian, time_machine, at(2026, 10, 20), reverse("home"))
    assert response.status_code == 200
    todo = response.context["todo"]
    assert [p.name for p in todo] == ["项目C", "项目F", "项目D"]
    assert all(p.status == ProjectStatus.DRAFT for p in todo)
    body = response.content.decode()
    assert "项目E" not in body  # 交通's draft
    assert "项目A" not in body and "项目B" not in body  # already pushed
    # C was due Mon 10-12; on Tue 10-20: 10-13..10-16, 10-19, 10-20 — working days, not "1 周".
    assert "逾期6个工作日" in body
    assert "周" not in body.split("待推送项目")[1]
    assert "totals" not in response.context


@pytest.mark.django_db
def test_clerk_home_marks_a_project_due_today(client, district, zhujian, time_machine):
    response = visit(client, zhujian, time_machine, at(2026, 10, 21, 9), reverse("home"))
    assert "今日截止" in response.content.decode()


@pytest.mark.django_db
def test_clerk_home_of_another_unit_shows_only_its_own_draft(client, district, jiaotong, time_machine):
    response = visit(client, jiaotong, time_machine, at(2026, 10, 20), reverse("home"))
    assert [p.name for p in response.context["todo"]] == ["项目E"]


@pytest.mark.django_db
def test_clerk_home_without_drafts_tells_a_first_time_user_what_to_do(client, street_clerk, time_machine):
    response = visit(client, street_clerk, time_machine, at(2026, 10, 20), reverse("home"))
    body = response.content.decode()
    assert response.context["todo"] == []
    assert "本单位没有待推送的项目" in body
    assert "开工前推送" in body  # a street's own rule (P2)
    assert reverse("projects:create") in body


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["dispatcher"])
def test_hrss_and_leader_home_shows_district_totals(client, district, request, who, time_machine):
    # 10-20 08:00: the last 7 days reach back to 10-13 08:00, so B's push counts and A's does not.
    response = visit(client, request.getfixturevalue(who), time_machine, at(2026, 10, 20, 8), reverse("home"))
    assert response.status_code == 200
    assert response.context["totals"] == {
        "total": 6,
        "pushed": 2,
        "late": 1,
        "overdue_unpushed": 2,
        "pending": 2,
        "pushed_this_week": 1,
    }
    assert [p.name for p in response.context["overdue"]] == ["项目C", "项目E"]
    assert "todo" not in response.context


@pytest.mark.django_db
def test_every_home_figure_links_to_a_ledger_list_of_the_same_size(
    client, district, dispatcher, time_machine
):
    import re

    response = visit(client, dispatcher, time_machine, at(2026, 10, 20, 8), reverse("home"))
    body = response.content.decode()
    links = re.findall(r'<a class="stat[^"]*" href="([^"]+)"><b>(\d+)</b><span>([^<]+)</span>', body)
    assert len(links) == 11, links  # 5 project figures, 4 clue figures (open, by colour), 2 letter figures
    for href, shown, label in links:
        listed = client.get(href.replace("&amp;", "&")).context["page"].paginator.count
        assert listed == int(shown), f"{label}: the home page shows {shown}, its link lists {listed}"


@pytest.mark.django_db
def test_p6_unit_rows_add_up_to_the_district_totals_even_for_a_deactivated_unit(
    client, district, dispatcher, units, time_machine
):
    # 交通 is merged away (deactivated) with an overdue project on its record: P6 must still show it.
    units["区交通运输局"].is_active = False
    units["区交通运输局"].save()
    accountability = visit(
        client, dispatcher, time_machine, at(2026, 10, 20, 8), reverse("supervision:accountability")
    )
    rows = rows_by_unit(accountability)
    assert rows["区交通运输局"] == (1, 0, 0, 1, 0)
    totals = client.get(reverse("home")).context["totals"]
    summed = [sum(r[i] for r in rows.values()) for i in range(5)]
    assert summed == [
        totals["total"],
        totals["pushed"] - totals["late"],
        totals["late"],
        totals["overdue_unpushed"],
        totals["pending"],
    ]


@pytest.mark.django_db
def test_p1_a_clerk_of_a_unit_that_pushes_nothing_is_not_asked_to_push(client, units):
    from tests.factories import UserFactory

    petition_clerk = UserFactory(username="xinfang_t", unit=units["区信访局"], role="petition_clerk")
    client.force_login(petition_clerk)
    page = client.get(reverse("home")).content.decode()
    assert "本单位不承担项目推送" in page
    assert "登记并推送项目" not in page
    assert client.get(reverse("projects:create")).status_code == 403


# --- B1: overdue in working days, everywhere ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["home", "supervision:accountability"])
def test_p6_hrss_pages_show_overdue_as_working_days_not_calendar_time(
    client, district, dispatcher, time_machine, url_name
):
    # C and E were due Mon 10-12. Mon 10-19: 10-13..10-16, 10-19 = 5 working days (a calendar week).
    response = visit(client, dispatcher, time_machine, at(2026, 10, 19, 9), reverse(url_name))
    body = response.content.decode()
    assert body.count("逾期5个工作日") == 2
    assert "1 周" not in body and "周" not in body.split("逾期未推送项目")[1]


@pytest.mark.django_db
def test_p6_overdue_on_a_weekend_counts_to_the_next_working_day(client, district, dispatcher, time_machine):
    # Sat 10-17: a push now reaches HRSS on Mon 10-19, so C and E stand at 5 working days, as a push would be
    # recorded (the same rule as late_working_days).
    response = visit(client, dispatcher, time_machine, at(2026, 10, 17, 9), reverse("home"))
    assert [p.overdue_working_days for p in response.context["overdue"]] == [5, 5]


# --- B7 / B8: what a clerk is offered ------------------------------------------------------------------


@pytest.mark.django_db
def test_p1_a_unit_that_pushes_nothing_is_offered_neither_registration_nor_import(client, units):
    from tests.factories import UserFactory

    petition_clerk = UserFactory(username="xinfang_t", unit=units["区信访局"], role="petition_clerk")
    client.force_login(petition_clerk)
    for url in (reverse("home"), reverse("projects:ledger")):
        page = client.get(url).content.decode()
        assert reverse("projects:create") not in page, url
        assert reverse("projects:import") not in page, url
        assert "批量导入" not in page and "登记并推送项目" not in page, url


@pytest.mark.django_db
def test_p1_a_pushing_unit_and_hrss_are_offered_both(client, zhujian, dispatcher, leader):
    for user in (zhujian, dispatcher):
        client.force_login(user)
        page = client.get(reverse("projects:ledger")).content.decode()
        assert reverse("projects:create") in page and reverse("projects:import") in page
    client.force_login(leader)  # reads everything, changes nothing
    page = client.get(reverse("projects:ledger")).content.decode()
    assert reverse("projects:create") not in page and reverse("projects:import") not in page


@pytest.mark.django_db
def test_clerk_home_offers_push_for_a_complete_draft_and_completion_for_an_incomplete_one(
    client, zhujian, units, time_machine
):
    time_machine.move_to(at(2026, 9, 4), tick=False)
    street = units["李封街道办事处"]
    complete = create_project(user=zhujian, street=street, serial=1, name="完整草稿")
    incomplete = create_project(
        user=zhujian,
        street=street,
        serial=2,
        name="缺合同草稿",
        contract_total_wan=None,
        contract_signed_on=None,
    )
    client.force_login(zhujian)
    body = client.get(reverse("home")).content.decode()
    rows = {name: next(r for r in body.split("<tr")[1:] if name in r) for name in ("完整草稿", "缺合同草稿")}
    push_url = reverse("projects:push", args=[complete.pk])
    assert f'action="{push_url}"' in rows["完整草稿"]
    assert "补全并推送" not in rows["完整草稿"]
    assert "补全并推送" in rows["缺合同草稿"]
    assert reverse("projects:edit", args=[incomplete.pk]) in rows["缺合同草稿"]
    assert reverse("projects:push", args=[incomplete.pk]) not in rows["缺合同草稿"]

    # The button pushes: on time, and the clerk is back on the project's page.
    response = client.post(push_url)
    assert response.status_code == 302
    complete.refresh_from_db()
    assert complete.is_pushed


@pytest.mark.django_db
def test_clerk_home_tells_the_push_period_from_the_policy_parameter(client, street_clerk, time_machine):
    from common.models import PolicyParameter

    PolicyParameter.objects.filter(code="P1.push_working_days").update(value=7)
    response = visit(client, street_clerk, time_machine, at(2026, 10, 20), reverse("home"))
    assert "<b>7个工作日</b>" in response.content.decode()


@pytest.mark.django_db
def test_petition_bureau_home_offers_intake_and_lists_its_open_petitions(client, units):
    from clues.services import clue_register
    from tests.factories import UserFactory

    clerk = UserFactory(username="xinfang_h", unit=units["区信访局"], role="petition_clerk")
    clue = clue_register(
        user=clerk, channel="petition_bureau", received_at=timezone.now(), complainant_name="杜长海",
        complainant_phone="13462911234", workers_affected=3, amount_owed="9000", street=units["李封街道办事处"],
        employer_name="焦作某劳务公司", description="三人工资未付",
    )  # fmt: skip
    client.force_login(clerk)
    page = client.get(reverse("home")).content.decode()
    assert "＋ 登记线索" in page and clue.number in page and "见上方" not in page


@pytest.mark.django_db
def test_a_leaders_home_is_the_dashboard(client, leader):
    client.force_login(leader)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("supervision:dashboard")
