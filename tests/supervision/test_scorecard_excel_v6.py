"""Issue 9 part 6 (V6): the scorecards' Excel in a layout fit for the district's annual assessment — every count a
number of its own under a two-level header, scores as numbers, no data as an empty cell; sums that mean something.

The clock and the district are test_scorecards_v6's: Tuesday 2026-09-15 10:00 Asia/Shanghai, 住建 with 4 projects
due in September (2 on time, 1 late, 1 never pushed) and 3 clues, 交通 with 2 clues, HRSS dispatching all 5.
"""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from clues.models import Clue
from common.models import Unit
from projects.models import Project
from supervision import scorecards as cards
from tests.supervision.test_scorecards_v6 import NOW, month, now, refresh, small_district  # noqa: F401

pytestmark = pytest.mark.usefixtures("small_district")
HEADER, SUB, FIRST = 3, 4, 5  # the measures' row, their figures' row, the first unit's row

PUSH = "项目推送及时率（P6）"
STEPS = "线索“12345”各环节按时率（C3）"
FEEDBACK = "交办至签收中位时长（C3）"
LETTERS = "收到提醒函、通报（C3）"
NOTICES = "保证金通知书按期缴存率（D2/D4）"
ORDERS = "限期整改按期办结率（V2）"
TASKS = "联席会议任务按期完成率（V5）"
COUNTS = [
    (PUSH, "按时"), (PUSH, "应推"),
    (STEPS, "交办逾期"), (STEPS, "签收反馈逾期"), (STEPS, "提醒函逾期"), (STEPS, "报告区政府主要领导逾期"),
    (STEPS, "逾期合计"), (STEPS, "应办"),
    (LETTERS, "承办线索"), (LETTERS, "提醒函"), (LETTERS, "通报"),
    (NOTICES, "按期缴存"), (NOTICES, "到期"), (ORDERS, "按期办结"), (ORDERS, "到期"),
    (TASKS, "按期完成"), (TASKS, "到期"), (TASKS, "已完成"),
]  # fmt: skip
SCORES = [(g, "得分") for g in (PUSH, STEPS, FEEDBACK, LETTERS, NOTICES, ORDERS, TASKS)]


def workbook(client, user):
    refresh()
    client.force_login(user)
    response = client.get(reverse("supervision:scorecard_export"), {"period": "month"})
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content)).active


def header_of(ws) -> dict[tuple[str | None, str], int]:
    """(measure, figure) → column, read back through the merged cells: a measure's label stands in the first
    column of its merged range on row 3, a column standing alone is merged down over rows 3–4 (figure None)."""
    group_at = {}
    for merged in ws.merged_cells.ranges:
        if merged.min_row == HEADER and merged.max_row == HEADER:
            for col in range(merged.min_col, merged.max_col + 1):
                group_at[col] = ws.cell(HEADER, merged.min_col).value
    out = {}
    for col in range(1, ws.max_column + 1):
        sub = ws.cell(SUB, col).value
        if sub is None:
            out[(None, ws.cell(HEADER, col).value)] = col
        else:
            out[(group_at.get(col, ws.cell(HEADER, col).value), sub)] = col
    return out


def unit_rows(ws) -> dict[str, int]:
    rows = {}
    for r in range(FIRST, ws.max_row + 1):
        name = ws.cell(r, 2).value
        if name is None:
            break
        rows[name] = r
    return rows


