"""P5: the push ledger (台账) written as an Excel workbook in the 附件1 layout (the import template too).

Layout (sheet 1, "项目推送台账"): row 1 the title, rows 2–3 the two-row 附件1 header (group cells merged
across their columns, stand-alone columns merged down), data from row 4, columns as projects.columns.COLUMNS.
The 推送情况 columns at the right are written by the system and ignored on import. Sheet 2 ("可选值") lists
the accepted names and labels and feeds the drop-down lists of sheet 1.

Streams: openpyxl write_only writes each row to a temporary file as it goes (inline strings, no shared-string
table) and the rows are read as plain values in chunks (no model instances), so memory stays flat in N
(bench/ledger_bench.py measures it against raw openpyxl).
"""

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from common import xlsx
from common.access import sees_personal_data
from common.masking import mask_phone
from common.models import Unit, UnitType
from common.workdays import working_days_late_many
from projects import services
from projects.columns import COLUMN_BY_FIELD, COLUMNS, Choice, UnitRef, exporter
from projects.models import Timeliness, TriggerType
from projects.selectors import with_timeliness

TITLE = "中站区在建工程项目信息推送台账"
SHEET_TITLE = "项目推送台账"
OPTIONS_SHEET_TITLE = "可选值"
HEADER_ROWS = (2, 3)
FIRST_DATA_ROW = 4
# Rows fetched per round trip, as plain tuples (~1.7 KB each): the Python heap peaks at two chunks, whatever
# the number of rows (bench/ledger_bench.py --ratio: the same peak at 1,000 and 10,000 rows).
EXPORT_CHUNK_SIZE = 500
EXPORT_FILL = "EDEDED"  # the system's 推送情况 columns, greyed

INSTRUCTIONS = (
    "填写说明",
    "1. 在“项目推送台账”表第4行起每行填写一个项目，不要增删、移动或改名表头各列。",
    "2. 单位、街道、类别、资金类型、推送依据须与本表所列名称一致（可用下拉框选择）。",
    "3. 日期填写如 2026-09-01；合同总额以万元为单位，最多两位小数。",
    "4. 请勿使用公式；“推送情况”各列由系统生成，导入时忽略。",
    "5. 导入时先检查全部行，任何一行有误则全部不导入；无误则全部推送至人社局。",
)


