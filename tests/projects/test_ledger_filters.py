"""P5/P6: one filter path for the ledger page, the Excel export and the API (projects.filters), one
vocabulary (`timeliness`), and P6 timeliness decided once (projects.selectors.with_timeliness) and shown as
decided on every page, in the export and in the API."""

import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from projects.filters import ledger_filterset
from projects.models import Project, Timeliness
from projects.selectors import project_visible_to, with_timeliness
from projects.services import project_push
from tests.factories import create_project
from tests.helpers import at

NOW = at(2026, 10, 20)  # Tue, after National Day 2026


@pytest.fixture
def ledger(zhujian, units, time_machine):
    """One project in each P6 state, at 2026-10-20, plus a draft whose deadline is today."""
    time_machine.move_to(NOW, tick=False)
    lifeng = units["李封街道办事处"]

    def make(serial, trigger, **extra):
        return create_project(user=zhujian, street=lifeng, serial=serial, trigger_date=trigger, **extra)

    on_time = make(1, dt.date(2026, 9, 1))
    project_push(user=zhujian, project=on_time, at=at(2026, 9, 2))
    late = make(2, dt.date(2026, 9, 1), category="housing")
    project_push(user=zhujian, project=late, at=at(2026, 10, 19))
    overdue = make(3, dt.date(2026, 9, 29))  # deadline before National Day's rest days ran out: long past
    pending = make(4, dt.date(2026, 10, 19))
    due_today = make(5, dt.date(2026, 10, 13))  # 5 working days: 10-14 … 10-20
    assert due_today.push_deadline == NOW.date()
    return {"on_time": on_time, "late": late, "overdue": overdue, "pending": pending, "due_today": due_today}


def page_names(client, query: dict) -> list[str]:
    response = client.get(reverse("projects:ledger"), query)
    assert response.status_code == 200
    return [p.name for p in response.context["page"].object_list]


def export_names(client, query: dict) -> list[str]:
    response = client.get(reverse("projects:export"), query)
    assert response.status_code == 200, response
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [r[1] for r in wb.worksheets[0].iter_rows(min_row=4, values_only=True) if r[1]]


def api_names(api_client, query: dict) -> list[str]:
    response = api_client.get("/api/projects/", query)
    assert response.status_code == 200, response.json()
    return [p["name"] for p in response.json()["results"]]


@pytest.mark.django_db
def test_p6_timeliness_is_annotated_once_per_project(ledger, zhujian):
    decided = dict(project_visible_to(zhujian).values_list("name", "timeliness"))
    assert decided == {
        "测试项目1": Timeliness.ON_TIME,
        "测试项目2": Timeliness.LATE,
        "测试项目3": Timeliness.OVERDUE,
        "测试项目4": Timeliness.PENDING,
        "测试项目5": Timeliness.PENDING,  # the deadline day itself is still in time
    }


@pytest.mark.django_db
def test_p6_a_draft_becomes_overdue_the_day_after_its_deadline(ledger, zhujian):
    due = Project.objects.filter(pk=ledger["due_today"].pk)
    assert with_timeliness(due, NOW.date()).get().timeliness == Timeliness.PENDING
    assert with_timeliness(due, NOW.date() + dt.timedelta(days=1)).get().timeliness == Timeliness.OVERDUE


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"timeliness": "pending"},
        {"timeliness": "overdue"},
        {"q": "测试项目1"},
        {"category": "housing"},
        {"status": "draft", "ordering": "push_deadline"},
        {"date_from": "2026-09-29", "ordering": "name"},
    ],
    ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()) or "all",
)
def test_p5_the_page_the_export_and_the_api_filter_and_order_alike(client, ledger, zhujian, query):
    client.force_login(zhujian)
    api = APIClient()
    api.force_authenticate(zhujian)
    expected = [p.name for p in ledger_filterset(query, user=zhujian).qs]
    assert expected, "each query selects something"
    assert page_names(client, query) == expected
    assert export_names(client, query) == expected
    assert api_names(api, query) == expected


@pytest.mark.django_db
def test_p6_the_timeliness_filter_selects_what_the_annotation_says(ledger, zhujian):
    for value in Timeliness.values:
        selected = ledger_filterset({"timeliness": value}, user=zhujian).qs
        assert selected.exists() and {p.timeliness for p in selected} == {value}