def merged(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


@pytest.mark.django_db
def test_v6_excel_has_a_two_level_header_merged_over_each_measures_figures(client, leader):
    ws = workbook(client, leader)
    ranges = merged(ws)
    # Standing alone, merged down over both header rows: rank, unit, total.
    assert {"A3:A4", "B3:B4"} <= ranges and (ws["A3"].value, ws["B3"].value) == ("排名", "单位")
    last = ws.cell(HEADER, ws.max_column)
    assert last.value == "总分" and f"{last.column_letter}3:{last.column_letter}4" in ranges
    # P6: one merged top header over 按时 | 应推 | 得分.
    assert "C3:E3" in ranges and ws["C3"].value == PUSH
    assert [ws.cell(SUB, c).value for c in (3, 4, 5)] == ["按时", "应推", "得分"]
    # Every measure of MEASURES heads its own merged group, named with its rule.
    header = header_of(ws)
    groups = {g for g, _ in header if g}
    assert groups == {f"{m.label}（{m.rule}）" for m in cards.MEASURES}
    assert set(COUNTS) | set(SCORES) | {(FEEDBACK, "中位时长（小时）")} <= set(header)
    # No pair is left as one text header ("按时/应推送") in the workbook.
    assert not [v for v in (ws.cell(SUB, c).value for c in range(1, ws.max_column + 1)) if v and "/" in v]


@pytest.mark.django_db
def test_v6_excel_a_units_row_is_its_counts_each_a_number(client, leader):
    ws = workbook(client, leader)
    header, rows = header_of(ws), unit_rows(ws)

    def cell(unit, key):
        return ws.cell(rows[unit], header[key])

    zj, jt, hrss = "区住房城乡建设局", "区交通运输局", "区人力资源社会保障局"
    # Counted by hand from the fixture: 住建 A, B on time, C late, D never pushed (E due 09-30: not yet);
    # clues 1–3 all past their four steps' due times, clue 2's 报告 at 100 h and clue 3's never (> 96 h) late;
    # dispatch is HRSS's (clue 2 at 30 h late, of 5); 交通 clue 4 acknowledged at 61 h (> 48 h: feedback late).
    expected = {
        zj: {(PUSH, "按时"): 2, (PUSH, "应推"): 4, (STEPS, "交办逾期"): 0, (STEPS, "签收反馈逾期"): 0,
             (STEPS, "提醒函逾期"): 0, (STEPS, "报告区政府主要领导逾期"): 2, (STEPS, "逾期合计"): 2,
             (STEPS, "应办"): 9, (LETTERS, "承办线索"): 3, (LETTERS, "提醒函"): 0, (LETTERS, "通报"): 0,
             (NOTICES, "到期"): 0, (ORDERS, "到期"): 0, (TASKS, "到期"): 0, (TASKS, "已完成"): 0},
        jt: {(PUSH, "应推"): 0, (STEPS, "签收反馈逾期"): 1, (STEPS, "逾期合计"): 1, (STEPS, "应办"): 3,
             (LETTERS, "承办线索"): 2},
        hrss: {(STEPS, "交办逾期"): 1, (STEPS, "逾期合计"): 1, (STEPS, "应办"): 5, (LETTERS, "承办线索"): 0},
    }  # fmt: skip
    for unit, counts in expected.items():
        for key, n in counts.items():
            c = cell(unit, key)
            assert (c.value, c.data_type, type(c.value)) == (n, "n", int), (unit, key)
    for key in COUNTS:  # every count of every unit is a whole number, never text
        for unit in rows:
            assert type(cell(unit, key).value) is int, (unit, key)
    # Scores, hours and the total are numbers shown to one decimal: 住建 P6 2/4 → 50.0, steps 1 − 2/9 → 77.8.
    assert (cell(zj, (PUSH, "得分")).value, cell(zj, (STEPS, "得分")).value) == (50, 77.8)
    assert cell(zj, (FEEDBACK, "中位时长（小时）")).value == 10  # median of 5 h, 10 h, 30 h
    assert cell(jt, (FEEDBACK, "中位时长（小时）")).value == 60
    total = cell(zj, (None, "总分"))
    assert total.value == pytest.approx((20 * 50 + 25 * 77.8 + 10 * 100 + 10 * 100) / 65, abs=0.05)
    for c in (total, cell(zj, (PUSH, "得分")), cell(zj, (FEEDBACK, "中位时长（小时）"))):
        assert c.data_type == "n" and c.number_format == "0.0"
    rank = cell(zj, (None, "排名"))
    assert type(rank.value) is int and rank.value >= 1


@pytest.mark.django_db
def test_v6_excel_a_unit_with_nothing_due_has_zeros_and_empty_cells_not_dashes(client, leader):
    ws = workbook(client, leader)
    header, rows = header_of(ws), unit_rows(ws)
    r = rows["区教育局"]  # no project, clue, notice, order or task in September
    for key in COUNTS:
        assert ws.cell(r, header[key]).value == 0
    for key in [*SCORES, (FEEDBACK, "中位时长（小时）"), (None, "排名"), (None, "总分")]:
        assert ws.cell(r, header[key]).value is None, key
    # Nowhere in the units' rows a text but the unit's name; no "—" anywhere in the sheet.
    texts = [
        (row, col) for row in rows.values() for col in range(1, ws.max_column + 1)
        if col != 2 and isinstance(ws.cell(row, col).value, str)
    ]  # fmt: skip
    assert texts == []
    assert not [c for line in ws.iter_rows() for c in line if c.value == "—"]


@pytest.mark.django_db
def test_v6_excel_a_columns_sum_is_the_districts_total(client, leader):
    ws = workbook(client, leader)
    header, rows = header_of(ws), unit_rows(ws)

    def column_sum(key):
        return sum(ws.cell(r, header[key]).value for r in rows.values())

    today = NOW.date()
    period = month()
    in_period = Project.objects.filter(push_deadline__gte=period.start, push_deadline__lte=period.end)
    decided = in_period.filter(push_deadline__lt=today).count()  # A–D; E (09-30) undecided, unpushed
    assert decided == 4 and column_sum((PUSH, "应推")) == decided
    assert column_sum((PUSH, "按时")) == 2  # A and B
    clues = Clue.objects.filter(received_at__gte=period.start_at, received_at__lt=period.end_before).count()
    assert clues == 5 and column_sum((LETTERS, "承办线索")) == clues
    # Steps due in the district: clues 1–4 past all four due times, clue 5 (received yesterday) only its dispatch.
    assert column_sum((STEPS, "应办")) == 4 * 4 + 1
    steps = [k for k in COUNTS if k[0] == STEPS and k[1].endswith("逾期") and k[1] != "逾期合计"]
    assert sum(column_sum(k) for k in steps) == column_sum((STEPS, "逾期合计")) == 4  # clue 2 ×2, 3, 4


@pytest.mark.django_db
def test_v6_excel_of_a_clerk_is_their_row_ranked_among_all_and_says_so(client, zhujian, leader):
    ws = workbook(client, zhujian)
    assert list(unit_rows(ws)) == ["区住房城乡建设局"]
    assert "仅本单位；排名为全区名次" in ws["A2"].value
    header = header_of(ws)
    district = cards.snapshot_table(cards.scorecard_snapshot(month()))
    card = next(c for c in district.rows if c.unit.name == "区住房城乡建设局")
    assert ws.cell(FIRST, header[(None, "排名")]).value == card.rank  # the district rank, not 1 of 1
    assert ws.cell(FIRST, header[(PUSH, "应推")]).value == 4


@pytest.mark.django_db
def test_v6_excel_keeps_title_formulas_frozen_header_widths_and_print_setup(client, leader):
    ws = workbook(client, leader)
    last = ws.cell(HEADER, ws.max_column).column_letter
    ranges = merged(ws)
    assert ws["A1"].value == "中站区根治欠薪工作2026年9月考核评分表" and f"A1:{last}1" in ranges
    assert "2026年9月（2026-09-01 至 2026-09-15）" in ws["A2"].value and "仅本单位" not in ws["A2"].value
    assert f"A2:{last}2" in ranges
    # The formulas below the table, each merged across it; the blank cells explained.
    notes = {ws.cell(r, 1).value: r for r in range(FIRST + len(unit_rows(ws)), ws.max_row + 1)}
    assert "计分方法" in notes
    for formula in [m.formula for m in cards.MEASURES]:
        row = next(r for text, r in notes.items() if text and formula in text)
        assert f"A{row}:{last}{row}" in ranges
    numbered = [text for text in notes if text and text[:1].isdigit()]
    assert numbered[0].startswith("1. ") and len(numbered) == len(cards.MEASURES) + 2
    assert numbered[-2].endswith(cards.TOTAL_FORMULA) and numbered[-1].endswith(cards.XLSX_BLANK_NOTE)
    # The rank and the total stand out as on the page: bold; the other figures are not.
    first = ws.cell(FIRST, 1)
    total = next(ws.cell(FIRST, c) for c in range(1, ws.max_column + 1) if ws.cell(HEADER, c).value == "总分")
    assert first.font.b and total.font.b and not ws.cell(FIRST, 3).font.b
    # Frozen: the header rows and the rank and unit columns; the unit column wide enough for its names.
    assert ws.freeze_panes == "C5"
    assert ws.column_dimensions["B"].width >= 2 * max(len(u.name) for u in Unit.objects.all())
    # Printing: A4 landscape, one page wide, the two header rows on every page.
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows == "$3:$4"
    assert ws.page_margins.left < 0.75  # narrower than the default: 29 columns on one page wide


def test_v6_excel_header_rows_helper_merges_groups_and_lone_columns():
    """common.xlsx.header_rows on its own: groups merged across, lone columns merged down."""
    from openpyxl import Workbook

    from common import xlsx

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("表")
    styles = xlsx.CellStyles(ws)
    columns = [
        xlsx.Column("序号"),
        xlsx.Column("按时", "甲"),
        xlsx.Column("应推", "甲"),
        xlsx.Column("一", "乙"),
    ]
    xlsx.header_rows(ws, styles, columns, row=1)
    out = io.BytesIO()
    wb.save(out)
    back = load_workbook(io.BytesIO(out.getvalue())).active
    assert merged(back) == {"A1:A2", "B1:C1"}  # 乙 has one column: nothing to merge
    assert [c.value for c in back[1]] == ["序号", "甲", None, "乙"]
    assert [c.value for c in back[2]] == [None, "按时", "应推", "一"]
