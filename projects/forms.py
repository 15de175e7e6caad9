"""The clerk's push form (附件1 + P3) and the ledger filters. Format checks only: rules live in services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from common.models import Unit, UnitType
from common.validators import validate_phone, validate_uscc
from projects.models import Category, FundingType, Project, ProjectStatus, Timeliness, TriggerType
from projects.services import PUSH_REQUIRED, ProjectData, allowed_trigger_types

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _uscc_field(label: str) -> forms.CharField:
    # Longer than 18 on purpose: a code pasted from 信用中国 often carries spaces; validate_uscc strips them.
    return forms.CharField(
        label=label,
        max_length=30,
        required=False,
        help_text="18位，字母大写",
        widget=forms.TextInput(attrs={"autocomplete": "off", "style": "text-transform:uppercase"}),
    )


def _phone_field(label: str) -> forms.CharField:
    return forms.CharField(label=label, max_length=30, required=False, help_text="手机或固定电话")


class WanAmountField(forms.DecimalField):
    """合同总额 in 万元: accepts what clerks type — 1,234.50 / 1，234.5 / 1234.5万 / 1234.5万元."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "").replace("，", "").removesuffix("万元").removesuffix("万")
        return super().to_python(value)


class ProjectForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="所属行业部门",
        queryset=Unit.objects.filter(is_active=True, pushes_projects=True),
        empty_label="请选择",
        help_text="人社局代为登记时选择项目所属单位",
    )
    unit_leader_name = forms.CharField(label="部门负责人", max_length=50, required=False)
    unit_leader_phone = _phone_field("部门联系方式")
    name = forms.CharField(label="项目名称", max_length=200)
    street = forms.ModelChoiceField(
        label="所在街道",
        queryset=Unit.objects.filter(unit_type=UnitType.STREET, is_active=True),
        empty_label="请选择",
    )
    category = forms.ChoiceField(label="项目类别", choices=[("", "请选择")] + Category.choices)
    funding_type = forms.ChoiceField(label="资金类型", choices=[("", "请选择")] + FundingType.choices)
    trigger_type = forms.ChoiceField(label="推送依据", choices=[("", "请选择")] + TriggerType.choices)
    trigger_date = forms.DateField(
        label="依据发生日期", widget=DATE_WIDGET, help_text="收到审批、备案、资金落实、施工许可等信息的日期"
    )
    bidder_unit = forms.ModelChoiceField(
        label="招投标单位",
        queryset=Unit.objects.filter(is_active=True),
        empty_label="请选择",
        help_text="组织招投标、签订施工合同的单位",
    )
    owner_name = forms.CharField(label="建设单位名称", max_length=200, required=False)
    owner_uscc = _uscc_field("建设单位统一社会信用代码")
    owner_manager_name = forms.CharField(label="建设单位项目负责人", max_length=50, required=False)
    owner_manager_phone = _phone_field("建设单位联系方式")
    contractor_name = forms.CharField(label="施工总承包单位名称", max_length=200, required=False)
    contractor_uscc = _uscc_field("施工总承包单位统一社会信用代码")
    contractor_manager_name = forms.CharField(label="项目经理", max_length=50, required=False)
    contractor_manager_phone = _phone_field("施工单位联系方式")
    contract_total_wan = WanAmountField(
        label="合同总额（万元）",
        max_digits=14,
        decimal_places=2,
        required=False,
        error_messages={
            "invalid": "请输入数字金额（单位：万元）",
            "max_decimal_places": "合同总额最多保留两位小数（单位：万元）",
            "max_digits": "合同总额过大，请确认单位为万元",
            "max_whole_digits": "合同总额过大，请确认单位为万元",
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    contract_signed_on = forms.DateField(label="合同签订日期", required=False, widget=DATE_WIDGET)
    planned_start_on = forms.DateField(label="计划开工日期", required=False, widget=DATE_WIDGET)
    remarks = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.sees_all_units:
            # A clerk always acts for their own unit: the field is not offered, so it cannot be forged.
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

    def _clean_optional(self, field: str, validator):
        value = self.cleaned_data.get(field, "")
        if not value:
            return value
        try:
            return validator(value)
        except ValidationError as e:
            raise ValidationError(e.messages[0]) from None

    def clean_owner_uscc(self):
        return self._clean_optional("owner_uscc", validate_uscc)

    def clean_contractor_uscc(self):
        return self._clean_optional("contractor_uscc", validate_uscc)

    def clean_unit_leader_phone(self):
        return self._clean_optional("unit_leader_phone", validate_phone)

    def clean_owner_manager_phone(self):
        return self._clean_optional("owner_manager_phone", validate_phone)

    def clean_contractor_manager_phone(self):
        return self._clean_optional("contractor_manager_phone", validate_phone)

    def clean_trigger_date(self):
        value = self.cleaned_data["trigger_date"]
        if value > timezone.localdate():
            raise ValidationError("依据发生日期不能晚于今天")
        return value

    def clean_contract_total_wan(self):
        value = self.cleaned_data.get("contract_total_wan")
        if value is not None and value <= 0:
            raise ValidationError("合同总额必须大于0")
        return value

    def clean(self):
        cleaned = super().clean()
        # Name every gap a push leaves in one round, not after the format errors are fixed (P3).
        # The service checks the same again (PUSH_REQUIRED); this only brings the messages forward.
        if self.data.get("push"):
            for field, label in PUSH_REQUIRED.items():
                if field not in self.errors and cleaned.get(field) in (None, ""):
                    self.add_error(field, f"推送前请填写{label}")
        return cleaned

    def target_unit(self) -> Unit:
        return self.cleaned_data.get("unit") or self.user.unit

    def to_data(self) -> ProjectData:
        cd = self.cleaned_data
        return ProjectData(**{k: cd[k] for k in ProjectData.__dataclass_fields__ if k in cd})

    @classmethod
    def initial_from(cls, data: ProjectData, unit: Unit) -> dict:
        initial = {k: getattr(data, k) for k in ProjectData.__dataclass_fields__}
        initial["unit"] = unit.pk
        return initial


ORDERING_CHOICES = [
    ("-created_at", "登记时间（新→旧）"),
    ("push_deadline", "推送截止日期（早→晚）"),
    ("-pushed_at", "推送时间（新→旧）"),
    ("-contract_total_wan", "合同总额（高→低）"),
    ("name", "项目名称"),
]


class LedgerFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "项目名称、企业名称或信用代码"}),
    )
    unit = forms.ModelChoiceField(
        label="所属单位",
        required=False,
        queryset=Unit.objects.exclude(unit_type=UnitType.HRSS),
        empty_label="全部",
    )
    street = forms.ModelChoiceField(
        label="所在街道",
        required=False,
        queryset=Unit.objects.filter(unit_type=UnitType.STREET),
        empty_label="全部",
    )
    category = forms.ChoiceField(label="类别", required=False, choices=[("", "全部")] + Category.choices)
    funding_type = forms.ChoiceField(
        label="资金类型", required=False, choices=[("", "全部")] + FundingType.choices
    )
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + ProjectStatus.choices)
    late = forms.ChoiceField(label="时效", required=False, choices=[("", "全部")] + Timeliness.choices)
    date_from = forms.DateField(label="依据日期自", required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label="至", required=False, widget=DATE_WIDGET)
    ordering = forms.ChoiceField(label="排序", required=False, choices=ORDERING_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not user.sees_all_units:
            del self.fields["unit"]

    def clean(self):
        cd = super().clean()
        if cd.get("date_from") and cd.get("date_to") and cd["date_from"] > cd["date_to"]:
            self.add_error("date_to", "结束日期不能早于开始日期")
        return cd

    def filters(self) -> dict:
        """The valid filters only: a bad one is reported at its field and dropped, the others still apply."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v}


class LedgerImportForm(forms.Form):
    file = forms.FileField(label="台账文件（.xlsx）", help_text="请使用“下载导入模板”得到的附件1格式")
