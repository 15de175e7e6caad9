"""P3/P5: the 附件1 columns, each defined once. Adding a column is one entry in COLUMNS.

Everything else is derived from this list: `ProjectData` (what a clerk enters, from the form, the API or an
Excel row), `PUSH_REQUIRED` (the columns a push needs, checked by projects.services.project_validate), the
push form's fields (projects.forms), the API's write serializer (projects.api), the Excel layout, export
getters and import parsers (projects.ledger_export / ledger_import), the length limits and the test
factories' complete record.

A column's *kind* says how its value is typed, parsed from a cell and written to one. The form and the
serializer build their fields from the kind in their own modules: this one knows no forms and no DRF.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from openpyxl.utils import get_column_letter

from common import xlsx
from common.formats import EXCEL_DATE_FORMAT, EXCEL_DATETIME_FORMAT, EXCEL_MONEY_FORMAT
from common.models import Unit
from projects.models import Category, Enterprise, FundingType, Project, ProjectStatus, Timeliness, TriggerType

# --------------------------------------------------------------------------------------------- kinds


class Kind:
    """How one column's value is typed (in ProjectData), read from an Excel cell and written to one."""

    python_type: Any = str
    default: Any = ""  # the ProjectData default of an optional column
    number_format: str | None = None  # Excel number format of an exported cell; None: a plain cell
    personal = False  # personal data: masked unless common.access.sees_personal_data

    def parse(self, raw, lookups: "Lookups", column: "Column"):
        """A cell's value (unescaped, stripped) → the ProjectData value; ValidationError with a Chinese message."""
        return xlsx.cell_text(raw)

    def exporter(self) -> Callable:
        """database value → what goes into the cell (a number format, if any, is applied after). Built once
        per export: it is called for every row."""
        return xlsx.text


@dataclasses.dataclass(frozen=True)
class Text(Kind):
    max_length: int | None = None
    multiline: bool = False

    def parse(self, raw, lookups, column):
        text = xlsx.cell_text(raw)
        if self.max_length and len(text) > self.max_length:
            raise ValidationError(f"内容过长：不能超过{self.max_length}个字（现为{len(text)}个字）")
        return text


@dataclasses.dataclass(frozen=True)
class Phone(Text):
    """A contact's phone: personal data, masked in exports and lists outside sees_personal_data."""

    max_length: int | None = 30
    personal = True


@dataclasses.dataclass(frozen=True)
class Uscc(Text):
    """统一社会信用代码: 18 characters once normalised; longer on input, as pasted codes carry spaces."""

    max_length: int | None = 30


@dataclasses.dataclass(frozen=True)
class UnitRef(Kind):
    """A unit, named by its full name (or 简称) in Excel, by id in the form and the API."""

    streets_only: bool = False
    python_type = Unit
    default = None

    def parse(self, raw, lookups, column):
        text = xlsx.cell_text(raw)
        if not text:
            return None
        found = (lookups.streets if self.streets_only else lookups.units).get(xlsx.norm_label(text))
        if found is None:
            if self.streets_only:
                raise ValidationError(f"“{text}”不是中站区的街道办事处，请填写如“李封街道办事处”")
            raise ValidationError(f"单位“{text}”不存在，请填写单位全称，如“区住房城乡建设局”")
        return found


@dataclasses.dataclass(frozen=True)
class OwnUnit(UnitRef):
    """The project's own unit (所属行业部门), not part of ProjectData: which unit a user may push for is
    decided with common.access by the importer; here only the name is read."""

    def parse(self, raw, lookups, column):
        return xlsx.cell_text(raw) or None


@dataclasses.dataclass(frozen=True)
class Choice(Kind):
    """A TextChoices value; Excel shows and accepts the Chinese label (and the value)."""

    enum: type[models.TextChoices]

    def parse(self, raw, lookups, column):
        text = xlsx.cell_text(raw)
        if not text:
            return ""
        value = lookups.choices(self.enum).get(xlsx.norm_label(text))
        if value is None:
            labels = "、".join(label for _, label in self.enum.choices)
            raise ValidationError(f"“{text}”不是可选的{column.label}，可选：{labels}")
        return value

    def exporter(self):
        labels = {value: xlsx.text(label) for value, label in self.enum.choices}
        return lambda value: labels.get(value) or xlsx.text(value)


