"""P5: the push ledger (台账) as an Excel workbook in the 附件1 layout — export, and bulk push by import.

Layout (sheet 1, "项目推送台账"): row 1 the title, rows 2–3 the two-row 附件1 header (group cells merged
across their columns, stand-alone columns merged down), data from row 4. The 推送情况 columns at the right
are written by the system and ignored on import. Sheet 2 ("可选值") lists the accepted names and labels and
feeds the drop-down lists of sheet 1.

Export streams: openpyxl write_only writes each row to a temporary file as it goes (inline strings, no
shared-string table) and the queryset is read with .iterator(chunk_size=…), so memory stays flat in N.

Import is strict and all-or-nothing (P5): size, zip-bomb, part-list and per-part size checks before
openpyxl parses anything (defusedxml guards the XML itself), exact headers, no formulas, every row validated
by the same service rules as the web form before a single row is saved, then every row pushed in one
transaction.
"""

import dataclasses
import datetime as dt
import re
import zipfile
from decimal import Decimal, InvalidOperation

from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from common.masking import mask_phone, sees_personal_data
from common.models import Unit, UnitType
from projects import services
from projects.models import (
    Category,
    Enterprise,
    FundingType,
    Project,
    ProjectStatus,
    Timeliness,
    TriggerType,
)

TITLE = "中站区在建工程项目信息推送台账"
SHEET_TITLE = "项目推送台账"
OPTIONS_SHEET_TITLE = "可选值"
HEADER_ROWS = (2, 3)
FIRST_DATA_ROW = 4
EXPORT_CHUNK_SIZE = 500

# Zip-bomb and memory guard, checked on the archive's central directory before openpyxl opens it. zipfile
# never inflates a member beyond its declared size (a lying header fails the CRC), so the declared sizes are
# a real bound. openpyxl streams the worksheet in read_only mode but builds a whole tree for styles.xml and
# keeps every shared string in a list: a 3.9 MB upload carrying a 43 MB styles.xml once cost ~670 MB of RSS.
# So only the parts a ledger workbook has are accepted (_ALLOWED_PARTS), each capped, and the total too.
# Measured on a 2,000-row export (settings.LEDGER_IMPORT_MAX_ROWS) with every text unique and a remark on
# every row, re-saved both ways a clerk's file arrives: with inline strings (openpyxl, our export) sheet1.xml
# is 3.7 MB and the archive 3.7 MB uncompressed; with a shared-string table as Excel/WPS write it
# (<phoneticPr> on every entry) sheet1.xml is 1.9 MB, sharedStrings.xml 2.1 MB, the archive 4.0 MB.
# styles.xml 5 KB, theme1.xml 10 KB, every other part under 10 KB. Both imported (2,000 projects pushed).
# Caps, at least 2× those:
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024  # the whole archive: the only cap on the streamed worksheets
MAX_SHARED_STRINGS_BYTES = 5 * 1024 * 1024  # ≈ 30 MB of Python heap when openpyxl reads it (measured)
MAX_PART_BYTES = 2 * 1024 * 1024  # any other part; a 1.9 MB styles.xml costs ≈ 35 MB RSS (measured)
MAX_ZIP_MEMBERS = 200
_WORKSHEET_PART = re.compile(r"xl/worksheets/sheet\d+\.xml")
_SHARED_STRINGS_PART = "xl/sharedStrings.xml"
# What Excel, WPS and openpyxl write for a plain workbook. openpyxl's read_only load never opens comments,
# tables, printer settings or custom XML, but they are common in a clerk's file, so they are let through.
_ALLOWED_PARTS = re.compile(
    r"""\[Content_Types\]\.xml
    | _rels/\.rels
    | docProps/(?:app|core|custom)\.xml
    | docProps/thumbnail\.(?:jpeg|jpg|png|emf|wmf)
    | customXml/(?:_rels/)?item(?:Props)?\d+\.xml(?:\.rels)?
    | xl/workbook\.xml | xl/_rels/workbook\.xml\.rels
    | xl/styles\.xml | xl/sharedStrings\.xml | xl/calcChain\.xml | xl/metadata\.xml
    | xl/theme/theme\d+\.xml
    | xl/worksheets/sheet\d+\.xml | xl/worksheets/_rels/sheet\d+\.xml\.rels
    | xl/printerSettings/printerSettings\d+\.bin
    | xl/comments\d+\.xml | xl/drawings/vmlDrawing\d+\.vml              # comments as Excel writes them
    | xl/comments/comment\d+\.xml | xl/drawings/commentsDrawing\d+\.vml  # … and openpyxl
    | xl/threadedComments/threadedComment\d+\.xml | xl/persons/person\.xml
    | xl/tables/table\d+\.xml
    """,
    re.VERBOSE,
)
# How a refused part is named to a clerk (first match wins).
_FOREIGN_PARTS = (
    (re.compile(r"xl/vbaProject", re.IGNORECASE), "宏（VBA 代码）"),
    (re.compile(r"xl/(?:embeddings|activeX|ctrlProps)/", re.IGNORECASE), "嵌入的对象或控件"),
    (re.compile(r"xl/(?:media|drawings|charts|chartsheets|diagrams)/", re.IGNORECASE), "图片、图表或图形"),
    (re.compile(r"xl/externalLinks/", re.IGNORECASE), "指向其他文件的外部链接"),
    (re.compile(r"xl/pivot", re.IGNORECASE), "数据透视表"),
)
MAX_ERRORS_SHOWN = 500

