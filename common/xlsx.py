"""Excel workbooks in and out, safely: the checks every import and export of the system shares.

Reading an uploaded .xlsx, in this order (nothing is inflated before the archive passed):
- `check_upload` refuses an empty or oversized file; `check_archive` refuses junk, zip bombs and parts a plain
  workbook has no business carrying (macros, objects, external links…), from the zip's central directory alone;
- `open_workbook` parses read_only through defusedxml (entity tricks are refused) and `iter_rows` streams the
  rows with a physical row cap, turning parser errors into a refusal;
- `formula_error`, `cell_text`, `cell_date` and `cell_decimal` read one cell (no formula is ever evaluated,
  money is an exact Decimal), `unescape_formula` undoes the export's escape.

Writing (openpyxl write_only, streamed): `text` strips the characters XLSX forbids and escapes what Excel would
evaluate; `CellStyles` builds the title, header, note, bordered and number-formatted cells once per sheet;
`header_rows` writes a two-level header (a group's label merged over its columns' labels) from `Column`s, and
`set_up_sheet` the column widths, frozen panes and the print setup of a report (A4 landscape, one page wide).

A problem with the file as a whole raises `Refused` with one Chinese message; the caller reports it.
"""

import dataclasses
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal, InvalidOperation

from defusedxml import DefusedXmlException
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TIME_FORMATS, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from common.formats import EXCEL_DATE_FORMAT, EXCEL_MONEY_FORMAT

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A small workbook built in memory, as a download under its Chinese file name (RFC 6266 encoding)."""
    return HttpResponse(
        content,
        content_type=XLSX,
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


NOT_XLSX = (
    "文件不是有效的 Excel（.xlsx）文件，无法读取。请用“下载导入模板”得到的模板填写，"
    "并以 .xlsx 格式保存后上传（不支持 .xls、.csv 或改了扩展名的文件）。"
)
UNSAFE_XML = "文件含有不安全的内容（XML 实体声明），已拒绝处理。请用模板重新填写后上传。"
TO_TEMPLATE = "请把数据复制并“选择性粘贴—数值”到“下载导入模板”得到的模板中，保存为 .xlsx 后重新上传。"


class Refused(Exception):
    """The whole file is refused, with one message for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------- archive


@dataclasses.dataclass(frozen=True)
class ArchiveLimits:
    """Zip-bomb and memory guard, checked on the archive's central directory before openpyxl opens it.

    zipfile never inflates a member beyond its declared size (a lying header fails the CRC), so the declared
    sizes are a real bound. openpyxl streams the worksheets in read_only mode but builds a whole tree for
    styles.xml and keeps every shared string in a list: a 3.9 MB upload carrying a 43 MB styles.xml once cost
    ~670 MB of RSS. So only the parts a plain workbook has are accepted, each capped, and the total too.
    The defaults leave twice the room a 2,000-row 附件1 ledger needs (measured: projects.ledger_import).
    """

    max_uncompressed_bytes: int = 20 * 1024 * 1024  # the whole archive: the only cap on the streamed sheets
    max_shared_strings_bytes: int = (
        5 * 1024 * 1024
    )  # ≈ 30 MB of Python heap when openpyxl reads it (measured)
    max_part_bytes: int = 2 * 1024 * 1024  # any other part; a 1.9 MB styles.xml costs ≈ 35 MB RSS (measured)
    max_members: int = 200


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
# How a refused part is named to the user (first match wins).
_FOREIGN_PARTS = (
    (re.compile(r"xl/vbaProject", re.IGNORECASE), "宏（VBA 代码）"),
    (re.compile(r"xl/(?:embeddings|activeX|ctrlProps)/", re.IGNORECASE), "嵌入的对象或控件"),
    (re.compile(r"xl/(?:media|drawings|charts|chartsheets|diagrams)/", re.IGNORECASE), "图片、图表或图形"),
    (re.compile(r"xl/externalLinks/", re.IGNORECASE), "指向其他文件的外部链接"),
    (re.compile(r"xl/pivot", re.IGNORECASE), "数据透视表"),
)


def upload_size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    upload.seek(0)
    return size


def check_upload(upload, *, max_bytes: int) -> None:
    """An empty file or one over `max_bytes` is refused before a byte of it is read."""
    size = upload_size(upload)
    if size > max_bytes:
        raise Refused(
            f"文件过大（{size / 1024 / 1024:.1f} MB），导入文件不能超过 {max_bytes / 1024 / 1024:.0f} MB，"
            "请拆分为多个文件分批导入。"
        )
    if size == 0:
        raise Refused("文件为空，请选择填好的台账文件。")