@dataclasses.dataclass(frozen=True)
class Date(Kind):
    python_type = dt.date
    default = None
    number_format = EXCEL_DATE_FORMAT

    def parse(self, raw, lookups, column):
        return xlsx.cell_date(raw)

    def exporter(self):
        return _as_it_is


@dataclasses.dataclass(frozen=True)
class Money(Kind):
    """万元, an exact Decimal; Excel shows it with thousands separators (B9)."""

    python_type = Decimal
    default = None
    number_format = EXCEL_MONEY_FORMAT

    def parse(self, raw, lookups, column):
        message = f"{column.display_name}应为数字（单位：万元），如 1234.56"
        return xlsx.cell_decimal(raw, message=message, strip_suffixes=("万元", "万"))

    def exporter(self):
        return _as_it_is


# Export-only kinds: the 推送情况 columns, written by the system.


@dataclasses.dataclass(frozen=True)
class LocalDateTime(Kind):
    number_format = EXCEL_DATETIME_FORMAT

    def exporter(self):
        tz = timezone.get_current_timezone()  # once: looking it up per value costs more than the conversion

        def local(value):
            # Excel has no time zones: the time in Beijing, as every page shows it.
            return value.astimezone(tz).replace(tzinfo=None) if value is not None else None

        return local


@dataclasses.dataclass(frozen=True)
class Label(Kind):
    enum: type[models.TextChoices]

    def exporter(self):
        labels = dict(self.enum.choices)
        return lambda value: labels.get(value, value)


@dataclasses.dataclass(frozen=True)
class Count(Kind):
    def exporter(self):
        return lambda value: value or None  # 0 stays empty: only a late push has late working days


def _as_it_is(value):
    return value


# --------------------------------------------------------------------------------------------- columns