# Excel evaluates a cell typed as = + - @ (and tab/CR lead-ins are used to smuggle them): such strings are
# written with a leading apostrophe, and the importer removes it. A leading apostrophe itself is escaped
# too, so the round trip is exact.
_DANGEROUS_LEAD = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"

MONEY_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

INDEX, DATA, EXPORT_ONLY = "index", "data", "export"


@dataclasses.dataclass(frozen=True)
class Column:
    group: str | None  # 附件1 group header (row 2); None for a stand-alone column merged over rows 2–3
    label: str
    field: str | None  # ProjectData field, or "unit"; None for 序号 and the export-only columns
    width: float
    kind: str = DATA

    @property
    def title(self) -> str:
        return f"{self.group}·{self.label}" if self.group else self.label


COLUMNS: tuple[Column, ...] = (
    Column(None, "序号", None, 6, INDEX),
    Column(None, "项目名称", "name", 32),
    Column("所属行业部门", "名称", "unit", 22),
    Column("所属行业部门", "负责人", "unit_leader_name", 10),
    Column("所属行业部门", "联系方式", "unit_leader_phone", 15),
    Column("建设单位", "名称", "owner_name", 30),
    Column("建设单位", "统一社会信用代码", "owner_uscc", 21),
    Column("建设单位", "项目负责人", "owner_manager_name", 11),
    Column("建设单位", "联系方式", "owner_manager_phone", 15),
    Column("施工总承包单位", "名称", "contractor_name", 30),
    Column("施工总承包单位", "统一社会信用代码", "contractor_uscc", 21),
    Column("施工总承包单位", "项目经理", "contractor_manager_name", 10),
    Column("施工总承包单位", "联系方式", "contractor_manager_phone", 15),
    Column(None, "合同总额（万元）", "contract_total_wan", 14),
    Column(None, "备注", "remarks", 24),
    Column("项目信息", "所在街道", "street", 15),
    Column("项目信息", "项目类别", "category", 10),
    Column("项目信息", "资金类型", "funding_type", 13),
    Column("项目信息", "推送依据", "trigger_type", 34),
    Column("项目信息", "依据发生日期", "trigger_date", 12),
    Column("项目信息", "招投标单位", "bidder_unit", 22),
    Column("项目信息", "合同签订日期", "contract_signed_on", 12),
    Column("项目信息", "计划开工日期", "planned_start_on", 12),
    Column("推送情况", "推送截止日期", None, 12, EXPORT_ONLY),
    Column("推送情况", "推送时间", None, 16, EXPORT_ONLY),
    Column("推送情况", "推送状态", None, 9, EXPORT_ONLY),
    Column("推送情况", "是否逾期", None, 11, EXPORT_ONLY),
    Column("推送情况", "逾期工作日", None, 10, EXPORT_ONLY),
)
IMPORT_COLUMNS = tuple(c for c in COLUMNS if c.kind != EXPORT_ONLY)  # the columns the importer reads
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS if c.field}
MAX_LENGTHS = {
    "name": Project._meta.get_field("name").max_length,
    "unit_leader_name": Project._meta.get_field("unit_leader_name").max_length,
    "owner_manager_name": Project._meta.get_field("owner_manager_name").max_length,
    "contractor_manager_name": Project._meta.get_field("contractor_manager_name").max_length,
    "owner_name": Enterprise._meta.get_field("name").max_length,
    "contractor_name": Enterprise._meta.get_field("name").max_length,
    "remarks": 2000,
}
CHOICES = {"category": Category, "funding_type": FundingType, "trigger_type": TriggerType}
# get_FOO_display() rebuilds its choices dict on every call: measurable at 10,000 rows × 4 columns.
LABELS = {field: dict(enum.choices) for field, enum in (*CHOICES.items(), ("status", ProjectStatus))}