def check_archive(upload, limits: ArchiveLimits = ArchiveLimits()) -> None:
    """Refuse junk, zip bombs and oversized or foreign parts from the central directory alone, before anything
    is inflated (call open_workbook only once this passed)."""
    upload.seek(0)
    if not zipfile.is_zipfile(upload):
        raise Refused(NOT_XLSX)
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise Refused(NOT_XLSX) from None
    names = {m.filename for m in members}
    if len(members) > limits.max_members or not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise Refused(NOT_XLSX)
    for m in members:
        if not _ALLOWED_PARTS.fullmatch(m.filename):
            what = next((label for pattern, label in _FOREIGN_PARTS if pattern.match(m.filename)), None)
            raise Refused(
                f"文件中含有{what or '台账以外的内容'}（{m.filename}），导入文件只能包含台账数据，已拒绝处理。"
                + TO_TEMPLATE
            )
    if sum(m.file_size for m in members) > limits.max_uncompressed_bytes:
        raise Refused(
            f"文件解压后超过 {limits.max_uncompressed_bytes // 1024 // 1024} MB（疑似“压缩炸弹”），已拒绝处理。"
            "请上传用模板正常填写的台账文件；数据较多时请拆分为多个文件分批导入。"
        )
    for m in members:
        if _WORKSHEET_PART.fullmatch(m.filename):
            continue  # streamed row by row; the total above bounds it
        if m.filename == _SHARED_STRINGS_PART:
            if m.file_size > limits.max_shared_strings_bytes:
                raise Refused(
                    f"文件中的文字内容解压后为 {m.file_size / 1024 / 1024:.1f} MB，超过 "
                    f"{limits.max_shared_strings_bytes // 1024 // 1024} MB 的上限，已拒绝处理。"
                    "请拆分为多个文件分批导入。"
                )
        elif m.file_size > limits.max_part_bytes:
            what = "单元格样式" if m.filename == "xl/styles.xml" else "附属内容"
            raise Refused(
                f"文件中的{what}（{m.filename}）解压后为 {m.file_size / 1024 / 1024:.1f} MB，超过 "
                f"{limits.max_part_bytes // 1024 // 1024} MB 的上限（正常台账不到 0.1 MB），已拒绝处理。"
                + TO_TEMPLATE
            )
    upload.seek(0)


def _refusal(error: BaseException) -> Refused:
    """openpyxl wraps parser errors (ValueError from …): an entity refused by defusedxml is named as such."""
    while error is not None:
        if isinstance(error, DefusedXmlException):
            return Refused(UNSAFE_XML)
        error = error.__cause__ or error.__context__
    return Refused(NOT_XLSX)


def open_workbook(upload):
    """The workbook, read_only (streamed) and parsed through defusedxml (a pinned dependency: openpyxl uses it
    when installed). Close it when done."""
    try:
        return load_workbook(upload, read_only=True, data_only=False, keep_links=False)
    except Exception as e:  # noqa: BLE001 — whatever openpyxl trips on, the user's file is not a valid .xlsx
        raise _refusal(e) from None


def iter_rows(rows, *, max_rows: int):
    """openpyxl read_only parses lazily, so a corrupt sheet raises while iterating: only those errors mean
    "not a valid file"; errors of the caller's own code (or the database) surface as themselves. More than
    `max_rows` physical rows (blank ones included) is refused."""
    count = 0
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except Exception as e:  # noqa: BLE001 — whatever the parser trips on, the file is not a valid .xlsx
            raise _refusal(e) from None
        count += 1
        if count > max_rows:
            raise Refused("文件行数过多（含大量空行），请删除多余的行后重新上传。")
        yield cells


# ---------------------------------------------------------------------------------------------- cells in


def norm_label(value) -> str:
    """Header and label comparison: no whitespace, full-width brackets."""
    if value is None:
        return ""
    return re.sub(r"\s+", "", str(value)).replace("(", "（").replace(")", "）")


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def formula_error(cell) -> str | None:
    """Why a cell can't be imported as typed: a formula (never evaluated) or an error value; else None."""
    raw = getattr(cell, "value", None)
    data_type = getattr(cell, "data_type", None)
    if data_type == "f" or (isinstance(raw, str) and raw.lstrip().startswith("=")):
        return "含公式：导入不计算公式，请改为直接填写数值或文字"
    if data_type == "e":
        return f"单元格为错误值 {raw}，请改为直接填写内容"
    return None


def cell_text(raw) -> str:
    """A cell as the text a user typed: digits Excel turned into a number come back as digits."""
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


