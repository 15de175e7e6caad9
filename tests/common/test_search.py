"""The lists' one search condition (common.search.text_match): a search without a cased letter — Chinese, digits —
is a plain LIKE (PostgreSQL then skips UPPER() of every value compared), any other an icontains; both find the
same records. The clue list finds a project's clues through a subquery on projects, not a join."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clues.filters import clue_search
from common.search import text_lookup
from tests.factories import create_project


@pytest.mark.parametrize(
    ("q", "lookup"),
    [
        ("宏达", "contains"),
        ("2026", "contains"),
        ("（二期）", "contains"),
        ("ZX2026", "icontains"),
        ("abc建设", "icontains"),
    ],
)
def test_a_search_without_a_cased_letter_is_a_plain_like(q, lookup):
    assert text_lookup(q) == lookup


@pytest.mark.django_db
def test_the_clue_list_search_finds_by_employer_project_and_number_in_any_case(units, dispatcher, zhujian):
    from clues.services import clue_register

    project = create_project(user=zhujian, street=units["李封街道办事处"], name="李封安置房（二期）工程")

    def register(employer, **extra):
        return clue_register(
            user=dispatcher,
            channel="hotline",
            received_at=timezone.now() - dt.timedelta(hours=1),
            complainant_name="张三",
            complainant_phone="13900000001",
            workers_affected=3,
            amount_owed=Decimal("1000"),
            street=units["李封街道办事处"],
            employer_name=employer,
            description="拖欠工资",
            **extra,
        )

    by_employer = register("焦作宏达劳务有限公司")
    by_project = register("某劳务公司", project=project)
    latin = register("ABC建设有限公司")

    def found(q):
        return set(clue_search(dispatcher, q=q).values_list("pk", flat=True))

    assert found("宏达") == {by_employer.pk}
    assert found("安置房（二期）") == {by_project.pk}
    assert found("abc建设") == found("ABC建设") == {latin.pk}
    assert found(by_employer.number.lower()) == {by_employer.pk}
    assert found("有限公司") == {by_employer.pk, latin.pk}

    with CaptureQueriesContext(connection) as ctx:
        clue_search(dispatcher, q="宏达").count()
    (sql,) = [x["sql"] for x in ctx.captured_queries if "COUNT(" in x["sql"]]
    if connection.vendor == "postgresql":
        assert "UPPER(" not in sql
    assert "JOIN" not in sql.split("WHERE", 1)[0]  # the pager's count reads the clue table only