def _letter(column: Column) -> str:
    return get_column_letter(COLUMNS.index(column) + 1)


def column_name(column: Column) -> str:
    """How an error names a column: its 附件1 header and its letter, e.g. 建设单位·联系方式（I列）."""
    return f"{column.title}（{_letter(column)}列）"


# ---------------------------------------------------------------------------------------------- export


def escape_formula(value: str) -> str:
    """P5: a text that Excel would evaluate gets a leading apostrophe (shown, never evaluated)."""
    if value and (value.startswith(_DANGEROUS_LEAD) or value.startswith(ESCAPE)):
        return ESCAPE + value
    return value


def unescape_formula(value: str) -> str:
    if len(value) > 1 and value.startswith(ESCAPE) and value[1:].startswith((*_DANGEROUS_LEAD, ESCAPE)):
        return value[1:]
    return value


class _Styles:
    """Cell prototypes, built once per workbook: write_only needs a styled cell per value."""

    def __init__(self, ws):
        self.ws = ws
        thin = Side(style="thin", color="808080")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.header_font = Font(name="宋体", bold=True, size=10)
        self.header_fill = PatternFill("solid", fgColor="DDEBF7")
        self.export_fill = PatternFill("solid", fgColor="EDEDED")
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def title(self, value: str):
        cell = WriteOnlyCell(self.ws, value)
        cell.font = Font(name="宋体", bold=True, size=16)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        return cell

    def header(self, value: str | None, *, export_only: bool = False):
        cell = WriteOnlyCell(self.ws, value)
        cell.font = self.header_font
        cell.fill = self.export_fill if export_only else self.header_fill
        cell.alignment = self.center
        cell.border = self.border
        return cell

    def formatted(self, value, number_format: str):
        if value is None:
            return None
        cell = WriteOnlyCell(self.ws, value)
        cell.number_format = number_format
        return cell


