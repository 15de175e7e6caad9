"""P5: reading a 附件1 ledger workbook for a bulk push — the parser. It writes nothing.

`parse_ledger(user=…, upload=…)` checks the file (size, zip bomb, allowed parts, XML entities: common.xlsx),
every header cell (all wrong ones are reported), then reads each data row into the unit it names and a
ProjectData, with Chinese errors keyed by column: formats, names that match no unit or choice, formulas, a
unit the user may not push for, a name repeated in the file. The rules of a push (P1–P3) are checked, and the
rows written, by projects.services.project_ledger_import, all rows or none.
"""

import dataclasses

from django.conf import settings
from django.core.exceptions import ValidationError

from common import xlsx
from common.access import can_act_for_unit
from common.models import Unit, UnitType
from projects.columns import (
    COLUMN_BY_FIELD,
    COLUMNS,
    DATA_COLUMNS,
    IMPORT_COLUMNS,
    REQUIRED,
    UNIT_COLUMN,
    Lookups,
    ProjectData,
)

HEADER_ROWS = (2, 3)
FIRST_DATA_ROW = 4
MAX_ERRORS_SHOWN = 500
# Measured on a 2,000-row export (settings.LEDGER_IMPORT_MAX_ROWS) with every text unique and a remark on
# every row, re-saved both ways a clerk's file arrives: with inline strings (openpyxl, our export) sheet1.xml
# is 3.7 MB and the archive 3.7 MB uncompressed; with a shared-string table as Excel/WPS write it
# (<phoneticPr> on every entry) sheet1.xml is 1.9 MB, sharedStrings.xml 2.1 MB, the archive 4.0 MB.
# styles.xml 5 KB, theme1.xml 10 KB, every other part under 10 KB. Both imported (2,000 projects pushed).
# common.xlsx.ArchiveLimits' defaults leave at least twice that room.
ARCHIVE_LIMITS = xlsx.ArchiveLimits()


@dataclasses.dataclass(frozen=True)
class RowError:
    row: int | None  # the Excel row number, None for a file-level error
    column: str | None  # "建设单位·联系方式（I列）"; None for the whole row or file
    message: str


@dataclasses.dataclass
class ParsedRow:
    """One data row: the unit it names (None if that was wrong), what it holds, and its errors."""

    row: int
    unit: Unit | None
    data: ProjectData
    errors: dict[str, str] = dataclasses.field(default_factory=dict)  # field or "__all__" → first message

    def add_error(self, field: str, message: str) -> None:
        """The first error of a column is the one reported (a format error before the rule it also breaks)."""
        self.errors.setdefault(field if field in COLUMN_BY_FIELD else "__all__", message)

    def add_validation_error(self, error: ValidationError) -> None:
        for field, message in validation_messages(error):
            self.add_error(field, message)

    def row_errors(self) -> list[RowError]:
        return sorted(
            (
                RowError(row=self.row, column=_column_name(field), message=m)
                for field, m in self.errors.items()
            ),
            key=lambda e: _COLUMN_ORDER.get(e.column, -1),
        )


@dataclasses.dataclass
class ParsedLedger:
    rows: list[ParsedRow]
    file_errors: list[RowError] = dataclasses.field(default_factory=list)  # the file refused as a whole

    @property
    def errors(self) -> list[RowError]:
        """Every error, file-level first, then by row and column."""
        return [*self.file_errors, *(e for row in self.rows for e in row.row_errors())]


@dataclasses.dataclass
class ImportResult:
    projects: list
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def late_count(self) -> int:
        """How many of the imported projects were pushed after their deadline (P6: is_late)."""
        return sum(1 for p in self.projects if p.is_late)


def refused(message: str) -> ImportResult:
    return ImportResult(projects=[], errors=[RowError(row=None, column=None, message=message)])


def shown(errors: list[RowError]) -> list[RowError]:
    """At most MAX_ERRORS_SHOWN, then one line saying how many more there are."""
    if len(errors) <= MAX_ERRORS_SHOWN:
        return errors
    hidden = len(errors) - MAX_ERRORS_SHOWN
    return errors[:MAX_ERRORS_SHOWN] + [
        RowError(row=None, column=None, message=f"另有 {hidden} 处错误未列出，请先修改以上错误")
    ]


def validation_messages(error: ValidationError) -> list[tuple[str, str]]:
    """(field, first message) pairs; a ValidationError without fields counts against the whole row."""
    if hasattr(error, "error_dict"):
        return [(field, messages[0]) for field, messages in error.message_dict.items()]
    return [("__all__", error.messages[0])]


def column_error(row: int | None, error: ValidationError) -> list[RowError]:
    """A service's ValidationError as row errors named by column."""
    return [
        RowError(row=row, column=_column_name(field), message=message)
        for field, message in validation_messages(error)
    ]


def _column_name(field: str) -> str | None:
    column = COLUMN_BY_FIELD.get(field)
    return column.excel_name if column is not None else None


_COLUMN_ORDER = {c.excel_name: i for i, c in enumerate(COLUMNS)}


# ---------------------------------------------------------------------------------------------- parsing


def parse_ledger(*, user, upload) -> ParsedLedger:
    """Read `upload` (a file object) as a 附件1 ledger on behalf of `user`; nothing is saved."""
    try:
        xlsx.check_upload(upload, max_bytes=settings.LEDGER_IMPORT_MAX_BYTES)
        xlsx.check_archive(upload, ARCHIVE_LIMITS)
        return _read(user, upload)
    except xlsx.Refused as e:
        return ParsedLedger(rows=[], file_errors=[RowError(row=None, column=None, message=e.message)])