BASIC, CONTRACT = "项目基本信息", "合同与开工"  # form sections that are not a 附件1 group


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of 附件1.

    label/group: the Excel header (group in row 2 merged across its columns, label in row 3; a column
    without a group is merged over both rows). field: the ProjectData field, "unit", or None (序号 and
    the system's 推送情况 columns). name: how messages name the column ("推送前请填写{name}").
    attr: where the value lives on a Project ("owner.name"); export reads it as a values() path.
    """

    label: str
    group: str | None = None
    field: str | None = None
    kind: Kind = Text()
    width: float = 12
    name: str | None = None
    required: bool = False  # every project, even a draft
    push_required: bool = False  # P3: a push needs it
    attr: str | None = None
    section: str | None = None  # the push form's fieldset; default: the group
    wide: bool = False
    help_text: str = ""
    export_only: bool = False

    @property
    def title(self) -> str:
        """The header as one string: 建设单位·联系方式."""
        return f"{self.group}·{self.label}" if self.group else self.label

    @property
    def display_name(self) -> str:
        return self.name or self.label

    @property
    def source(self) -> str:
        """The values() path the export reads: a unit is written by its name."""
        path = (self.attr or self.field or "").replace(".", "__")
        return f"{path}__name" if isinstance(self.kind, UnitRef) else path

    @property
    def letter(self) -> str:
        return get_column_letter(COLUMNS.index(self) + 1)

    @property
    def excel_name(self) -> str:
        """How an import error names the column: its header and letter, e.g. 建设单位·联系方式（I列）."""
        return f"{self.title}（{self.letter}列）"

    @property
    def max_length(self) -> int | None:
        return getattr(self.kind, "max_length", None)

    @property
    def form_label(self) -> str:
        """The model's verbose_name where the column is a Project field, else its name."""
        model_field = _project_field(self.field)
        return str(model_field.verbose_name) if model_field is not None else self.display_name

    def parse(self, raw, lookups: "Lookups"):
        return self.kind.parse(raw, lookups, self)

    def value_of(self, project: Project):
        """The column's value on a saved project, as ProjectData holds it."""
        value: Any = project
        for part in (self.attr or self.field).split("."):
            value = getattr(value, part, None) if value is not None else None
        return self.kind.default if value is None else value


def _project_field(name: str | None):
    try:
        return Project._meta.get_field(name) if name else None
    except FieldDoesNotExist:
        return None


def _max_length(model: type[models.Model], field: str) -> int:
    return model._meta.get_field(field).max_length


_UNIT, _OWNER, _CONTRACTOR, _INFO, _PUSH = (
    "所属行业部门",
    "建设单位",
    "施工总承包单位",
    "项目信息",
    "推送情况",
)
_NAME_LENGTH = _max_length(Project, "name")
_ENTERPRISE = Text(_max_length(Enterprise, "name"))
_PERSON = Text(_max_length(Project, "unit_leader_name"))

COLUMNS: tuple[Column, ...] = (
    Column("序号", width=6),
    Column("项目名称", None, "name", Text(_NAME_LENGTH), width=32, required=True, section=BASIC, wide=True),
    Column(
        "名称",
        _UNIT,
        "unit",
        OwnUnit(),
        width=22,
        name="所属行业部门",
        help_text="人社局代为登记时选择项目所属单位",
    ),
    Column(
        "负责人", _UNIT, "unit_leader_name", _PERSON, width=10, name="所属行业部门负责人", push_required=True
    ),
    Column(
        "联系方式",
        _UNIT,
        "unit_leader_phone",
        Phone(),
        width=15,
        name="所属行业部门联系方式",
        push_required=True,
    ),
    Column(
        "名称",
        _OWNER,
        "owner_name",
        _ENTERPRISE,
        width=30,
        name="建设单位名称",
        push_required=True,
        attr="owner.name",
    ),
    Column(
        "统一社会信用代码",
        _OWNER,
        "owner_uscc",
        Uscc(),
        width=21,
        name="建设单位统一社会信用代码",
        push_required=True,
        attr="owner.uscc",
        help_text="18位，字母大写",
    ),
    Column(
        "项目负责人",
        _OWNER,
        "owner_manager_name",
        _PERSON,
        width=11,
        name="建设单位项目负责人",
        push_required=True,
    ),
    Column(
        "联系方式",
        _OWNER,
        "owner_manager_phone",
        Phone(),
        width=15,
        name="建设单位联系方式",
        push_required=True,
    ),
    Column(
        "名称",
        _CONTRACTOR,
        "contractor_name",
        _ENTERPRISE,
        width=30,
        name="施工总承包单位名称",
        push_required=True,
        attr="contractor.name",
    ),
    Column(
        "统一社会信用代码",
        _CONTRACTOR,
        "contractor_uscc",
        Uscc(),
        width=21,
        name="施工总承包单位统一社会信用代码",
        push_required=True,
        attr="contractor.uscc",
        help_text="18位，字母大写",
    ),
    Column("项目经理", _CONTRACTOR, "contractor_manager_name", _PERSON, width=10, push_required=True),
    Column(
        "联系方式",
        _CONTRACTOR,
        "contractor_manager_phone",
        Phone(),
        width=15,
        name="施工单位联系方式",
        push_required=True,
    ),
    Column(
        "合同总额（万元）",
        None,
        "contract_total_wan",
        Money(),
        width=14,
        name="合同总额",
        push_required=True,
        section=CONTRACT,
    ),
    Column("备注", None, "remarks", Text(2000, multiline=True), width=24, section=CONTRACT, wide=True),
    Column("所在街道", _INFO, "street", UnitRef(streets_only=True), width=15, required=True, section=BASIC),
    Column("项目类别", _INFO, "category", Choice(Category), width=10, required=True, section=BASIC),
    Column("资金类型", _INFO, "funding_type", Choice(FundingType), width=13, required=True, section=BASIC),
    Column(
        "推送依据",
        _INFO,
        "trigger_type",
        Choice(TriggerType),
        width=34,
        required=True,
        section=BASIC,
        wide=True,
    ),
    Column(
        "依据发生日期",
        _INFO,
        "trigger_date",
        Date(),
        width=12,
        required=True,
        section=BASIC,
        help_text="收到审批、备案、资金落实、施工许可等信息的日期，不能晚于今天（P1 推送期限由此起算）",
    ),
    Column(
        "招投标单位",
        _INFO,
        "bidder_unit",
        UnitRef(),
        width=22,
        required=True,
        section=BASIC,
        help_text="组织招投标、签订施工合同的单位",
    ),
    Column(
        "合同签订日期", _INFO, "contract_signed_on", Date(), width=12, push_required=True, section=CONTRACT
    ),
    Column("计划开工日期", _INFO, "planned_start_on", Date(), width=12, push_required=True, section=CONTRACT),
    # 推送情况: written by the system, ignored on import.
    Column("推送截止日期", _PUSH, "push_deadline", Date(), width=12, export_only=True),
    Column("推送时间", _PUSH, "pushed_at", LocalDateTime(), width=16, export_only=True),
    Column("推送状态", _PUSH, "status", Label(ProjectStatus), width=9, export_only=True),
    # P6 as decided once by projects.selectors.with_timeliness (an annotation), never again here.
    Column("是否逾期", _PUSH, "timeliness", Label(Timeliness), width=11, export_only=True),
    Column("逾期工作日", _PUSH, "late_working_days", Count(), width=10, export_only=True),
)

IMPORT_COLUMNS = tuple(c for c in COLUMNS if not c.export_only)
"""What the importer reads: 序号 and the columns a clerk fills in."""
ENTRY_COLUMNS = tuple(c for c in IMPORT_COLUMNS if c.field)
"""What a clerk enters: the unit and the ProjectData fields."""
DATA_COLUMNS = tuple(c for c in ENTRY_COLUMNS if c.field != "unit")
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS if c.field}
UNIT_COLUMN = COLUMN_BY_FIELD["unit"]