def _text(value) -> str | None:
    if value is None or value == "":
        return None
    # Control characters pasted from other programs (e.g. \x0b from Word) are illegal in XLSX: openpyxl
    # would refuse the whole export for one such remark.
    return escape_formula(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _late_label(project: Project, today: dt.date) -> str:
    """P6, worded as the ledger's 时效 filter (projects.selectors.project_filter_timeliness)."""
    if project.status == ProjectStatus.PUSHED:
        return Timeliness.LATE.label if project.is_late else Timeliness.ON_TIME.label
    return Timeliness.OVERDUE.label if project.push_deadline < today else Timeliness.PENDING.label


def _project_row(project: Project, index: int, *, masked: bool, styles: _Styles, today: dt.date) -> list:
    def phone(value: str) -> str | None:
        return _text(mask_phone(value) if masked else value)

    owner, contractor = project.owner, project.contractor
    pushed_at = timezone.localtime(project.pushed_at).replace(tzinfo=None) if project.pushed_at else None
    return [
        index,
        _text(project.name),
        _text(project.unit.name),
        _text(project.unit_leader_name),
        phone(project.unit_leader_phone),
        _text(owner.name if owner else None),
        _text(owner.uscc if owner else None),
        _text(project.owner_manager_name),
        phone(project.owner_manager_phone),
        _text(contractor.name if contractor else None),
        _text(contractor.uscc if contractor else None),
        _text(project.contractor_manager_name),
        phone(project.contractor_manager_phone),
        styles.formatted(project.contract_total_wan, MONEY_FORMAT),
        _text(project.remarks),
        _text(project.street.name),
        _text(LABELS["category"].get(project.category, project.category)),
        _text(LABELS["funding_type"].get(project.funding_type, project.funding_type)),
        _text(LABELS["trigger_type"].get(project.trigger_type, project.trigger_type)),
        styles.formatted(project.trigger_date, DATE_FORMAT),
        _text(project.bidder_unit.name),
        styles.formatted(project.contract_signed_on, DATE_FORMAT),
        styles.formatted(project.planned_start_on, DATE_FORMAT),
        styles.formatted(project.push_deadline, DATE_FORMAT),
        styles.formatted(pushed_at, DATETIME_FORMAT),
        LABELS["status"].get(project.status, project.status),
        _late_label(project, today),
        project.late_working_days if project.is_late else None,
    ]


def _header_rows(styles: _Styles) -> tuple[list, list]:
    row2, row3 = [], []
    for i, column in enumerate(COLUMNS):
        export_only = column.kind == EXPORT_ONLY
        if column.group is None:
            row2.append(styles.header(column.label))
            row3.append(styles.header(None))
        else:
            starts_group = i == 0 or COLUMNS[i - 1].group != column.group
            row2.append(styles.header(column.group if starts_group else None, export_only=export_only))
            row3.append(styles.header(column.label, export_only=export_only))
    return row2, row3


def _merges() -> list[str]:
    last = get_column_letter(len(COLUMNS))
    merges = [f"A1:{last}1"]
    i = 0
    while i < len(COLUMNS):
        column = COLUMNS[i]
        letter = get_column_letter(i + 1)
        if column.group is None:
            merges.append(f"{letter}2:{letter}3")
            i += 1
            continue
        j = i
        while j + 1 < len(COLUMNS) and COLUMNS[j + 1].group == column.group:
            j += 1
        merges.append(f"{letter}2:{get_column_letter(j + 1)}2")
        i = j + 1
    return merges


def _option_lists(viewer) -> dict[str, list[str]]:
    units = Unit.objects.filter(is_active=True).order_by("sort_order", "id")
    own = [viewer.unit.name] if not viewer.sees_all_units and viewer.unit_id else None
    triggers = TriggerType.choices
    if own:
        allowed = services.allowed_trigger_types(viewer.unit)
        triggers = [c for c in triggers if c[0] in allowed]
    return {
        "unit": own or [u.name for u in units if u.pushes_projects],
        "street": [u.name for u in units if u.unit_type == UnitType.STREET],
        "category": [label for _, label in Category.choices],
        "funding_type": [label for _, label in FundingType.choices],
        "trigger_type": [label for _, label in triggers],
        "bidder_unit": [u.name for u in units],
    }


INSTRUCTIONS = (
    "填写说明",
    "1. 在“项目推送台账”表第4行起每行填写一个项目，不要增删、移动或改名表头各列。",
    "2. 单位、街道、类别、资金类型、推送依据须与本表所列名称一致（可用下拉框选择）。",
    "3. 日期填写如 2026-09-01；合同总额以万元为单位，最多两位小数。",
    "4. 请勿使用公式；“推送情况”各列由系统生成，导入时忽略。",
    "5. 导入时先检查全部行，任何一行有误则全部不导入；无误则全部推送至人社局。",
)


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
        target = _letter(COLUMN_BY_FIELD[field])
        dv.add(f"{target}{FIRST_DATA_ROW}:{target}1048576")
        ws_main.data_validations.append(dv)


def export_ledger(projects, out, *, viewer) -> None:
    """P5: write `projects` (a queryset, already scoped and select_related) to `out` in the 附件1 layout.

    Contacts' phones are masked unless the viewer may see the project unit's personal data.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_TITLE)
    styles = _Styles(ws)
    # Sheet properties go before the first row: write_only emits them with the sheet's head.
    for i, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.row_dimensions[1].height = 32
    ws.row_dimensions[3].height = 30
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    # Printing: A4 landscape, all 28 columns on one page wide, as many pages tall as needed, the title and
    # the two header rows repeated on every page. fitToPage lives in sheetPr, which write_only writes with
    # the sheet's head (so here, before the first row); pageSetup and the Print_Titles name come at save.
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"1:{HEADER_ROWS[-1]}"
    for ref in _merges():
        ws.merged_cells.add(ref)  # write_only writes merged ranges with the sheet's tail
    _write_options_sheet(wb, ws, _option_lists(viewer))

    ws.append([styles.title(TITLE)])
    for row in _header_rows(styles):
        ws.append(row)
    today = timezone.localdate()
    for index, project in enumerate(projects.iterator(chunk_size=EXPORT_CHUNK_SIZE), start=1):
        masked = not sees_personal_data(viewer, project.unit_id)
        ws.append(_project_row(project, index, masked=masked, styles=styles, today=today))
    wb.save(out)


# ---------------------------------------------------------------------------------------------- import


@dataclasses.dataclass(frozen=True)
class RowError:
    row: int | None  # the Excel row number, None for a file-level error
    column: str | None
    message: str


@dataclasses.dataclass
class ImportResult:
    projects: list
    errors: list

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def late_count(self) -> int:
        """How many of the imported projects were pushed after their deadline (P6: is_late)."""
        return sum(1 for p in self.projects if p.is_late)


class _Refused(Exception):
    """A file-level problem: the whole file is refused with one message."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.error = RowError(row=row, column=column, message=message)


NOT_XLSX = (
    "文件不是有效的 Excel（.xlsx）文件，无法读取。请用“下载导入模板”得到的模板填写，"
    "并以 .xlsx 格式保存后上传（不支持 .xls、.csv 或改了扩展名的文件）。"
)

UNSAFE_XML = "文件含有不安全的内容（XML 实体声明），已拒绝处理。请用模板重新填写后上传。"

TO_TEMPLATE = "请把数据复制并“选择性粘贴—数值”到“下载导入模板”得到的模板中，保存为 .xlsx 后重新上传。"


def _upload_size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    upload.seek(0)
    return size


def _check_archive(upload) -> None:
    """Refuse junk, zip bombs and oversized or foreign parts from the central directory alone, before
    anything is inflated (openpyxl's load_workbook is only called once this passed)."""
    upload.seek(0)
    if not zipfile.is_zipfile(upload):
        raise _Refused(NOT_XLSX)
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _Refused(NOT_XLSX) from None
    names = {m.filename for m in members}
    if len(members) > MAX_ZIP_MEMBERS or not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise _Refused(NOT_XLSX)
    for m in members:
        if not _ALLOWED_PARTS.fullmatch(m.filename):
            what = next((label for pattern, label in _FOREIGN_PARTS if pattern.match(m.filename)), None)
            raise _Refused(
                f"文件中含有{what or '台账以外的内容'}（{m.filename}），导入文件只能包含台账数据，已拒绝处理。"
                + TO_TEMPLATE
            )
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
        raise _Refused(
            f"文件解压后超过 {MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB（疑似“压缩炸弹”），已拒绝处理。"
            "请上传用模板正常填写的台账文件；数据较多时请拆分为多个文件分批导入。"
        )
    for m in members:
        if _WORKSHEET_PART.fullmatch(m.filename):
            continue  # streamed row by row; the total above bounds it
        if m.filename == _SHARED_STRINGS_PART:
            if m.file_size > MAX_SHARED_STRINGS_BYTES:
                raise _Refused(
                    f"文件中的文字内容解压后为 {m.file_size / 1024 / 1024:.1f} MB，超过 "
                    f"{MAX_SHARED_STRINGS_BYTES // 1024 // 1024} MB 的上限，已拒绝处理。"
                    "请拆分为多个文件分批导入。"
                )
        elif m.file_size > MAX_PART_BYTES:
            what = "单元格样式" if m.filename == "xl/styles.xml" else "附属内容"
            raise _Refused(
                f"文件中的{what}（{m.filename}）解压后为 {m.file_size / 1024 / 1024:.1f} MB，超过 "
                f"{MAX_PART_BYTES // 1024 // 1024} MB 的上限（正常台账不到 0.1 MB），已拒绝处理。"
                + TO_TEMPLATE
            )
    upload.seek(0)


def _norm(value) -> str:
    """Header and label comparison: no whitespace, full-width brackets."""
    if value is None:
        return ""
    return re.sub(r"\s+", "", str(value)).replace("(", "（").replace(")", "）")


def _check_headers(row2, row3) -> None:
    for i, column in enumerate(IMPORT_COLUMNS):
        got2 = _norm(row2[i].value if i < len(row2) else None)
        got3 = _norm(row3[i].value if i < len(row3) else None)
        letter = get_column_letter(i + 1)
        starts_group = column.group is not None and (i == 0 or IMPORT_COLUMNS[i - 1].group != column.group)
        if column.group is None:
            expected2, allowed2 = column.label, {column.label}
            expected3, allowed3 = column.label, {"", column.label}  # merged down: empty, or repeated
        else:
            expected2 = column.group
            allowed2 = {column.group} if starts_group else {"", column.group}
            expected3, allowed3 = column.label, {column.label}
        for row, expected, allowed, got in ((2, expected2, allowed2, got2), (3, expected3, allowed3, got3)):
            if got not in {_norm(a) for a in allowed}:
                shown = f"“{got}”" if got else "空白"
                raise _Refused(
                    f"表头不正确：{letter}{row} 单元格应为“{expected}”，实际为{shown}。"
                    f"请使用“下载导入模板”得到的附件1格式，不要增删、移动或改名表头各列。",
                    row=row,
                    column=f"{letter}列",
                )


class _RowParser:
    """Turns one Excel row into (unit, ProjectData) and Chinese errors keyed by column."""

    def __init__(self, user):
        self.user = user
        units = list(Unit.objects.all())
        # Full names first; a 简称 ("住建") is accepted where it names no other unit in full.
        self.units = {_norm(u.short_name): u for u in units} | {_norm(u.name): u for u in units}
        self.streets = {}
        for u in units:
            if u.unit_type == UnitType.STREET:
                for key in (u.name, u.short_name, u.name.removesuffix("办事处")):
                    self.streets[_norm(key)] = u
        self.choices = {
            field: {_norm(label): value for value, label in enum.choices}
            | {value: value for value in enum.values}
            for field, enum in CHOICES.items()
        }

    def parse(
        self, row_number: int, cells
    ) -> tuple[Unit | None, services.ProjectData | None, list[RowError]]:
        errors: dict[str, str] = {}  # field → message (first error per column)
        values: dict[str, object] = {}
        for i, column in enumerate(IMPORT_COLUMNS):
            if column.kind != DATA:
                continue
            cell = cells[i] if i < len(cells) else None
            raw = cell.value if cell is not None else None
            data_type = getattr(cell, "data_type", None)
            if data_type == "f" or (isinstance(raw, str) and raw.lstrip().startswith("=")):
                errors[column.field] = "含公式：导入不计算公式，请改为直接填写数值或文字"
                continue
            if data_type == "e":
                errors[column.field] = f"单元格为错误值 {raw}，请改为直接填写内容"
                continue
            if isinstance(raw, str):
                raw = unescape_formula(raw.strip())
            try:
                values[column.field] = self._convert(column.field, raw)
            except ValidationError as e:
                errors[column.field] = e.messages[0]

        unit = self._unit(values.get("unit"), errors) if "unit" not in errors else None
        data = services.ProjectData(
            name=values.get("name") or "",
            street=values.get("street"),
            category=values.get("category") or "",
            funding_type=values.get("funding_type") or "",
            trigger_type=values.get("trigger_type") or "",
            trigger_date=values.get("trigger_date"),
            bidder_unit=values.get("bidder_unit"),
            **{
                f: values.get(f) if values.get(f) is not None else ""
                for f in (
                    "unit_leader_name",
                    "unit_leader_phone",
                    "owner_name",
                    "owner_uscc",
                    "owner_manager_name",
                    "owner_manager_phone",
                    "contractor_name",
                    "contractor_uscc",
                    "contractor_manager_name",
                    "contractor_manager_phone",
                    "remarks",
                )
            },
            contract_total_wan=values.get("contract_total_wan"),
            contract_signed_on=values.get("contract_signed_on"),
            planned_start_on=values.get("planned_start_on"),
        )
        for field, label in (
            ("name", "项目名称"),
            ("street", "所在街道"),
            ("category", "项目类别"),
            ("funding_type", "资金类型"),
            ("trigger_type", "推送依据"),
            ("trigger_date", "依据发生日期"),
            ("bidder_unit", "招投标单位"),
        ):
            if field not in errors and values.get(field) in (None, ""):
                errors[field] = f"请填写{label}"
        if unit is not None:
            try:
                # The same rules as the web form (P1–P3), with push=True: an import pushes (P5).
                services.project_validate(unit=unit, data=data, push=True)
            except ValidationError as e:
                for field, message in _validation_errors(e):
                    key = field if field in COLUMN_BY_FIELD else "__all__"
                    if key not in errors:
                        errors[key] = message
        row_errors = [
            RowError(
                row=row_number,
                column=column_name(COLUMN_BY_FIELD[field]) if field in COLUMN_BY_FIELD else None,
                message=message,
            )
            for field, message in errors.items()
        ]
        return unit, data, sorted(row_errors, key=lambda e: _column_order(e.column))

    def _unit(self, name: str | None, errors: dict) -> Unit | None:
        user = self.user
        if not name:
            if not user.sees_all_units and user.unit_id:
                return user.unit  # a clerk's own unit by default
            errors["unit"] = "请填写所属行业部门（项目所属单位的全称）"
            return None
        unit = self.units.get(_norm(name))
        if unit is None:
            errors["unit"] = f"单位“{name}”不存在，请填写单位全称，如“区住房城乡建设局”"
            return None
        if unit.unit_type == UnitType.HRSS:
            errors["unit"] = "人社局是接收推送的单位，不能作为项目所属行业部门"
            return None
        if not services.user_can_act_for_unit(user, unit):
            own = f"（{user.unit.name}）" if user.unit_id else ""
            errors["unit"] = f"不能代其他单位推送：您只能导入本单位{own}的项目"
            return None
        return unit

    def _convert(self, field: str, raw):
        if field in ("unit", "bidder_unit", "street"):
            text = _cell_text(raw)
            if not text:
                return None
            if field == "unit":
                return text
            lookup = self.streets if field == "street" else self.units
            found = lookup.get(_norm(text))
            if found is None:
                if field == "street":
                    raise ValidationError(f"“{text}”不是中站区的街道办事处，请填写如“李封街道办事处”")
                raise ValidationError(f"单位“{text}”不存在，请填写单位全称，如“区住房城乡建设局”")
            return found
        if field in CHOICES:
            text = _cell_text(raw)
            if not text:
                return ""
            value = self.choices[field].get(_norm(text))
            if value is None:
                labels = "、".join(label for _, label in CHOICES[field].choices)
                raise ValidationError(f"“{text}”不是可选的{COLUMN_BY_FIELD[field].label}，可选：{labels}")
            return value
        if field in ("trigger_date", "contract_signed_on", "planned_start_on"):
            return _cell_date(raw)
        if field == "contract_total_wan":
            return _cell_money(raw)
        text = _cell_text(raw)
        limit = MAX_LENGTHS.get(field)
        if limit and len(text) > limit:
            raise ValidationError(f"内容过长：不能超过{limit}个字（现为{len(text)}个字）")
        return text


def _validation_errors(error: ValidationError) -> list[tuple[str, str]]:
    """(field, first message) pairs; a ValidationError without fields counts against the whole row."""
    if hasattr(error, "error_dict"):
        return [(field, messages[0]) for field, messages in error.message_dict.items()]
    return [("__all__", error.messages[0])]


def _refusal(error: BaseException) -> _Refused:
    """openpyxl wraps parser errors (ValueError from …): an entity refused by defusedxml is named as such."""
    while error is not None:
        if isinstance(error, DefusedXmlException):
            return _Refused(UNSAFE_XML)
        error = error.__cause__ or error.__context__
    return _Refused(NOT_XLSX)


def _safe_rows(rows):
    """openpyxl read_only parses lazily: a corrupt sheet raises while iterating. Only those errors mean
    "not a valid file"; errors of our own code (or the database) must surface as themselves."""
    physical_limit = FIRST_DATA_ROW + settings.LEDGER_IMPORT_MAX_ROWS + 10000
    count = 0
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except Exception as e:  # noqa: BLE001 — whatever the parser trips on, the file is not a valid .xlsx
            raise _refusal(e) from None
        count += 1
        if count > physical_limit:
            raise _Refused("文件行数过多（含大量空行），请删除多余的行后重新上传。")
        yield cells


def _column_order(column: str | None) -> int:
    if column is None:
        return -1
    for i, c in enumerate(COLUMNS):
        if column == column_name(c):
            return i
    return len(COLUMNS)


def _cell_text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))  # a phone typed as a number comes back as 13903910001.0
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    return str(raw).strip()


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def _cell_date(raw) -> dt.date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool) and 1 <= raw < 2958466:
        return from_excel(raw).date()  # a date serial in a cell without a date format
    text = str(raw).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 — a calendar date, no time
        except ValueError:
            continue
    raise ValidationError(f"日期格式不正确：“{text}”，请填写如 2026-09-01 的日期")