def _read(user, upload) -> ParsedLedger:
    max_rows = settings.LEDGER_IMPORT_MAX_ROWS
    wb = xlsx.open_workbook(upload)
    try:
        if not wb.worksheets:
            raise xlsx.Refused(xlsx.NOT_XLSX)
        ws = wb.worksheets[0]
        rows = xlsx.iter_rows(
            ws.iter_rows(min_row=1, max_col=len(IMPORT_COLUMNS)),
            max_rows=FIRST_DATA_ROW + max_rows + 10000,  # blank rows are skipped, but not without end
        )
        header = [next(rows, ()) for _ in range(HEADER_ROWS[-1])]
        if header_errors := _header_errors(header[1], header[2]):
            return ParsedLedger(rows=[], file_errors=header_errors)

        parser = _RowParser(user)
        parsed, first_row_of = [], {}
        for row_number, cells in enumerate(rows, start=FIRST_DATA_ROW):
            if _is_blank(cells):
                continue
            if len(parsed) == max_rows:
                raise xlsx.Refused(f"数据超过{max_rows}行的上限，请拆分为多个文件分批导入。")
            row = parser.parse(row_number, cells)
            if row.unit is not None and row.data.name:
                key = (row.unit.pk, row.data.name.strip())
                if key in first_row_of:
                    row.add_error(
                        "name", f"与第{first_row_of[key]}行项目名称重复：同一单位不能重复推送同名项目"
                    )
                first_row_of.setdefault(key, row_number)
            parsed.append(row)
    finally:
        wb.close()
    if not parsed:
        raise xlsx.Refused("文件中没有项目数据：请从第4行起每行填写一个项目。")
    return ParsedLedger(rows=parsed)


def _header_errors(row2, row3) -> list[RowError]:
    """B13: every header cell that is not the 附件1 one, each named with what it should be."""
    errors = []
    for i, column in enumerate(IMPORT_COLUMNS):
        got2 = xlsx.norm_label(row2[i].value if i < len(row2) else None)
        got3 = xlsx.norm_label(row3[i].value if i < len(row3) else None)
        starts_group = column.group is not None and (i == 0 or IMPORT_COLUMNS[i - 1].group != column.group)
        if column.group is None:
            expected2, allowed2 = column.label, {column.label}
            expected3, allowed3 = column.label, {"", column.label}  # merged down: empty, or repeated
        else:
            expected2 = column.group
            allowed2 = {column.group} if starts_group else {"", column.group}
            expected3, allowed3 = column.label, {column.label}
        for row, expected, allowed, got in ((2, expected2, allowed2, got2), (3, expected3, allowed3, got3)):
            if got not in {xlsx.norm_label(a) for a in allowed}:
                shown_as = f"“{got}”" if got else "空白"
                errors.append(
                    RowError(
                        row=row,
                        column=f"{column.letter}列",
                        message=f"表头不正确：{column.letter}{row} 单元格应为“{expected}”，实际为{shown_as}。"
                        "请使用“下载导入模板”得到的附件1格式，不要增删、移动或改名表头各列。",
                    )
                )
    return errors


def _is_blank(cells) -> bool:
    return all(
        xlsx.is_blank(cells[i].value)
        for i, column in enumerate(IMPORT_COLUMNS)
        if column.field and i < len(cells)
    )


class _RowParser:
    """Turns one Excel row into a ParsedRow: each column through its kind's parser (projects.columns)."""

    def __init__(self, user):
        self.user = user
        self.lookups = Lookups(list(Unit.objects.all()))

    def parse(self, row_number: int, cells) -> ParsedRow:
        errors: dict[str, str] = {}
        values: dict[str, object] = {}
        for i, column in enumerate(IMPORT_COLUMNS):
            if column.field is None:
                continue  # 序号
            cell = cells[i] if i < len(cells) else None
            if problem := xlsx.formula_error(cell):
                errors[column.field] = problem
                continue
            raw = getattr(cell, "value", None)
            if isinstance(raw, str):
                raw = xlsx.unescape_formula(raw.strip())
            try:
                values[column.field] = column.parse(raw, self.lookups)
            except ValidationError as e:
                errors[column.field] = e.messages[0]
        for field, name in REQUIRED.items():
            if field not in errors and values.get(field) in (None, ""):
                errors[field] = f"请填写{name}"
        unit = self._unit(values.get("unit"), errors) if "unit" not in errors else None
        data = ProjectData(
            **{
                c.field: c.kind.default if values.get(c.field) is None else values[c.field]
                for c in DATA_COLUMNS
            }
        )
        row = ParsedRow(row=row_number, unit=unit, data=data)
        for field, message in errors.items():
            row.add_error(field, message)
        return row

    def _unit(self, name: str | None, errors: dict) -> Unit | None:
        """The row's own unit: a clerk's blank means their own; only a unit the user may push for."""
        user = self.user
        if not name:
            if not user.sees_all_units and user.unit_id:
                return user.unit
            errors["unit"] = f"请填写{UNIT_COLUMN.display_name}（项目所属单位的全称）"
            return None
        unit = self.lookups.units.get(xlsx.norm_label(name))
        if unit is None:
            errors["unit"] = f"单位“{name}”不存在，请填写单位全称，如“区住房城乡建设局”"
            return None
        if unit.unit_type == UnitType.HRSS:
            errors["unit"] = "人社局是接收推送的单位，不能作为项目所属行业部门"
            return None
        if not can_act_for_unit(user, unit):
            own = f"（{user.unit.name}）" if user.unit_id else ""
            errors["unit"] = f"不能代其他单位推送：您只能导入本单位{own}的项目"
            return None
        return unit