def cell_date(raw) -> dt.date | None:
    """A date cell, a date serial in a cell without a date format, or a date typed as text in common ways."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool) and 1 <= raw < 2958466:
        return from_excel(raw).date()
    text = str(raw).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 — a calendar date, no time
        except ValueError:
            continue
    raise ValidationError(f"日期格式不正确：“{text}”，请填写如 2026-09-01 的日期")


def cell_decimal(raw, *, message: str, strip_suffixes: tuple[str, ...] = ()) -> Decimal | None:
    """An exact Decimal, from the cell's text and never through float arithmetic: openpyxl reads a number
    as float, whose shortest repr (1234.56, not 1234.5599…) is what was typed. Thousands separators and the
    given unit suffixes (e.g. "万元") are dropped; anything else not a finite number raises `message`."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise ValidationError(message)
    if isinstance(raw, int | float):
        text = repr(raw)
    else:
        text = re.sub(r"[\s,，]", "", str(raw))
        for suffix in strip_suffixes:
            text = text.removesuffix(suffix)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(message) from None
    if not amount.is_finite():
        raise ValidationError(message)
    return amount


# ---------------------------------------------------------------------------------------------- cells out

# Excel evaluates a cell typed as = + - @ (and tab/CR lead-ins are used to smuggle them): such strings are
# written with a leading apostrophe, and the importer removes it. A leading apostrophe itself is escaped
# too, so the round trip is exact: "'=A1" typed by a user goes out as "''=A1" and comes back as "'=A1".
_DANGEROUS_LEAD = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
_ESCAPED_LEAD = (*_DANGEROUS_LEAD, ESCAPE)


def escape_formula(value: str) -> str:
    """A text that Excel would evaluate gets a leading apostrophe (shown, never evaluated)."""
    if value and value.startswith(_ESCAPED_LEAD):
        return ESCAPE + value
    return value


def unescape_formula(value: str) -> str:
    """The inverse of escape_formula, for a text read back from an exported file."""
    if len(value) > 1 and value[0] == ESCAPE and value[1:].startswith(_ESCAPED_LEAD):
        return value[1:]
    return value


def text(value) -> str | None:
    """A value as a safe text cell: None for empty; control characters pasted from other programs (e.g. \\x0b
    from Word) are illegal in XLSX and would make openpyxl refuse the whole file for one of them."""
    if value is None or value == "":
        return None
    value = str(value)
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return escape_formula(value)


class CellStyles:
    """Styled cells for a write_only sheet, their styles built once: write_only takes a styled cell per
    styled value, and looking a style up again for every cell costs more than writing the cell."""

    def __init__(self, ws):
        self.ws = ws
        thin = Side(style="thin", color="808080")
        self._border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self._header_font = Font(name="宋体", bold=True, size=10)
        self._center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self._note_font = Font(name="宋体", size=10)
        self._bold_font = Font(name="宋体", size=10, bold=True)
        self._wrapped = Alignment(horizontal="left", vertical="top", wrap_text=True)
        self._formats: dict[str, object] = {}
        self._bordered: dict[tuple[str, bool], object] = {}

    def title(self, value: str) -> Cell:
        cell = Cell(self.ws, row=1, column=1, value=value)
        cell.font = Font(name="宋体", bold=True, size=16)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        return cell

    def header(self, value: str | None, *, fill: str = "DDEBF7") -> Cell:
        cell = Cell(self.ws, row=1, column=1, value=value)
        cell.font = self._header_font
        cell.fill = PatternFill("solid", fgColor=fill)
        cell.alignment = self._center
        cell.border = self._border
        return cell

    def formatter(self, number_format: str, *, value_type: type | None = None):
        """A function value → a cell showing it in `number_format` (None stays an empty cell).

        Where openpyxl itself gives a value of `value_type` exactly this format (a date: yyyy-mm-dd), the
        value goes as it is: a styled cell costs openpyxl twice the work of a plain one."""
        if value_type is not None and TIME_FORMATS.get(value_type) == number_format:
            return _as_it_is
        style = self._formats.get(number_format)
        if style is None:
            prototype = Cell(self.ws, row=1, column=1)
            prototype.number_format = number_format
            style = self._formats[number_format] = prototype._style
        ws = self.ws

        def formatted(value):
            if value is None:
                return None
            return Cell(ws, row=1, column=1, value=value, style_array=style)

        return formatted

    def note(self, value: str | None, *, bold: bool = False) -> Cell:
        """A line of text above or below a table (the period, a formula), left-aligned and wrapped: merge it
        across the table's columns and give its row the height of its lines (`note_height`)."""
        cell = Cell(self.ws, row=1, column=1, value=text(value))
        cell.font = self._bold_font if bold else self._note_font
        cell.alignment = self._wrapped
        return cell

    def bordered(self, number_format: str = "General", *, bold: bool = False):
        """A function value → a table cell with a thin border, numbers shown in `number_format` (in bold for a
        column that sums up a row, such as a rank or a total); text goes through `text`, None is an empty cell
        (bordered too: a blank stays a blank, never a "—")."""
        style = self._bordered.get((number_format, bold))
        if style is None:
            prototype = Cell(self.ws, row=1, column=1)
            prototype.number_format = number_format
            prototype.border = self._border
            prototype.font = self._bold_font if bold else self._note_font
            prototype.alignment = Alignment(vertical="center")
            style = self._bordered[(number_format, bold)] = prototype._style
        ws = self.ws

        def cell(value):
            if isinstance(value, str):
                value = text(value)
            return Cell(ws, row=1, column=1, value=value, style_array=style)

        return cell