@pytest.mark.django_db
def test_p6_the_ledger_page_shows_each_rows_timeliness_as_decided(client, ledger, zhujian):
    client.force_login(zhujian)
    html = client.get(reverse("projects:ledger")).content.decode()
    rows = {name: html.split(f">{name}</a>", 1)[1].split("</tr>", 1)[0] for name in page_names(client, {})}
    assert "已按时推送" in rows["测试项目1"]
    assert "逾期推送" in rows["测试项目2"] and "个工作日" in rows["测试项目2"]
    assert "逾期未推送" in rows["测试项目3"]
    assert "期限内待推送" in rows["测试项目4"] and "期限内待推送" in rows["测试项目5"]


@pytest.mark.django_db
def test_p6_the_detail_page_and_the_export_show_the_same_timeliness(client, ledger, zhujian):
    client.force_login(zhujian)
    for key, tag, label in (
        ("on_time", "已按时推送", "按时推送"),
        ("late", "逾期推送", "逾期推送"),
        ("overdue", "逾期未推送", "逾期未推送"),
        ("pending", "期限内待推送", "期限内待推送"),
    ):
        project = ledger[key]
        head = client.get(project.get_absolute_url()).content.decode().split("</h1>", 1)[0]
        assert tag in head, (key, head)
        response = client.get(reverse("projects:export"), {"q": project.name})
        wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        [row] = [r for r in wb.worksheets[0].iter_rows(min_row=4, values_only=True) if r[1]]
        assert row[26] == label  # 推送情况·是否逾期 (AA)


@pytest.mark.django_db
def test_p5_the_old_late_parameter_is_not_a_filter(client, ledger, zhujian):
    # One vocabulary: `timeliness`. Links of the home page and the accountability board use it too.
    client.force_login(zhujian)
    assert len(page_names(client, {"late": "overdue"})) == len(ledger)
    assert page_names(client, {"timeliness": "overdue"}) == ["测试项目3"]


@pytest.mark.django_db
def test_b11_a_search_with_a_nul_character_is_refused_in_chinese_at_the_field(client, ledger, zhujian):
    client.force_login(zhujian)
    response = client.get(reverse("projects:ledger"), {"q": "测试\x00", "timeliness": "overdue"})
    assert response.status_code == 200
    assert response.context["form"].errors["q"] == ["搜索内容含有不允许的字符（空字符），请删除后重新搜索"]
    assert "不允许是用空字符串" not in response.content.decode()
    # Dropped at its field; the other filter still applies.
    assert [p.name for p in response.context["page"].object_list] == ["测试项目3"]

    export = client.get(reverse("projects:export"), {"q": "\x00"})
    assert export.status_code == 302  # refused, not a file of everything
    page = client.get(export["Location"])
    assert "搜索内容含有不允许的字符" in page.content.decode()


@pytest.mark.django_db
def test_p5_a_bad_timeliness_or_ordering_is_dropped_at_its_field_on_the_page(client, ledger, zhujian):
    client.force_login(zhujian)
    response = client.get(reverse("projects:ledger"), {"timeliness": "sometimes", "ordering": "password"})
    form = response.context["form"]
    assert set(form.errors) == {"timeliness", "ordering"}
    assert all("选择" in e[0] for e in form.errors.values())  # Django's Chinese "select a valid choice"
    names = [p.name for p in response.context["page"].object_list]
    assert names == [p.name for p in ledger_filterset({}, user=zhujian).qs]  # newest first, all of them


@pytest.mark.django_db
def test_p5_ledger_filterset_is_scoped_by_the_user(ledger, jiaotong, dispatcher):
    assert not ledger_filterset({}, user=jiaotong).qs.exists()
    assert ledger_filterset({}, user=dispatcher).qs.count() == len(ledger)
    with time_machine.travel(NOW, tick=False):
        fs = ledger_filterset({"unit": str(ledger["on_time"].unit_id)}, user=jiaotong)
        assert fs.is_valid() and not fs.qs.exists()  # a clerk's forged unit filter is ignored, not widened