def _cell_money(raw) -> Decimal | None:
    """万元 as an exact Decimal: from the cell's text, never through float arithmetic."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise ValidationError("合同总额应为数字（单位：万元），如 1234.56")
    if isinstance(raw, int | float):
        text = repr(raw)  # the shortest text that reads back as this float: 1234.56, not 1234.5599…
    else:
        text = re.sub(r"[\s,，]", "", str(raw)).removesuffix("万元")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError("合同总额应为数字（单位：万元），如 1234.56") from None
    if not amount.is_finite():
        raise ValidationError("合同总额应为数字（单位：万元），如 1234.56")
    return amount


def _is_blank(cells) -> bool:
    for i, column in enumerate(IMPORT_COLUMNS):
        if column.kind != DATA or i >= len(cells):
            continue
        value = cells[i].value
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return False
    return True


def _read_rows(user, upload) -> tuple[list[tuple[int, Unit, services.ProjectData]], list[RowError]]:
    max_rows = settings.LEDGER_IMPORT_MAX_ROWS
    try:
        # read_only streams the sheet; openpyxl parses with defusedxml (installed), so entity tricks fail.
        wb = load_workbook(upload, read_only=True, data_only=False, keep_links=False)
    except Exception as e:  # noqa: BLE001 — whatever openpyxl trips on, the user's file is not a valid .xlsx
        raise _refusal(e) from None
    try:
        if not wb.worksheets:
            raise _Refused(NOT_XLSX)
        ws = wb.worksheets[0]
        rows = _safe_rows(ws.iter_rows(min_row=1, max_col=len(IMPORT_COLUMNS)))
        header = []
        for _ in range(HEADER_ROWS[-1]):
            header.append(next(rows, ()))
        _check_headers(header[1], header[2])

        parser = _RowParser(user)
        parsed, errors, seen_names = [], [], {}
        count = 0
        for row_number, cells in enumerate(rows, start=FIRST_DATA_ROW):
            if _is_blank(cells):
                continue
            count += 1
            if count > max_rows:
                raise _Refused(f"数据超过{max_rows}行的上限，请拆分为多个文件分批导入。")
            unit, data, row_errors = parser.parse(row_number, cells)
            if unit is not None and data.name:
                key = (unit.pk, data.name.strip())
                if key in seen_names and not any(e.column == column_name(COLUMNS[1]) for e in row_errors):
                    row_errors.insert(
                        0,
                        RowError(
                            row=row_number,
                            column=column_name(COLUMNS[1]),
                            message=f"与第{seen_names[key]}行项目名称重复：同一单位不能重复推送同名项目",
                        ),
                    )
                seen_names.setdefault(key, row_number)
            errors.extend(row_errors)
            if not row_errors:
                parsed.append((row_number, unit, data))
    finally:
        wb.close()
    if not parsed and not errors:
        raise _Refused("文件中没有项目数据：请从第4行起每行填写一个项目。")
    return parsed, errors


def import_ledger(*, user, upload) -> ImportResult:
    """P5 bulk push: every row checked first; any error → nothing saved; else all rows pushed in one transaction."""
    try:
        if user.is_read_only:
            raise _Refused("领导账号为只读，不能导入项目")
        size = _upload_size(upload)
        limit = settings.LEDGER_IMPORT_MAX_BYTES
        if size > limit:
            raise _Refused(
                f"文件过大（{size / 1024 / 1024:.1f} MB），导入文件不能超过 {limit / 1024 / 1024:.0f} MB，"
                "请拆分为多个文件分批导入。"
            )
        if size == 0:
            raise _Refused("文件为空，请选择填好的台账文件。")
        _check_archive(upload)
        parsed, errors = _read_rows(user, upload)
    except _Refused as refused:
        return ImportResult(projects=[], errors=[refused.error])
    if errors:
        if len(errors) > MAX_ERRORS_SHOWN:
            hidden = len(errors) - MAX_ERRORS_SHOWN
            errors = errors[:MAX_ERRORS_SHOWN] + [
                RowError(row=None, column=None, message=f"另有 {hidden} 处错误未列出，请先修改以上错误")
            ]
        return ImportResult(projects=[], errors=errors)

    projects, current_row = [], None
    try:
        with transaction.atomic():
            for row_number, unit, data in parsed:
                current_row = row_number  # named in the error if this row fails now
                projects.append(services.project_create(user=user, unit=unit, data=data, push=True))
    except ValidationError as e:
        # Checked a moment ago, so only a concurrent change lands here (e.g. the same name just pushed).
        errors = [
            RowError(
                row=current_row,
                column=column_name(COLUMN_BY_FIELD[field]) if field in COLUMN_BY_FIELD else None,
                message=message,
            )
            for field, message in _validation_errors(e)
        ]
        return ImportResult(projects=[], errors=errors)
    except PermissionDenied as e:
        return ImportResult(projects=[], errors=[RowError(row=current_row, column=None, message=str(e))])
    return ImportResult(projects=projects, errors=[])