def _as_it_is(value):
    return value


def note_height(value: str, *, width: float, line: float = 14) -> float:
    """The row height (points) a wrapped note needs across columns `width` characters wide in all: a Chinese
    character takes about two of Excel's character widths."""
    units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in value)
    return line * max(1, -(-units // max(1, int(width))))


# ----------------------------------------------------------------------------------- a report's layout


@dataclasses.dataclass(frozen=True)
class Column:
    """A column of a report with a two-level header (`header_rows`): `label` under its `group`, whose label
    spans the consecutive columns of the same group (merged across them); a column without a group has its
    label merged down over both header rows. `width` in Excel characters; `number_format` for its numbers;
    `bold` for a column that sums up a row (a rank, a total)."""

    label: str
    group: str | None = None
    width: float = 10
    number_format: str = "General"
    bold: bool = False


def header_merges(groups: list[str | None], *, row: int) -> list[str]:
    """The merged ranges of a two-level header in rows `row` and `row + 1` whose columns (from A) belong to
    `groups`: a run of columns of one group merged across on the top row, a column of no group down over both."""
    merges = []
    i = 0
    while i < len(groups):
        first = get_column_letter(i + 1)
        if groups[i] is None:
            merges.append(f"{first}{row}:{first}{row + 1}")
            i += 1
            continue
        j = i
        while j + 1 < len(groups) and groups[j + 1] == groups[i]:
            j += 1
        if j > i:
            merges.append(f"{first}{row}:{get_column_letter(j + 1)}{row}")
        i = j + 1
    return merges


def header_rows(ws, styles: CellStyles, columns: list[Column], *, row: int) -> None:
    """Append the two header rows of `columns` to `ws` — they become rows `row` and `row + 1` — a group's label
    over its first column and merged across its columns, a column without a group merged down over both rows
    (header_merges). For a write_only sheet as for a plain one (merged ranges are written with the sheet's
    tail)."""
    top, sub = [], []
    for i, column in enumerate(columns):
        if column.group is None:
            top.append(styles.header(column.label))
            sub.append(styles.header(None))
        else:
            starts_group = i == 0 or columns[i - 1].group != column.group
            top.append(styles.header(column.group if starts_group else None))
            sub.append(styles.header(column.label))
    ws.append(top)
    ws.append(sub)
    for ref in header_merges([column.group for column in columns], row=row):
        ws.merged_cells.add(ref)


def print_setup(ws, *, title_rows: tuple[int, int], narrow_margins: bool = False) -> None:
    """A report printed on A4 landscape, all columns one page wide, as many pages tall as needed, rows
    `title_rows` (first, last) repeated on every page. On a write_only sheet call it before the first row:
    fitToPage lives in sheetPr, written with the sheet's head (pageSetup and Print_Titles come at save)."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if narrow_margins:  # a wide table
        ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)  # inches
    ws.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"


def set_up_sheet(ws, *, widths: list[float], freeze: str | None, title_rows: tuple[int, int]) -> None:
    """A report's sheet: column widths (from column A), frozen panes (e.g. "C5": the rows above 5 and the
    columns left of C stay in view) and print_setup with narrow margins. Before the first row on a write_only
    sheet."""
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    if freeze:
        ws.freeze_panes = freeze
    print_setup(ws, title_rows=title_rows, narrow_margins=True)


# ------------------------------------------------------------------------------------------ a list's export


def write_table(*, title: str, headers: list[str], rows) -> bytes:
    """A list page's Excel export, one sheet: a title row, a header row, then `rows` (dates, Decimals as money, ints, text)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    styles = CellStyles(ws)
    as_date = styles.formatter(EXCEL_DATE_FORMAT, value_type=dt.date)
    as_money = styles.formatter(EXCEL_MONEY_FORMAT)
    ws.append([styles.title(title)])
    ws.append([styles.header(h) for h in headers])
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, Decimal):
                cells.append(as_money(value))
            elif isinstance(value, dt.date):
                cells.append(as_date(value))
            elif isinstance(value, int | float) or value is None:
                cells.append(value)
            else:
                cells.append(text(value))
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
