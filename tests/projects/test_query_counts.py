"""Pages read the database a fixed number of times whatever the number of projects (issue 2, figures).

Each test renders a page for a small and a larger district and asserts the exact same query count: an N+1
(a related name read per row, a history entry resolving its user) would show as a difference.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.services import ProjectData, project_push, project_update
from tests.factories import create_project, make_uscc
from tests.helpers import SHANGHAI

STREETS = ["李封街道办事处", "王封街道办事处", "朱村街道办事处"]


@pytest.fixture
def now(time_machine):
    when = dt.datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI)
    time_machine.move_to(when, tick=False)
    return when


def add_projects(units, users, start: int, count: int) -> None:
    """A mixed district: units, streets, enterprises vary; a third pushed, the rest drafts (some overdue)."""
    for serial in range(start, start + count):
        user = users[serial % len(users)]
        project = create_project(
            user=user,
            street=units[STREETS[serial % len(STREETS)]],
            serial=serial,
            trigger_date=dt.date(2026, 9, 29) if serial % 2 else dt.date(2026, 10, 16),
            owner_uscc=make_uscc(500 + serial % 4),
            owner_name=f"建设单位{serial % 4}",
        )
        if serial % 3 == 0:
            project_push(user=user, project=project)


def count_queries(client, url) -> int:
    client.get(url)  # warm caches (content types, templates) so both measurements see the same state
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def assert_constant(client, units, users, url, *, first=3, then=30) -> int:
    add_projects(units, users, 1, first)
    small = count_queries(client, url)
    add_projects(units, users, first + 1, then - first)
    large = count_queries(client, url)
    assert small == large, f"{url}: {small} queries for {first} projects, {large} for {then}"
    return large


@pytest.mark.django_db
def test_ledger_list_query_count_is_constant_in_n_for_hrss(client, units, zhujian, jiaotong, dispatcher, now):
    client.force_login(dispatcher)
    assert_constant(client, units, [zhujian, jiaotong], reverse("projects:ledger"))


@pytest.mark.django_db
def test_ledger_list_query_count_is_constant_with_filters_and_search(
    client, units, zhujian, jiaotong, dispatcher, now
):
    client.force_login(dispatcher)
    url = reverse("projects:ledger") + "?q=测试&timeliness=overdue&ordering=push_deadline"
    assert_constant(client, units, [zhujian, jiaotong], url)


@pytest.mark.django_db
def test_ledger_list_query_count_is_constant_in_n_for_a_clerk(client, units, zhujian, now):
    client.force_login(zhujian)
    assert_constant(client, units, [zhujian], reverse("projects:ledger"))


@pytest.mark.django_db
def test_hrss_home_query_count_is_constant_in_n(client, units, zhujian, jiaotong, dispatcher, now):
    client.force_login(dispatcher)
    assert_constant(client, units, [zhujian, jiaotong], reverse("home"))


@pytest.mark.django_db
def test_clerk_home_query_count_is_constant_in_n(client, units, zhujian, now):
    client.force_login(zhujian)
    assert_constant(client, units, [zhujian], reverse("home"))


@pytest.mark.django_db
def test_accountability_query_count_is_constant_in_n(client, units, zhujian, jiaotong, leader, now):
    client.force_login(leader)
    assert_constant(client, units, [zhujian, jiaotong], reverse("supervision:accountability"))


@pytest.mark.django_db
def test_admin_pages_with_the_calendar_banner_stay_constant(client, units, zhujian, admin_user, now):
    client.force_login(admin_user)
    assert_constant(client, units, [zhujian], reverse("home"))


def edit_times(project, users, n: int) -> None:
    """n corrections by alternating users, touching plain fields, a street and an enterprise."""
    streets = list(STREETS)
    for i in range(n):
        data = ProjectData.from_project(project)
        data.remarks = f"第{i + 1}次更正"
        data.contract_total_wan = data.contract_total_wan + 1
        data.contractor_manager_name = f"经理{i}"
        data.street = project.street.__class__.objects.get(name=streets[i % len(streets)])
        data.owner_uscc, data.owner_name = make_uscc(600 + i), f"更正后的建设单位{i}"
        project = project_update(user=users[i % len(users)], project=project, data=data)


@pytest.mark.django_db
def test_project_detail_query_count_is_constant_in_its_history(client, units, zhujian, dispatcher, now):
    street = units["李封街道办事处"]
    short = create_project(user=zhujian, street=street, serial=1, push=True)
    long = create_project(user=zhujian, street=street, serial=2, push=True)
    edit_times(short, [zhujian, dispatcher], 1)
    edit_times(long, [zhujian, dispatcher], 8)
    client.force_login(dispatcher)
    short_url, long_url = (reverse("projects:detail", args=[p.pk]) for p in (short, long))
    assert len(client.get(long_url).context["timeline"]) == 10  # created, pushed, 8 edits
    assert count_queries(client, short_url) == count_queries(client, long_url)


@pytest.mark.django_db
def test_enterprise_page_query_count_is_constant_in_its_projects(
    client, units, zhujian, jiaotong, dispatcher, now
):
    client.force_login(dispatcher)
    add_projects(units, [zhujian, jiaotong], 1, 3)
    from projects.models import Enterprise

    owner = Enterprise.objects.get(uscc=make_uscc(501))
    url = reverse("projects:enterprise", args=[owner.pk])
    small = count_queries(client, url)
    add_projects(units, [zhujian, jiaotong], 4, 27)
    assert count_queries(client, url) == small