def export_ledger(projects, out, *, viewer, progress=None) -> None:
    """P5: write `projects` (a queryset, already scoped and ordered: projects.filters.ledger_filterset) to
    `out` in the 附件1 layout. Contacts' phones are masked unless the viewer may see the personal data of the
    project's unit (common.access.sees_personal_data). `progress(rows_written)` (optional, a background
    export's progress bar: common.jobs) is called every 250 rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_TITLE)
    styles = xlsx.CellStyles(ws)
    _set_up_sheet(ws)
    _write_options_sheet(wb, ws, _option_lists(viewer))

    ws.append([styles.title(TITLE)])
    for row in _header_rows(styles):
        ws.append(row)

    columns = COLUMNS[1:]  # after 序号
    convert = [exporter(c, styles.formatter) for c in columns]
    personal = [i for i, c in enumerate(columns) if c.kind.personal]
    unit_id = len(columns)  # the extra value fetched after the columns' own: who may see the phones whole
    masked_for: dict[int, bool] = {}
    projects = with_timeliness(projects)
    # 逾期工作日 of a project still unpushed past its deadline: counted to today, as the pages show it (B1),
    # for all its distinct deadlines at once (a constant number of queries whatever the row count).
    late_column = next(i for i, c in enumerate(columns) if c.source == "late_working_days")
    timeliness_column = next(i for i, c in enumerate(columns) if c.source == "timeliness")
    overdue_deadlines = projects.filter(timeliness=Timeliness.OVERDUE).values_list("push_deadline", flat=True)
    days_late = working_days_late_many(set(overdue_deadlines.distinct()), timezone.localdate())
    rows = projects.values_list(*(c.source for c in columns), "unit_id", "push_deadline")
    for index, values in enumerate(rows.iterator(chunk_size=EXPORT_CHUNK_SIZE), start=1):
        row = [index]
        row += [f(v) for f, v in zip(convert, values, strict=False)]
        if values[timeliness_column] == Timeliness.OVERDUE:
            row[late_column + 1] = days_late.get(values[-1]) or None
        owner = values[unit_id]
        masked = masked_for.get(owner)
        if masked is None:
            masked = masked_for[owner] = not sees_personal_data(viewer, owner)
        if masked:
            for i in personal:
                row[i + 1] = xlsx.text(mask_phone(values[i]))
        ws.append(row)
        if progress is not None and index % 250 == 0:
            progress(index)
    wb.save(out)


def _set_up_sheet(ws) -> None:
    # Sheet properties go before the first row: write_only emits them with the sheet's head.
    for i, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.row_dimensions[1].height = 32
    ws.row_dimensions[3].height = 30
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    # Printing: the title and the two header rows repeated on every page.
    xlsx.print_setup(ws, title_rows=(1, HEADER_ROWS[-1]))
    for ref in _merges():
        ws.merged_cells.add(ref)  # write_only writes merged ranges with the sheet's tail


def _header_rows(styles: xlsx.CellStyles) -> tuple[list, list]:
    row2, row3 = [], []
    for i, column in enumerate(COLUMNS):
        fill = {"fill": EXPORT_FILL} if column.export_only else {}
        if column.group is None:
            row2.append(styles.header(column.label))
            row3.append(styles.header(None))
        else:
            starts_group = i == 0 or COLUMNS[i - 1].group != column.group
            row2.append(styles.header(column.group if starts_group else None, **fill))
            row3.append(styles.header(column.label, **fill))
    return row2, row3


def _merges() -> list[str]:
    return [f"A1:{get_column_letter(len(COLUMNS))}1", *xlsx.header_merges([c.group for c in COLUMNS], row=2)]


def _option_lists(viewer) -> dict[str, list[str]]:
    """The drop-down lists, per column that names a unit or a choice: what the importer accepts."""
    units = list(Unit.objects.filter(is_active=True).order_by("sort_order", "id"))
    own = viewer.unit if not viewer.sees_all_units and viewer.unit_id else None
    lists: dict[str, list[str]] = {}
    for column in COLUMNS:
        kind = column.kind
        if column.export_only or not isinstance(kind, UnitRef | Choice):
            continue
        if column.field == "unit":
            lists["unit"] = [own.name] if own else [u.name for u in units if u.pushes_projects]
        elif isinstance(kind, UnitRef):
            lists[column.field] = [
                u.name for u in units if u.unit_type == UnitType.STREET or not kind.streets_only
            ]
        else:
            choices = kind.enum.choices
            if kind.enum is TriggerType and own:
                allowed = services.allowed_trigger_types(own)
                choices = [c for c in choices if c[0] in allowed]
            lists[column.field] = [label for _, label in choices]
    return lists


def _write_options_sheet(wb, ws_main, lists: dict[str, list[str]]) -> None:
    ws = wb.create_sheet(OPTIONS_SHEET_TITLE)
    fields = list(lists)
    for i, field in enumerate(fields):
        ws.column_dimensions[get_column_letter(i + 1)].width = max(COLUMN_BY_FIELD[field].width, 14)
    ws.column_dimensions[get_column_letter(len(fields) + 2)].width = 70
    depth = max(len(v) for v in lists.values())
    for r in range(depth + 1):
        row = []
        for field in fields:
            if r == 0:
                row.append(COLUMN_BY_FIELD[field].title)
            else:
                values = lists[field]
                row.append(values[r - 1] if r - 1 < len(values) else None)
        row.append(None)
        row.append(INSTRUCTIONS[r] if r < len(INSTRUCTIONS) else None)
        ws.append(row)
    for r in range(depth + 1, len(INSTRUCTIONS)):
        ws.append([None] * (len(fields) + 1) + [INSTRUCTIONS[r]])
    for i, field in enumerate(fields):
        letter = get_column_letter(i + 1)
        source = f"'{OPTIONS_SHEET_TITLE}'!${letter}$2:${letter}${len(lists[field]) + 1}"
        # A warning, not a stop: pasted rows stay possible; the importer is the strict check.
        dv = DataValidation(
            type="list",
            formula1=source,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="不在可选值中",
            error="不在可选值中，导入时会被拒绝。请从下拉框选择，或照“可选值”表填写名称。",
        )
        target = COLUMN_BY_FIELD[field].letter
        dv.add(f"{target}{FIRST_DATA_ROW}:{target}1048576")
        ws_main.data_validations.append(dv)
