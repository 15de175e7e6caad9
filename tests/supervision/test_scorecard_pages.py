"""Issue 9 part 6 (V6) from the new-user walk-through: what the scorecard page and its printable PDF say.

The clock and the district are test_scorecards_v6's: Tuesday 2026-09-15 10:00 Asia/Shanghai, a few projects and
clues of 区住房城乡建设局 and 区交通运输局 in September.
"""

import datetime as dt
import io
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from common.models import Job, JobStatus
from supervision import dashboard as dash
from supervision import scorecards as cards
from tests.supervision.test_scorecards_v6 import NOW, now, small_district  # noqa: F401 (fixtures)

PAST_YEAR = dt.date(2025, 6, 1)
pytestmark = pytest.mark.usefixtures("small_district")  # test_scorecards_v6's district, at its clock


def _refresh(period):
    snapshot, stored = cards.scorecard_refresh(period, now=NOW)
    assert stored
    return snapshot


def _heading(client, **params) -> str:
    body = client.get(reverse("supervision:scorecard_list"), params).content.decode()
    return re.sub(r"<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", body, re.S).group(1))


def _pdf_text(table) -> str:
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(cards.scorecard_pdf(table))).pages
    return "".join(page.extract_text() for page in pages)


# --- the period by its own name -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_v6_a_past_year_is_2025年度_on_the_page_not_本年(client, leader):
    """V6 feeds the annual assessment: the 2025 table must say 2025年度; the page said “本年（2025-01-01 …）”."""
    _refresh(dash.period_for("year", PAST_YEAR))
    client.force_login(leader)
    heading = _heading(client, period="year", on="2025-06-01")
    assert "2025年度（2025-01-01 至 2025-12-31）" in heading
    assert "本年" not in heading


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code, on, name",
    [
        ("quarter", "2026-05-10", "2026年第二季度（2026-04-01 至 2026-06-30）"),
        ("month", "2026-03-10", "2026年3月（2026-03-01 至 2026-03-31）"),
        ("week", "2026-09-08", "2026年第37周（2026-09-07 至 2026-09-13）"),
    ],
)
def test_v6_past_quarters_months_and_weeks_are_named_not_本季度_本月_本周(client, leader, code, on, name):
    _refresh(dash.period_for(code, dt.date.fromisoformat(on)))
    client.force_login(leader)
    heading = _heading(client, period=code, on=on)
    assert name in heading and dash.PERIODS[code] not in heading


@pytest.mark.django_db
def test_v6_the_current_period_keeps_its_本月_with_its_name(client, leader):
    _refresh(dash.period_for("month"))
    client.force_login(leader)
    assert "本月：2026年9月（2026-09-01 至 2026-09-15）" in _heading(client, period="month")


@pytest.mark.django_db
def test_v6_a_period_still_computing_is_named_too(client, leader):
    client.force_login(leader)  # no snapshot: the job starts, the heading names the period asked for
    assert "2025年度（2025-01-01 至 2025-12-31）" in _heading(client, period="year", on="2025-06-01")


# --- a period with nothing to assess ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_v6_a_period_with_nothing_to_assess_says_so_instead_of_a_table_of_dashes(client, leader, zhujian):
    _refresh(dash.period_for("year", PAST_YEAR))
    for user in (leader, zhujian):
        client.force_login(user)
        body = client.get(reverse("supervision:scorecard_list"), {"period": "year", "on": "2025-06-01"})
        assert "暂无得分和排名" in body.content.decode()
    _refresh(dash.period_for("month"))  # September has projects and clues: ranked, no such notice
    body = client.get(reverse("supervision:scorecard_list"), {"period": "month"}).content.decode()
    assert "暂无得分和排名" not in body


# --- the table's headings and the failure message -----------------------------------------------------------


@pytest.mark.django_db
def test_v6_each_measure_group_heading_cites_the_measures_own_rule(client, leader):
    """The notices' group said （D4）, its formula （D2/D4）."""
    _refresh(dash.period_for("month"))
    client.force_login(leader)
    body = client.get(reverse("supervision:scorecard_list"), {"period": "month"}).content.decode()
    thead = re.search(r"<thead>(.*?)</thead>", body, re.S).group(1)
    for code in ("push", "notices", "rectifications", "tasks"):
        assert f"（{cards.MEASURE_BY_CODE[code].rule}）</th>" in thead, code


@pytest.mark.django_db
def test_v6_a_failed_refresh_reads_as_one_sentence(client, leader):
    client.force_login(leader)
    client.get(reverse("supervision:scorecard_list"), {"period": "month"})
    Job.objects.filter(kind=cards.REFRESH_JOB_KIND).update(
        status=JobStatus.FAILED, message="后台任务出错。", finished_at=NOW
    )
    body = client.get(reverse("supervision:scorecard_list"), {"period": "month"}).content.decode()
    assert "考核评分计算未完成：后台任务出错。请点击“重新计算”再试。" in body


# --- the printable PDF ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_v6_the_pdf_of_a_past_year_says_2025年度(leader):
    table = cards.visible_table(leader, cards.snapshot_table(_refresh(dash.period_for("year", PAST_YEAR))))
    text = _pdf_text(table)
    assert "考核期：2025年度（2025-01-01 至 2025-12-31）" in text and "本年" not in text


@pytest.mark.django_db
def test_v6_the_pdf_ends_with_the_makers_reviewers_and_date_lines(leader):
    """A printed assessment form is signed and stamped: 制表单位（盖章）, 审核人 and 制表日期 (the printing day) —
    left blank for whoever prints it (a clerk prints their own unit's row)."""
    table = cards.visible_table(leader, cards.snapshot_table(_refresh(dash.period_for("month"))))
    text = _pdf_text(table)
    assert "制表单位（盖章）：" in text
    assert "审核人：" in text and "制表日期：2026年9月15日" in text


@pytest.mark.django_db
def test_v6_the_pdf_has_fixed_columns_and_marks_rank_and_total(leader):
    """Auto layout squeezed 交办逾期 to one character a line: fixed widths, one <col> per column; rank and
    total stand out."""
    table = cards.visible_table(leader, cards.snapshot_table(_refresh(dash.period_for("month"))))
    columns = cards.scorecard_columns(table)
    html = render_to_string(
        "supervision/dashboard/scorecards_pdf.html",
        {
            "table": table,
            "title": cards.scorecard_title(table),
            "headers": [h for h, _ in columns],
            "rows": [[get(c) for _, get in columns] for c in table.rows],
        },
    )
    assert "table-layout: fixed" in html
    assert len(re.findall(r"<col[ >]", html)) == len(columns)
    first = re.search(r"<tbody><tr>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r"<td([^>]*)>", first)
    assert len(cells) == len(columns)
    assert 'class="rank"' in cells[0] and 'class="name"' in cells[1] and 'class="total"' in cells[-1]