# P3: the fields a push needs beyond those every project has, with the names the messages use.
PUSH_REQUIRED: dict[str, str] = {c.field: c.display_name for c in DATA_COLUMNS if c.push_required}
REQUIRED: dict[str, str] = {c.field: c.display_name for c in DATA_COLUMNS if c.required}
MAX_LENGTHS: dict[str, int] = {c.field: c.max_length for c in ENTRY_COLUMNS if c.max_length}
PHONE_FIELDS = tuple(c.field for c in DATA_COLUMNS if isinstance(c.kind, Phone))
SECTIONS = (BASIC, _UNIT, _OWNER, _CONTRACTOR, CONTRACT)  # the push form's fieldsets, in order


def section_of(column: Column) -> str:
    return column.section or column.group or BASIC


# --------------------------------------------------------------------------------------------- ProjectData


def _from_project(cls, project: Project):
    return cls(**{c.field: c.value_of(project) for c in DATA_COLUMNS})


def _project_data_fields():
    required = [(c.field, c.kind.python_type) for c in DATA_COLUMNS if c.required]
    optional = [
        (
            c.field,
            c.kind.python_type if c.kind.default is not None else c.kind.python_type | None,
            dataclasses.field(default=c.kind.default),
        )
        for c in DATA_COLUMNS
        if not c.required
    ]
    return required + optional


ProjectData = dataclasses.make_dataclass(
    "ProjectData",
    _project_data_fields(),
    namespace={
        "__doc__": "What a clerk enters for a project (附件1 + P3), from a form, the API or an Excel row. "
        "Built from projects.columns.COLUMNS: one field per column a clerk fills in, the unit aside.",
        "__module__": __name__,
        "from_project": classmethod(_from_project),
    },
)


# --------------------------------------------------------------------------------------------- import lookups


class Lookups:
    """Names the importer resolves, read once per file: units by full name or 简称, streets by
    "李封街道办事处", "李封街道" or "李封", choices by label or value."""

    def __init__(self, units: list[Unit]):
        # Full names last, so they win: a 简称 ("住建") is accepted where it names no other unit in full.
        self.units = {xlsx.norm_label(u.short_name): u for u in units} | {
            xlsx.norm_label(u.name): u for u in units
        }
        self.streets = {}
        for u in units:
            if u.is_street:
                for key in (u.name, u.short_name, u.name.removesuffix("办事处")):
                    self.streets[xlsx.norm_label(key)] = u
        self._choices: dict[type, dict[str, str]] = {}

    def choices(self, enum: type[models.TextChoices]) -> dict[str, str]:
        if enum not in self._choices:
            self._choices[enum] = {xlsx.norm_label(label): value for value, label in enum.choices} | {
                value: value for value in enum.values
            }
        return self._choices[enum]


def exporter(column: Column, formatted: Callable[..., Callable]) -> Callable:
    """value → cell for `column`; `formatted(number_format, value_type=…)` makes a styled cell
    (common.xlsx.CellStyles.formatter)."""
    convert = column.kind.exporter()
    if column.kind.number_format is None:
        return convert
    styled = formatted(column.kind.number_format, value_type=column.kind.python_type)
    if convert is _as_it_is:
        return styled
    return lambda value: styled(convert(value))
