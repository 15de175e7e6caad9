"""The clerk's push form (附件1 + P3), built from projects.columns. Formats only: every rule (dates, amounts,
USCC checksum, phones, what a push needs) is checked by projects.services.project_validate."""

import dataclasses

from django import forms
from django.utils import timezone

from common.models import Unit, UnitType
from projects.columns import (
    ENTRY_COLUMNS,
    SECTIONS,
    Choice,
    Column,
    Date,
    Money,
    OwnUnit,
    Phone,
    ProjectData,
    Text,
    UnitRef,
    Uscc,
    section_of,
)
from projects.models import Project, TriggerType
from projects.selectors import enterprises_by_uscc
from projects.services import allowed_trigger_types

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Django's zh-hans translation of "Null characters are not allowed." reads "不允许是用空字符串。".
NO_NUL = {"null_characters_not_allowed": "含有不允许的字符（空字符），请删除后重新填写"}
MONEY_ERRORS = {
    "invalid": "请输入数字金额（单位：万元）",
    "max_decimal_places": "合同总额最多保留两位小数（单位：万元）",
    "max_digits": "合同总额过大，请确认单位为万元",
    "max_whole_digits": "合同总额过大，请确认单位为万元",
}


class WanAmountField(forms.DecimalField):
    """合同总额 in 万元: accepts what clerks type — 1,234.50 / 1，234.5 / 1234.5万 / 1234.5万元."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "").replace("，", "").removesuffix("万元").removesuffix("万")
        return super().to_python(value)


def form_field(column: Column) -> forms.Field:
    """The form field of a 附件1 column, from its kind."""
    kind, common = column.kind, {"label": column.form_label, "required": column.required}
    if column.help_text:
        common["help_text"] = column.help_text
    if isinstance(kind, OwnUnit):
        queryset = Unit.objects.filter(is_active=True, pushes_projects=True)
        return forms.ModelChoiceField(queryset=queryset, empty_label="请选择", **{**common, "required": True})
    if isinstance(kind, UnitRef):
        queryset = Unit.objects.filter(is_active=True)
        if kind.streets_only:
            queryset = queryset.filter(unit_type=UnitType.STREET)
        return forms.ModelChoiceField(queryset=queryset, empty_label="请选择", **common)
    if isinstance(kind, Choice):
        return forms.ChoiceField(choices=[("", "请选择"), *kind.enum.choices], **common)
    if isinstance(kind, Date):
        return forms.DateField(widget=DATE_WIDGET, **common)
    if isinstance(kind, Money):
        model_field = Project._meta.get_field(column.field)
        return WanAmountField(
            max_digits=model_field.max_digits,
            decimal_places=model_field.decimal_places,
            error_messages=MONEY_ERRORS,
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            **common,
        )
    assert isinstance(kind, Text), kind
    widget = None
    if kind.multiline:
        widget = forms.Textarea(attrs={"rows": 3})
    elif isinstance(kind, Uscc):
        widget = forms.TextInput(attrs={"autocomplete": "off", "style": "text-transform:uppercase"})
    elif isinstance(kind, Phone):
        common.setdefault("help_text", "手机或固定电话")
    return forms.CharField(max_length=kind.max_length, widget=widget, error_messages=NO_NUL, **common)


class ProjectForm(forms.Form):
    """One field per column a clerk fills in (projects.columns.ENTRY_COLUMNS); the unit only for HRSS and
    admins, who register for any unit — a clerk always acts for their own."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.sees_all_units:
            # Not offered, so it cannot be forged.
            del self.fields["unit"]
            if user.unit:
                allowed = allowed_trigger_types(user.unit)
                self.fields["trigger_type"].choices = [("", "请选择")] + [
                    c for c in TriggerType.choices if c[0] in allowed
                ]
                if len(allowed) == 1:
                    self.fields["trigger_type"].initial = allowed[0]
                self.fields["bidder_unit"].initial = user.unit.pk
                if user.unit.is_street:
                    self.fields["street"].initial = user.unit.pk
        self.fields["trigger_date"].widget.attrs["max"] = timezone.localdate().isoformat()
        if user.unit and "unit_leader_name" not in self.initial:
            # 所属行业部门负责人/联系方式 rarely change: offer the ones the unit gave on its latest project.
            last = (
                Project.objects.filter(unit=user.unit)
                .exclude(unit_leader_name="")
                .order_by("-created_at")
                .values("unit_leader_name", "unit_leader_phone")
                .first()
            )
            if last:
                self.initial.update(last)

    def sections(self) -> list[tuple[str, list[tuple[forms.BoundField, bool]]]]:
        """The fieldsets of the page: (legend, [(bound field, wide)]), in 附件1 order within each."""
        grouped: dict[str, list] = {legend: [] for legend in SECTIONS}
        for column in ENTRY_COLUMNS:
            if column.field in self.fields:
                grouped[section_of(column)].append((self[column.field], column.wide))
        return [(legend, fields) for legend, fields in grouped.items() if fields]

    def marked_sections(self) -> list[tuple[str, list, str, int | None]]:
        """sections() with, on the 建设单位 and 施工总承包单位 fieldsets, the role ("owner"/"contractor") and the
        enterprise the USCC in the form names (typed, or stored when editing), so the legend shows its V4 mark
        before the project is saved; "" and None on the other fieldsets."""
        roles = {section_of(COLUMNS_BY_FIELD[f"{role}_uscc"]): role for role in ENTERPRISE_ROLES}
        typed = {
            role: self[f"{role}_uscc"].value() or ""
            for role in ENTERPRISE_ROLES
            if f"{role}_uscc" in self.fields
        }
        matched = enterprises_by_uscc(typed.values())
        marked = []
        for legend, fields in self.sections():
            role = roles.get(legend, "")
            enterprise = matched.get(typed.get(role, ""))
            marked.append((legend, fields, role, enterprise.pk if enterprise else None))
        return marked

    def target_unit(self) -> Unit | None:
        return self.cleaned_data.get("unit") or self.user.unit

    def to_data(self) -> ProjectData:
        """The entered record; after a failed is_valid(), the fields that were valid (the others empty), so
        the service can still name the rule errors of those in the same round."""
        cd = self.cleaned_data
        values = {}
        for name, field in ProjectData.__dataclass_fields__.items():
            value = cd.get(name)
            if value is None:
                value = None if field.default is dataclasses.MISSING else field.default
            values[name] = value
        return ProjectData(**values)

    @classmethod
    def initial_from(cls, data: ProjectData, unit: Unit) -> dict:
        initial = {k: getattr(data, k) for k in ProjectData.__dataclass_fields__}
        initial["unit"] = unit.pk
        return initial


ProjectForm.base_fields = {column.field: form_field(column) for column in ENTRY_COLUMNS}
COLUMNS_BY_FIELD = {column.field: column for column in ENTRY_COLUMNS}
ENTERPRISE_ROLES = ("owner", "contractor")


class LedgerImportForm(forms.Form):
    file = forms.FileField(label="台账文件（.xlsx）", help_text="请使用“下载导入模板”得到的附件1格式")
